"""Demo postal orders, after the demo dossiers (ORDER 50): four dossiers of the demo citizen
with postal legs at the Đồng Nai officer's desk (made through the dossier services, so the
receivers create the orders), then the province's clerk takes some of them (assigned,
picked up), one order is recreated from an earlier trigger so its SLA has run out and the
sweep records the breach, and the post office of Đồng Nai (75) gets an integration client
whose token is printed once.

Idempotent: skipped when a demo order has already been moved or the client exists."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import Province, Role, User

from . import receivers, services
from .management.commands.issue_postal_client import issue
from .models import IntegrationClient, PostalOrder

ORDER = 60
CLIENT_NAME = "Bưu điện Đồng Nai"


def _postal_dossiers(stdout):
    """Dossiers with postal legs (the general demo prefers online intake and desk return)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import services as dossier_services
    from dossiers.demo import ADDRESS, CITIZEN, PDF, declaration_for, pay_if_due, sample_declarations
    from dossiers.services import uploads
    from portal.errors import Conflict, Forbidden, RuleError
    from portal.models import Procedure

    citizen = User.objects.filter(username=CITIZEN).first()
    officer = User.objects.filter(username="canbo.dongnai", role=Role.OFFICER).first()
    if citizen is None or officer is None or PostalOrder.objects.exists():
        return
    procedures = [
        p
        for p in Procedure.objects.filter(province_id=officer.desk.province_id, active=True, postal_intake=True)
        .filter(postal_return=True, in_person_only=False)
        .order_by("code")
        if dossier_services.desk_serves(officer.desk, p)
    ]
    plans = [("postal", "desk", "accepted")] * 3 + [("online", "postal", "completed")]
    made, samples = 0, sample_declarations()
    for (intake, ret, state), procedure in zip(plans, procedures * 4, strict=False):
        applicant = {"full_name": citizen.full_name, "phone": citizen.phone or "0912345678"}
        try:
            with transaction.atomic():
                dossier = dossier_services.create_draft(
                    citizen,
                    procedure=procedure,
                    desk=officer.desk,
                    intake_channel=intake,
                    return_channel=ret,
                    applicant=applicant,
                    address=ADDRESS,
                    form_data=declaration_for(procedure, applicant, "", samples),  # a form's sample declaration
                )
                for document in procedure.documents.all():
                    upload = SimpleUploadedFile(f"{document.code}.pdf", PDF, content_type="application/pdf")
                    uploads.add_document(dossier, citizen, document.code, upload)
                dossier = dossier_services.submit(dossier, citizen)
                # A level-4 fee collected before acceptance: paid through the demo gateway first.
                dossier = dossier_services.accept(pay_if_due(dossier, citizen), officer)
                if state == "completed":
                    dossier = dossier_services.process(dossier, officer)
                    dossier_services.complete(dossier, officer, "approved")
            # load_demo holds one transaction per app, so the domain events wait for its commit;
            # the receivers are idempotent, so calling them now makes the orders at once.
            receivers.pickup_on_accept(None, dossier.pk)
            receivers.return_on_result_ready(None, dossier.pk)
            made += 1
        except (RuleError, Conflict, Forbidden) as exc:
            stdout.write(f"  Bưu chính: bỏ qua {procedure.code} ({exc})")
    stdout.write(f"  Bưu chính: {made} hồ sơ có chặng bưu chính")


def _clerk(province_id):
    return User.objects.filter(role=Role.POSTAL_CLERK, province_id=province_id, is_active=True).order_by("id").first()


def _move_orders(stdout):
    created = list(PostalOrder.objects.filter(status=PostalOrder.Status.CREATED).order_by("id"))
    if not created or PostalOrder.objects.exclude(status=PostalOrder.Status.CREATED).exists():
        return
    moved = 0
    for index, order in enumerate(created[:4]):
        clerk = _clerk(order.province_id)
        if clerk is None:
            continue
        if index == 2:
            _breach(order, clerk, stdout)
            continue
        order = services.assign(order, clerk)
        if index >= 1:
            order = services.pick_up(order, clerk)
        moved += 1
    stdout.write(f"  Bưu chính: {moved} đơn đã phân công/nhận hàng")


def _breach(order, clerk, stdout):
    """The order is recreated as if its trigger had come two working days ago."""
    services.cancel(order, clerk, "Dữ liệu mẫu: tạo lại đơn với thời điểm phát sinh sớm hơn")
    again = services.create_order(order.dossier, order.kind, triggered_at=timezone.now() - timedelta(days=4))
    from .tasks import sweep_postal_sla

    sweep_postal_sla()
    again.refresh_from_db()
    stdout.write(f"  Bưu chính: đơn {again.tracking_code} quá hạn SLA (bảng cảnh báo)")


def _client(stdout):
    province = Province.objects.filter(code="75").first()
    if province is None or IntegrationClient.objects.filter(province=province, name=CLIENT_NAME).exists():
        return
    client, token, secret = issue(province, CLIENT_NAME)
    stdout.write(f"  Bưu chính: phần mềm “{client.name}”, mã truy cập (chỉ hiện một lần): {token}")


def load(stdout):
    _postal_dossiers(stdout)
    _move_orders(stdout)
    _client(stdout)
