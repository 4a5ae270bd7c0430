"""Public tracking (tra cứu hồ sơ): by code and the last 4 digits of the applicant's phone,
showing status, dates and postal legs, nothing personal. Higher apps (postal) add the
legs through `register_legs_provider` without dossiers importing them."""

from .models import Dossier, Status

_legs_providers = []


def register_legs_provider(provider):
    """`provider(dossier) -> list[dict]` of postal legs (kind, status, due_at, tracking_code)."""
    if provider not in _legs_providers:
        _legs_providers.append(provider)


def postal_legs(dossier):
    return [leg for provider in _legs_providers for leg in provider(dossier)]


def public_view(code, phone_last4):
    phone_last4 = (phone_last4 or "").strip()
    if len(phone_last4) != 4 or not phone_last4.isdigit():
        return None
    dossier = Dossier.objects.select_related("procedure").filter(code=code).exclude(status=Status.DRAFT).first()
    if dossier is None or not dossier.applicant_phone.endswith(phone_last4):
        return None
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "completed_at": dossier.completed_at,
        "returned_at": dossier.returned_at,
        "return_channel": dossier.return_channel,
        "postal_legs": postal_legs(dossier),
    }
