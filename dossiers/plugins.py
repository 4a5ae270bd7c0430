"""The dossiers' extension points: what only a higher app (postal) knows, registered in its
`AppConfig.ready()` so that dossiers never imports it (the shape: `portal.registry.Registry`).

- `legs_providers`: `provider(dossier) -> list[dict]` of postal legs (kind, status, due_at,
  tracking_code), shown by tracking and the dossier pages (`postal_legs`);
- `zone_providers`: `provider(province) -> [(zone, label), …]`, the postal tariff zones an address
  may be in (`zone_choices`, `zone_label`); without a provider the zone is "default".
"""

from portal.registry import Registry

legs_providers = Registry("postal legs provider")
zone_providers = Registry("postal zone provider")


def postal_legs(dossier):
    return [leg for provider in legs_providers for leg in provider(dossier)]


def zone_choices(province):
    return [choice for provider in zone_providers for choice in provider(province)]


def zone_label(province, zone):
    """What people read for a postal zone key ("noi_thanh" → "Nội thành"), from the providers."""
    return dict(zone_choices(province)).get(zone, zone)
