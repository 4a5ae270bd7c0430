"""Demo dossiers: about fifteen dossiers of the demo citizen `congdan` (and two walk-ins) at
the demo officers' desks, in the states a new user wants to see, made through the services
(the one door) at the real present moment, so every event, clock and notification is real.

Loaded after the catalog (ORDER 0) and the campaigns (ORDER 30); skipped when the demo citizen
already has dossiers, or when the demo accounts are missing. Channels are chosen among those
the effective policy allows now (a campaign in force may close some).

What is honest without time travel: no dossier is created overdue. A same-day procedure
accepted now is due at today's closing (or the next working day's, after 15:00), so it sits in
"sắp đến hạn" at once and moves to "quá hạn" by itself if nobody completes it in time."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from portal.errors import Conflict, Forbidden, RuleError
from portal.models import OneStopDesk, Procedure, ProcessingUnit, Role, User
from portal.working_time import calendar_for_desk

from . import services
from .models import Dossier
from .pages.forms import channel_options
from .payments import service as payments
from .services import claims, uploads

ORDER = 50
CITIZEN = "congdan"
PREFERRED_OFFICERS = ("canbo.dongnai", "canbo.bienhoa", "canbo.khanhhoa", "canbo.quangbinh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ADDRESS = "25 Võ Thị Sáu, phường Thống Nhất, TP. Biên Hòa"


def _officers():
    preferred = list(User.objects.filter(username__in=PREFERRED_OFFICERS, role=Role.OFFICER, desk__isnull=False))
    preferred.sort(key=lambda user: PREFERRED_OFFICERS.index(user.username))
    if preferred:
        return preferred[:3]
    return list(User.objects.filter(role=Role.OFFICER, desk__isnull=False).order_by("username")[:3])


def _procedures(desk, online):
    candidates = Procedure.objects.filter(province_id=desk.province_id, active=True).select_related("agency")
    if online:
        candidates = candidates.filter(level__gte=3, in_person_only=False)
    return [p for p in candidates.order_by("code") if services.desk_serves(desk, p)]


def _channels(procedure, desk, walk_in=False):
    """An intake and a return channel the policy allows now (None if intake is closed)."""
    _policy, intake, returns = channel_options(procedure, desk)
    open_intake = [o["value"] for o in intake if o["available"]]
    if walk_in:
        intake_channel = "walk_in" if "walk_in" in open_intake else None
    else:
        intake_channel = next((c for c in ("online", "postal") if c in open_intake), None)
    open_return = [o["value"] for o in returns if o["available"] and not o["warning"]]
    return_channel = next((c for c in ("desk", "postal", "online") if c in open_return), "postal")
    return intake_channel, return_channel


class Maker:
    def __init__(self, citizen, stdout):
        self.citizen = citizen
        self.stdout = stdout
        self.made = []

    def draft(self, officer, procedure, *, walk_in=False, applicant=None, content=""):
        intake, returns = _channels(procedure, officer.desk, walk_in=walk_in)
        if intake is None:
            return None
        actor = officer if walk_in else self.citizen
        applicant = applicant or {
            "full_name": self.citizen.full_name or self.citizen.username,
            "phone": self.citizen.phone or "0912345678",
            "email": self.citizen.email,
            "national_id": self.citizen.national_id,
        }
        dossier = services.create_draft(
            actor,
            procedure=procedure,
            desk=officer.desk,
            intake_channel=intake,
            return_channel=returns,
            applicant=applicant,
            address=ADDRESS if "postal" in (intake, returns) else "",
            form_data={"content": content or f"Đề nghị giải quyết thủ tục {procedure.name}."},
            owner=None if walk_in else self.citizen,
        )
        for document in procedure.documents.filter(required=True):
            upload = SimpleUploadedFile(f"{document.code}.pdf", PDF, content_type="application/pdf")
            uploads.add_document(dossier, actor, document.code, upload)
        return dossier

    def run(self, label, steps):
        """Run `steps()` (a dossier or None); a rule or a campaign that refuses a step is reported, not fatal."""
        try:
            dossier = steps()
        except (RuleError, Conflict, Forbidden) as error:
            self.stdout.write(f"  Hồ sơ mẫu “{label}” bỏ qua: {error.message}")
            return None
        if dossier is not None:
            self.made.append((label, dossier))
        return dossier


def pay_if_due(dossier, citizen):
    """Pay online the fee the officer must see paid before accepting (level 4, "thu phí trước khi
    tiếp nhận"), as the citizen does on the demo gateway's page: `payments.start_payment`, then the
    gateway's signed "paid" callback, applied by `payments.handle_callback` (the payment paid, its
    e-receipt numbered, the events and notifications written). Nothing is faked; with the demo
    gateway switched off (production) nothing is paid and the acceptance that follows is refused."""
    provider = payments.get_provider("demo")
    if not payments.blocks_acceptance(dossier) or not payments.payable(dossier) or not provider.enabled():
        return dossier
    payment = payments.start_payment(dossier, citizen, provider=provider.name)
    payments.handle_callback(provider, provider.callback_payload(payment, payments.PAID))
    dossier.refresh_from_db()
    return dossier


def _submitted(maker, officer, procedure, content=""):
    dossier = maker.draft(officer, procedure, content=content)
    return services.submit(dossier, maker.citizen) if dossier else None


def _accepted(maker, officer, procedure, content=""):
    dossier = _submitted(maker, officer, procedure, content)
    if dossier is None:
        return None
    return services.accept(pay_if_due(dossier, maker.citizen), officer, "Hồ sơ đầy đủ, hợp lệ.")


def _processing(maker, officer, procedure, handed_to=""):
    dossier = _accepted(maker, officer, procedure)
    if dossier is None:
        return None
    return services.process(dossier, officer, "Chuyển chuyên viên thụ lý.", handed_to=handed_to)


def load(stdout):
    citizen = User.objects.filter(username=CITIZEN).first()
    officers = _officers()
    if citizen is None or not officers:
        stdout.write("  Hồ sơ mẫu: bỏ qua (chưa có tài khoản công dân hoặc cán bộ mẫu).")
        return
    if Dossier.objects.filter(Q(owner=citizen) | Q(created_by__in=officers)).exists():
        stdout.write("  Hồ sơ mẫu: đã có, giữ nguyên.")
        return
    maker = Maker(citizen, stdout)
    main = officers[0]
    online = _procedures(main.desk, online=True)
    every = _procedures(main.desk, online=False)
    if not online:
        stdout.write(f"  Hồ sơ mẫu: bỏ qua ({main.desk} không có thủ tục trực tuyến).")
        return

    # Dossiers that go past acceptance use free procedures (the postal demo shows a paid one:
    # a fee collected before acceptance is paid first through the demo gateway, `pay_if_due`).
    free = [p for p in online if not p.fee] or online

    def pick(i, pool=online):
        return pool[i % len(pool)]

    same_day = next((p for p in free if p.processing_time_unit == ProcessingUnit.SAME_DAY), None)

    maker.run("mới đăng ký 1", lambda: _submitted(maker, main, pick(0), "Cấp bản sao trích lục khai sinh."))
    maker.run("mới đăng ký 2", lambda: _submitted(maker, main, pick(1)))
    claimed = maker.run("mới đăng ký, đang được giữ", lambda: _submitted(maker, main, pick(2)))
    if claimed is not None:
        claims.claim(claimed, main)

    def supplement_requested():
        dossier = _submitted(maker, main, pick(3))
        if dossier is None:
            return None
        names = list(dossier.procedure.documents.values_list("name", flat=True)[:1])
        return services.request_supplement(
            dossier, main, "Bản chụp giấy tờ bị mờ, đề nghị chụp lại rõ nét.", missing=names
        )

    maker.run("chờ bổ sung", supplement_requested)
    maker.run("đã tiếp nhận", lambda: _accepted(maker, main, pick(4, free)))
    if same_day is not None:
        maker.run("trong ngày, sắp đến hạn", lambda: _accepted(maker, main, same_day))
    maker.run("đang xử lý", lambda: _processing(maker, main, pick(5, free), handed_to="Phòng chuyên môn"))

    def paused():
        dossier = _processing(maker, main, pick(6, free))
        return services.pause(dossier, main, "Chờ xác minh thông tin tại địa phương.") if dossier else None

    maker.run("tạm dừng", paused)

    def apologized():
        dossier = _processing(maker, main, pick(7, free))
        if dossier is None:
            return None
        new_due = calendar_for_desk(main.desk).add_working_days(dossier.due_at, 2)
        return services.apologize(dossier, main, new_due, "Chờ ý kiến của cơ quan phối hợp.")

    maker.run("xin lỗi, hẹn lại", apologized)

    def completed():
        dossier = _processing(maker, main, pick(8, free))
        return services.complete(dossier, main, "approved") if dossier else None

    maker.run("đã có kết quả", completed)

    def returned(score, comment):
        def steps():
            dossier = completed()
            if dossier is None:
                return None
            dossier = services.return_result(dossier, main, "Trả kết quả tại Bộ phận Một cửa.")
            return services.rate(dossier, citizen, score, comment)

        return steps

    maker.run("đã trả, đánh giá 5", returned(5, "Cán bộ hướng dẫn tận tình, trả kết quả sớm."))
    maker.run("đã trả, đánh giá 4", returned(4, "Nhanh, thủ tục rõ ràng."))

    def refused():
        dossier = _submitted(maker, main, pick(9))
        return (
            services.refuse(dossier, main, "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.") if dossier else None
        )

    maker.run("từ chối", refused)
    maker.run("bản nháp", lambda: maker.draft(main, pick(10), content="Bản nháp: sẽ bổ sung giấy tờ sau."))

    def walk_in(officer, pool, name, phone):
        def steps():
            dossier = maker.draft(
                officer, pool[0], walk_in=True, applicant={"full_name": name, "phone": phone}, content="Nộp tại quầy."
            )
            if dossier is None:
                return None
            dossier = services.submit(dossier, officer)
            return services.accept(dossier, officer, "Tiếp nhận trực tiếp tại quầy.")

        return steps

    walk_in_pool = [p for p in every if not p.fee] or every or online
    maker.run("trực tiếp", walk_in(main, walk_in_pool, "Lê Thị Hoa", "0934567890"))
    for other in officers[1:]:
        pool = _procedures(other.desk, online=True)
        if pool:
            maker.run(f"mới đăng ký tại {other.desk}", lambda other=other, pool=pool: _submitted(maker, other, pool[0]))
    desks = OneStopDesk.objects.filter(pk__in={d.desk_id for _label, d in maker.made})
    stdout.write(
        f"  Hồ sơ mẫu: {len(maker.made)} hồ sơ tại {', '.join(d.name for d in desks)}"
        f" (công dân {CITIZEN}, cán bộ {', '.join(o.username for o in officers)})."
    )
