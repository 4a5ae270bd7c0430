"""The post's tariff for the effective policy (`GET /api/v1/procedures/{code}/policy/`,
`postal_fee {pickup, return}`): campaigns sits below postal and never imports it, so postal
registers `quote` in `campaigns.policy.postal_fee_quoters` (PostalConfig.ready):

    postal_fee_quoters.register("postal", policy_quote.quote)
"""

from django.utils import timezone

from portal.calendar import VN_TZ

from .fees import DEFAULT_ZONE, TariffRow, pick_amount


def quote(procedure, desk, at, zone=DEFAULT_ZONE):
    """{"pickup": int | None, "return": int | None}: each leg's published tariff in the
    procedure's province on the local date of `at` (latest `valid_from` on or before it), in
    `zone` or else `default`; None where the province has published none."""
    from .models import PostalTariff

    on = timezone.localtime(at, VN_TZ).date()
    rows = [
        TariffRow(leg, row_zone, valid_from, amount)
        for leg, row_zone, valid_from, amount in PostalTariff.objects.filter(
            province_id=procedure.province_id, zone__in={zone or DEFAULT_ZONE, DEFAULT_ZONE}, valid_from__lte=on
        ).values_list("leg", "zone", "valid_from", "amount")
    ]
    return {leg: pick_amount(rows, leg, zone, on) for leg in ("pickup", "return")}
