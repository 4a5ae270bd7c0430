"""Payment providers (đơn vị cung cấp dịch vụ thanh toán): interchangeable classes, entries of the
`payment_providers` registry (`portal.registry.Registry`, name → class) and looked up by
`dossiers.payments.service.get_provider`. `settings.PAYMENT_PROVIDERS` (name → dotted path) says
which are enabled: DossiersConfig.ready registers each (`register_configured`), so a deployment
adds a gateway by configuration, and an app may register one in its own ready(). The national
payment platform (Nền tảng thanh toán trên Cổng Dịch vụ công quốc gia) and bank gateways are other
subclasses of `PaymentProvider`.

A provider does three things and holds no rule of its own (`dossiers/payments/service.py` does):
- `start(payment, return_url) -> redirect_url`: open the payment at the gateway and say
  where to send the citizen;
- `verify_callback(data) -> Verified(reference, status, amount, transaction_id)`: check
  the gateway's signature over a callback and read it; raise `InvalidSignature` when the
  signature (or the shape) is wrong;
- `refund(payment) -> refund reference`: give the money back; raise `ProviderError` when
  the gateway cannot.

`DemoProvider` simulates a gateway inside motcua: its "bank page" is
`/thanh-toan/demo/<reference>/` (dossiers/payments/pages.py) and its callbacks are JSON
signed with HMAC-SHA256 under `settings.PAYMENT_DEMO_SECRET`."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import NamedTuple

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from portal.registry import Registry

PAID = "paid"
FAILED = "failed"


class InvalidSignature(Exception):
    """The callback is not from the provider (bad or missing signature, or malformed)."""


class ProviderError(Exception):
    """The provider could not do what was asked (gateway down, refund refused)."""


class Verified(NamedTuple):
    """What a verified callback says: our reference, "paid" or "failed", the amount in đồng,
    and the provider's own transaction number (may be empty)."""

    reference: str
    status: str
    amount: int
    transaction_id: str = ""


class PaymentProvider:
    """The interface. `name` is the registry key the instance was built for."""

    label = _("Đơn vị thanh toán")

    def __init__(self, name):
        self.name = name

    def enabled(self) -> bool:
        """Whether this provider is offered on this system at all (its callbacks are refused otherwise)."""
        return True

    def start(self, payment, return_url: str) -> str:
        raise NotImplementedError

    def verify_callback(self, data: dict) -> Verified:
        raise NotImplementedError

    def refund(self, payment) -> str:
        raise NotImplementedError

    def acknowledge(self, callback) -> tuple[int, dict]:
        """The HTTP answer to a callback (status, JSON body). Gateways that expect a
        particular body override this; the status follows the outcome."""
        from ..models import PaymentCallback
        from .callbacks import THROTTLED

        if callback.outcome == THROTTLED:
            return 429, {"result": THROTTLED, "detail": str(_("Từ chối: quá nhiều phản hồi sai từ địa chỉ này."))}
        bad = {
            PaymentCallback.Outcome.BAD_SIGNATURE: 400,
            PaymentCallback.Outcome.AMOUNT_MISMATCH: 400,
            PaymentCallback.Outcome.UNKNOWN_PAYMENT: 400,
        }
        return bad.get(callback.outcome, 200), {
            "result": callback.outcome,
            "detail": str(PaymentCallback.Outcome(callback.outcome).label),
        }


def canonical(data: dict) -> bytes:
    """The bytes a signature covers: every field but `signature`, keys sorted, compact JSON."""
    fields = {key: value for key, value in data.items() if key != "signature"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class DemoProvider(PaymentProvider):
    """A gateway simulated inside motcua, for demonstrations and tests. Never a real payment:
    it is refused when `settings.PAYMENT_DEMO_ENABLED` is off (the default in production)."""

    label = _("Cổng thanh toán thử nghiệm")

    @staticmethod
    def secret() -> bytes:
        configured = settings.PAYMENT_DEMO_SECRET
        if configured:
            return configured.encode()
        # No secret configured: one derived from SECRET_KEY, so a deployment is never unsigned.
        return hashlib.sha256(f"motcua-payment-demo:{settings.SECRET_KEY}".encode()).hexdigest().encode()

    @classmethod
    def sign(cls, data: dict) -> str:
        return hmac.new(cls.secret(), canonical(data), hashlib.sha256).hexdigest()

    def enabled(self):
        return bool(settings.PAYMENT_DEMO_ENABLED)

    def _check_enabled(self):
        if not self.enabled():
            raise ProviderError(_("Cổng thanh toán thử nghiệm không được bật trên hệ thống này."))

    def start(self, payment, return_url):
        self._check_enabled()
        path = reverse("payments:demo_gateway", args=[payment.reference])
        return f"{settings.SITE_URL.rstrip('/')}{path}"

    def callback_payload(self, payment, status, transaction_id=None):
        """The signed JSON the simulated gateway posts to /api/v1/payments/callback/<name>/."""
        data = {
            "reference": payment.reference,
            "status": status,
            "amount": payment.amount,
            "transaction_id": transaction_id or f"DEMO{timezone.now():%Y%m%d%H%M%S}{payment.pk:06d}",
            "at": timezone.now().isoformat(),
        }
        data["signature"] = self.sign(data)
        return data

    def verify_callback(self, data):
        # Off (production): a callback signed with the development key is never applied.
        if not self.enabled():
            raise InvalidSignature("the demo provider is disabled")
        if not isinstance(data, dict):
            raise InvalidSignature("payload is not an object")
        signature = data.get("signature")
        if not isinstance(signature, str) or not hmac.compare_digest(signature, self.sign(data)):
            raise InvalidSignature("bad signature")
        reference, status, amount = data.get("reference"), data.get("status"), data.get("amount")
        if not isinstance(reference, str) or status not in (PAID, FAILED) or type(amount) is not int:
            raise InvalidSignature("signed, but not a callback this provider sends")
        return Verified(reference, status, amount, str(data.get("transaction_id") or ""))

    def refund(self, payment):
        self._check_enabled()
        return f"DEMO-RF-{payment.reference}"


payment_providers = Registry("payment provider")


def register_configured():
    """Register every provider of settings.PAYMENT_PROVIDERS (name → dotted path of a PaymentProvider
    class); a wrong path fails at start-up (ImportError), not at a citizen's payment."""
    for name, path in settings.PAYMENT_PROVIDERS.items():
        payment_providers.register(name, import_string(path))
