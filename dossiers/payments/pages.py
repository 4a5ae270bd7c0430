"""The payment pages (under /thanh-toan/):

- `pay`: the owner's "pay the fee" page for a dossier (GET shows the amount, POST starts or
  resumes the payment and sends the browser to the provider);
- `receipt`: the printable e-receipt (biên lai điện tử), for whoever may see the dossier;
- `demo_gateway`: the demo provider's "bank page": the amount, the dossier, "Thanh toán" and
  "Huỷ". Submitting signs a callback exactly as the gateway would post it to
  /api/v1/payments/callback/<provider>/ and hands it to the same function that endpoint
  calls (`payments.handle_callback`, a server-side call instead of an HTTP round trip), then
  sends the citizen back to the return URL. It needs no login, as a bank's page would not:
  the unguessable reference is the key."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.errors import Conflict, Forbidden, RuleError

from ..access import visible_dossiers
from ..models import Payment, PaymentCallback, PaymentStatus
from . import service as payments
from .api import dossier_page_path, return_url_for
from .providers import FAILED, PAID, DemoProvider


def _dossier(user, code):
    queryset = visible_dossiers(user).select_related("procedure", "desk", "agency", "province")
    return get_object_or_404(queryset, code=code)


def payment_panel(dossier, user):
    """What the citizen's pages show of a dossier's fee (templates/payments/panel.html): the
    amount due, whether "Thanh toán" is offered (only to the owner), whether the unpaid fee
    holds up acceptance, the status, and the e-receipt once paid. None when nothing is paid
    online for the dossier."""
    if dossier.payment_status == PaymentStatus.NOT_REQUIRED:
        return None
    return {
        "amount": payments.amount_due(dossier),
        "status": dossier.payment_status,
        "status_label": PaymentStatus(dossier.payment_status).label,
        "payable": payments.payable(dossier) and dossier.owner_id == getattr(user, "id", None),
        "blocks_acceptance": payments.blocks_acceptance(dossier),
        "collect_at": payments.collect_at(dossier.procedure),
        "receipt": payments.receipt_payment(dossier),
    }


@require_http_methods(["GET", "POST"])
@login_required
def pay(request, code):
    dossier = _dossier(request.user, code)
    if request.method == "POST":
        try:
            payment = payments.start_payment(dossier, request.user, return_url=return_url_for(request, dossier))
        except (RuleError, Conflict, Forbidden, payments.PaymentUnavailable) as exc:
            messages.error(request, exc.message)
            return redirect("payments:pay", code=dossier.code)
        return redirect(payment.redirect_url)
    context = {
        "dossier": dossier,
        "amount": payments.amount_due(dossier),
        "payable": payments.payable(dossier) and dossier.owner_id == request.user.id,
        "collect_at": payments.collect_at(dossier.procedure),
        "receipt": payments.receipt_payment(dossier),
        "attempts": dossier.payments.all()[:10],
        "back_url": dossier_page_path(dossier, request.user),
    }
    return render(request, "payments/pay.html", context)


@require_GET
@login_required
def receipt(request, code):
    dossier = _dossier(request.user, code)
    payment = payments.receipt_payment(dossier)
    if payment is None:
        raise Http404
    context = {
        "dossier": dossier,
        "payment": payment,
        "receipt": payments.receipt_data(payment),
        "back_url": dossier_page_path(dossier, request.user),
    }
    return render(request, "payments/receipt.html", context)


def _safe_return(request, payment):
    site_host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    url = payment.return_url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host(), site_host}):
        return url
    return dossier_page_path(payment.dossier)


@require_http_methods(["GET", "POST"])
def demo_gateway(request, reference):
    if not settings.PAYMENT_DEMO_ENABLED:
        raise Http404
    payment = get_object_or_404(
        Payment.objects.select_related("dossier__procedure", "dossier__agency"), reference=reference
    )
    provider = payments.get_provider(payment.provider)
    if not isinstance(provider, DemoProvider):
        raise Http404
    if request.method == "POST" and payment.status == Payment.Status.PENDING:
        choice = request.POST.get("action")
        if choice not in ("pay", "cancel"):
            return redirect("payments:demo_gateway", reference=reference)
        data = provider.callback_payload(payment, PAID if choice == "pay" else FAILED)
        callback = payments.handle_callback(provider, data, remote_addr=request.META.get("REMOTE_ADDR") or None)
        if callback.outcome == PaymentCallback.Outcome.APPLIED and choice == "pay":
            messages.success(request, _("Thanh toán thành công. Biên lai điện tử đã được phát hành."))
        elif choice == "cancel":
            messages.warning(request, _("Bạn đã huỷ thanh toán. Có thể thanh toán lại trên trang hồ sơ."))
        return redirect(_safe_return(request, payment))
    if request.method == "POST":
        return redirect(_safe_return(request, payment))
    context = {
        "payment": payment,
        "dossier": payment.dossier,
        "provider": provider,
        "return_url": _safe_return(request, payment),
    }
    return render(request, "payments/demo_gateway.html", context)
