"""The ``postal_tariffs`` section of the catalog file (docs/api.md, "Catalog import").

Records: ``{"province": "75", "leg": "pickup"|"return", "zone": "default", "amount": 22000,
"valid_from": "2019-01-01"}``. ``zone`` may be left out (= ``"default"``: the zone of an
address without one); ``zone_label`` (optional, e.g. ``"Nội thành"``) is what pages show for
it. A tariff applies from ``valid_from`` until the next row of the same
province, leg and zone, so a temporary reduction is two rows: the reduced amount from its
first day and the normal amount again from the day after it ends.

Idempotent by (province, leg, zone, valid_from): the amount is updated; rows left out of
the file stay. Imported from ``PostalConfig.ready()``, so portal never imports postal."""

from portal.catalog_io import ABSENT, register_section
from portal.models import Province

from .models import PostalTariff

ZONE_MAX = PostalTariff._meta.get_field("zone").max_length
LABEL_MAX = PostalTariff._meta.get_field("zone_label").max_length


def _label(data):
    parts = (("province", "?"), ("leg", "?"), ("zone", "default"), ("valid_from", "?"))
    return "/".join(str(data.get(key, default)) for key, default in parts)


def _key(data):
    return (data.get("province"), data.get("leg"), data.get("zone", "default"), data.get("valid_from"))


def load_tariffs(records, section):
    rows = []
    for rec in section.records(records, label=_label, unique=_key, unique_field="valid_from"):
        rec.allow("province", "leg", "zone", "zone_label", "amount", "valid_from")
        province = rec.reference("province", "province")
        leg = rec.choice("leg", PostalTariff.Leg.values)
        zone = rec.text("zone", required=False, max_length=ZONE_MAX)
        zone_label = rec.text("zone_label", required=False, max_length=LABEL_MAX)
        amount = rec.integer("amount", minimum=0)
        valid_from = rec.iso_date("valid_from")
        zone_label = None if zone_label is ABSENT else zone_label
        rows.append((rec, province, leg, "default" if zone is ABSENT else zone, zone_label, amount, valid_from))

    def write():
        for rec, province, leg, zone, zone_label, amount, valid_from in rows:
            lookup = {"province_id": section.pk(Province, province), "leg": leg, "zone": zone, "valid_from": valid_from}
            values = {"amount": amount} if zone_label is None else {"amount": amount, "zone_label": zone_label}
            section.upsert(rec, PostalTariff, lookup, values)

    return write


def export_tariffs(province):
    queryset = PostalTariff.objects.select_related("province").order_by("province__code", "leg", "zone", "valid_from")
    if province is not None:
        queryset = queryset.filter(province__code=province)
    return [
        {
            "province": t.province.code,
            "leg": t.leg,
            "zone": t.zone,
            **({"zone_label": t.zone_label} if t.zone_label else {}),
            "amount": t.amount,
            "valid_from": t.valid_from.isoformat(),
        }
        for t in queryset
    ]


def register():
    """The postal_tariffs section of portal's catalog file (PostalConfig.ready calls this)."""
    register_section("postal_tariffs", order=50, load=load_tariffs, export=export_tariffs)
