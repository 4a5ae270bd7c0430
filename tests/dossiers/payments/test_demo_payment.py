"""load_demo pays the level-4 postal dossier whose fee is collected before acceptance (issue 11
follow-up): through the demo gateway's own path (payments.start_payment, then the signed callback
that payments.handle_callback applies: paid, with its e-receipt), so the officer accepts it and
the post office picks it up; it was skipped ("thu phí trước khi tiếp nhận"). Run twice, the
loader adds nothing."""

import io

import pytest
from django.core.management import call_command

from dossiers.models import Dossier, Payment, PaymentStatus, Status
from dossiers.payments import service as payments
from postal.models import PostalOrder

pytestmark = pytest.mark.django_db


def load():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_pays_the_level_4_postal_dossier_before_accepting_it_and_stays_idempotent(settings):
    settings.PAYMENT_DEMO_ENABLED = True
    first = load()
    assert "bỏ qua" not in first, first  # no demo dossier is skipped any more
    assert "Bưu chính: 4 hồ sơ có chặng bưu chính" in first

    paid = Dossier.objects.filter(
        owner__username="congdan",
        procedure__level=4,
        procedure__fee_collected_at=payments.BEFORE_ACCEPTANCE,
        procedure__fee__gt=0,
        payment_status=PaymentStatus.PAID,
    )
    assert paid.exists()
    for dossier in paid:
        payment = dossier.payments.get(status=Payment.Status.PAID)
        assert payment.provider == "demo" and payment.amount == dossier.procedure.fee
        assert payment.receipt_number.startswith("BL-")  # the e-receipt
        assert payment.callbacks.filter(outcome="applied").exists()  # the signed callback, applied
        actions = list(dossier.events.order_by("id").values_list("action", flat=True))
        assert actions.index("payment_paid") < actions.index("accept")  # accepted once paid
    # The postal one was then processed to its result; the demo's internal-process dossiers (issue 15) of a paid
    # procedure wait at a step of their process instead.
    done = paid.filter(current_step__isnull=True)
    assert done.exists() and paid.exclude(current_step__isnull=True).exists()
    for dossier in done:
        assert dossier.status == Status.COMPLETED and dossier.return_channel == "postal"
    for dossier in paid.exclude(current_step__isnull=True):
        assert dossier.status in (Status.ACCEPTED, Status.PROCESSING)
    # Its result goes back by post: the clerk has its return order.
    assert PostalOrder.objects.filter(dossier__in=done, kind=PostalOrder.Kind.RETURN).exists()

    counts = (Dossier.objects.count(), Payment.objects.count(), PostalOrder.objects.count())
    second = load()
    assert "bỏ qua" not in second, second
    assert (Dossier.objects.count(), Payment.objects.count(), PostalOrder.objects.count()) == counts
