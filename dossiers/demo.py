"""Demo dossiers: about fifteen dossiers of the demo citizen `congdan` (and two walk-ins) at
the demo officers' desks, in the states a new user wants to see, made through the services
(the one door) at the real present moment, so every event, clock and notification is real.

Loaded after the catalog (ORDER 0) and the campaigns (ORDER 30); skipped when the demo citizen
already has dossiers, or when the demo accounts are missing. Channels are chosen among those
the effective policy allows now (a campaign in force may close some).

What is honest without time travel: no dossier is created overdue. A same-day procedure
accepted now is due at today's closing (or the next working day's, after 15:00), so it sits in
"sắp đến hạn" at once and moves to "quá hạn" by itself if nobody completes it in time.

A procedure with a declaration form (the eight demo forms, portal/fixtures/demo_forms.json) gets a complete,
valid declaration of that form (dossiers/fixtures/demo_declarations.json, by procedure code), with the
applicant's name and phone in the fields marked to be prefilled with them; the others keep the free request.

The internal processes (issue 15, `PROCESS_DOSSIERS`): dossiers of the Đồng Nai procedures that
have a process in the demo catalog, each walked through its steps by the people of each step
(accept, forward, send back) so that every specialist and head of those agencies has one waiting.
A step only runs late with time, so those dossiers are received on earlier working days: their
services run with the one clock (`django.utils.timezone.now`, architecture.md "One clock") set to
those moments, and the rest of their history happens at the present."""

import copy
import json
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from portal.declaration import prefill_paths
from portal.errors import Conflict, Forbidden, RuleError
from portal.models import OneStopDesk, Procedure, ProcessingUnit, Role, User
from portal.working_time import calendar_for_desk

from . import declarations, process, services
from .models import Dossier, DossierStep
from .pages.forms import channel_options
from .payments import service as payments
from .services import claims, uploads

ORDER = 50
CITIZEN = "congdan"
PREFERRED_OFFICERS = ("canbo.dongnai", "canbo.bienhoa", "canbo.khanhhoa", "canbo.quangbinh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ADDRESS = "25 Võ Thị Sáu, phường Thống Nhất, TP. Biên Hòa"
DECLARATIONS_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_declarations.json"


def sample_declarations():
    """{procedure code: a complete declaration of its demo form}."""
    return json.loads(DECLARATIONS_FILE.read_text(encoding="utf-8"))


def declaration_for(procedure, applicant, content, samples):
    """The demo declaration of a dossier of `procedure`: its form's sample (the applicant's name and phone in
    the fields prefilled with them), or the free request of a procedure without a form."""
    if procedure.form_version is None or procedure.code not in samples:
        return {"content": content or f"Đề nghị giải quyết thủ tục {procedure.name}."}
    data = copy.deepcopy(samples[procedure.code])
    definition = declarations.definition_of(procedure.pk, procedure.form_version)
    for source in ("full_name", "phone"):
        for path in prefill_paths(definition, source):
            level = data
            for key in path[:-1]:
                level = level.setdefault(key, {})
            if applicant.get(source):
                level[path[-1]] = applicant[source]
    return data


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
        self.samples = sample_declarations()

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
            form_data=declaration_for(procedure, applicant, content, self.samples),
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


def _result_pdf(dossier):
    """The e-result of a demo dossier: a one-page PDF the completion signs with the agency's demo certificate."""
    from portal.signing.documents import text_pdf

    lines = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "",
        "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "",
        f"Thủ tục: {dossier.procedure.name[:80]}",
        f"Mã hồ sơ: {dossier.code}",
        f"Người nộp: {dossier.applicant_name}",
        f"Cơ quan giải quyết: {dossier.agency.name}",
        "",
        "(Bản điện tử mẫu của môi trường demo)",
    ]
    data = text_pdf(lines, title="Kết quả giải quyết")
    return SimpleUploadedFile("ket-qua.pdf", data, content_type="application/pdf")


def _processing(maker, officer, procedure, handed_to=""):
    dossier = _accepted(maker, officer, procedure)
    if dossier is None:
        return None
    return services.process(dossier, officer, "Chuyển chuyên viên thụ lý.", handed_to=handed_to)


# --------------------------------------------------------------------------- internal processes

# Dossiers walked through the demo catalog's processes (Đồng Nai): (label, procedure code, receiving
# officer, walk-in applicant or None for the demo citizen online, history). The history is a list of
# (when, action, actor, data): `when` is (working days before today, "HH:MM") or None for the present;
# `action` is accept, forward or send_back. Each dossier stops at a step, waiting for its people. A step
# finished at the present started far enough back to be on time whatever the hour of the load; the late
# steps are chosen: Công an tỉnh's verification and the ward's (the slow agencies of this demo).
PROCESS_DOSSIERS = [
    # Cấp Phiếu lý lịch tư pháp (Sở Tư pháp, 10 working days), inter-agency: Công an tỉnh verifies.
    ("LLTP chờ thụ lý", "2.000488", "canbo.dongnai", None, [(None, "accept", "canbo.dongnai", {})]),
    (
        "LLTP chờ Công an xác minh, quá hạn bước",
        "2.000488",
        "canbo.dongnai",
        None,
        [
            ((8, "08:30"), "accept", "canbo.dongnai", {}),
            ((7, "10:00"), "forward", "chuyenvien.tuphap.dongnai", {"assignee": "chuyenvien.congan.dongnai"}),
        ],
    ),
    (
        "LLTP chờ ký",
        "2.000488",
        "canbo.dongnai",
        None,
        [
            ((6, "09:00"), "accept", "canbo.dongnai", {}),
            ((4, "08:30"), "forward", "chuyenvien.tuphap.dongnai", {}),
            (None, "forward", "chuyenvien.congan.dongnai", {"note": "Không có án tích."}),
            (None, "forward", "chuyenvien.tuphap.dongnai", {"note": "Đã dự thảo Phiếu số 1."}),
        ],
    ),
    (
        "LLTP chờ trả kết quả",
        "2.000488",
        "canbo.dongnai",
        None,
        [
            ((5, "10:00"), "accept", "canbo.dongnai", {}),
            ((4, "15:00"), "forward", "chuyenvien.tuphap.dongnai", {}),
            (None, "forward", "chuyenvien.congan.dongnai", {"note": "Không có án tích."}),
            (None, "forward", "chuyenvien.tuphap.dongnai", {}),
            (None, "forward", "lanhdao.tuphap.dongnai", {"note": "Đã ký."}),
        ],
    ),
    # Đăng ký, cấp Giấy chứng nhận lần đầu (UBND TP Long Khánh, 30 working days), inter-agency: the ward
    # (UBND phường Xuân Trung) checks the land and posts the dossier, then sends it up to the city.
    (
        "Đất đai chờ phường xác nhận, quá hạn bước",
        "1.004227",
        "canbo.longkhanh",
        ("Phạm Văn Đức", "0934111222"),
        [((13, "08:30"), "accept", "canbo.longkhanh", {})],
    ),
    (
        "Đất đai chờ Chủ tịch phường ký",
        "1.004227",
        "canbo.longkhanh",
        ("Trần Thị Lan", "0934111333"),
        [
            ((9, "09:00"), "accept", "canbo.longkhanh", {}),
            (None, "forward", "chuyenvien.xuantrung", {"note": "Đã niêm yết công khai, không có tranh chấp."}),
        ],
    ),
    (
        "Đất đai chờ thành phố thẩm định",
        "1.004227",
        "canbo.longkhanh",
        ("Lê Văn Bình", "0934111444"),
        [
            ((15, "08:00"), "accept", "canbo.longkhanh", {}),
            ((6, "10:00"), "forward", "chuyenvien.xuantrung", {"note": "Đã niêm yết công khai."}),
            ((5, "15:00"), "forward", "lanhdao.xuantrung", {"note": "Đã xác nhận, chuyển UBND thành phố."}),
        ],
    ),
    (
        "Đất đai chờ ký Giấy chứng nhận",
        "1.004227",
        "canbo.longkhanh",
        ("Nguyễn Thị Hồng", "0934111555"),
        [
            ((24, "08:00"), "accept", "canbo.longkhanh", {}),
            ((15, "16:00"), "forward", "chuyenvien.xuantrung", {}),
            ((14, "15:30"), "forward", "lanhdao.xuantrung", {}),
            ((2, "14:00"), "forward", "chuyenvien.longkhanh", {"note": "Đủ điều kiện cấp Giấy chứng nhận."}),
        ],
    ),
    # Cấp giấy phép xây dựng nhà ở riêng lẻ (UBND TP Long Khánh, 15 working days): the head sends it back.
    (
        "Giấy phép xây dựng bị trả lại thẩm định",
        "1.009794",
        "canbo.longkhanh",
        None,
        [
            ((7, "09:00"), "accept", "canbo.longkhanh", {}),
            ((2, "10:00"), "forward", "chuyenvien.longkhanh", {"note": "Đủ điều kiện cấp phép."}),
            (None, "send_back", "lanhdao.longkhanh", {"reason": "Bản vẽ thiếu mặt cắt móng, đề nghị kiểm tra lại."}),
        ],
    ),
    # Đăng ký lại khai sinh (5 working days) and Xác nhận tình trạng hôn nhân (3), UBND TP Biên Hòa.
    ("Khai sinh chờ thụ lý", "1.004884", "canbo.bienhoa", None, [(None, "accept", "canbo.bienhoa", {})]),
    (
        "Khai sinh chờ ký",
        "1.004884",
        "canbo.bienhoa",
        None,
        [((1, "08:00"), "accept", "canbo.bienhoa", {}), (None, "forward", "chuyenvien.bienhoa", {})],
    ),
    (
        "Tình trạng hôn nhân chờ trả kết quả",
        "1.004873",
        "canbo.bienhoa",
        None,
        [
            (None, "accept", "canbo.bienhoa", {}),
            (None, "forward", "chuyenvien.bienhoa", {"note": "Đã xác minh."}),
            (None, "forward", "lanhdao.bienhoa", {}),
        ],
    ),
]


def working_days_ago(desk, days, hhmm, now=None):
    """The moment `hhmm` (Vietnam time) on the `days`-th working day before today on `desk`'s calendar."""
    calendar = calendar_for_desk(desk)
    day = timezone.localtime(now or timezone.now(), calendar.tz).date()
    while days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days -= 1
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=calendar.tz)


@contextmanager
def clock_at(moment):
    """The services run as at `moment` (None: the present). Every clock of the code is
    `django.utils.timezone.now` (architecture.md "One clock"), so setting it is the whole of the time travel."""
    if moment is None:
        yield
        return
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def _walk(maker, procedure, officer, walk_in, history, people):
    applicant = None
    if walk_in:
        name, phone = walk_in
        applicant = {"full_name": name, "phone": phone}
    dossier = None
    for when, action, username, data in history:
        moment = working_days_ago(officer.desk, *when) if when else None
        with clock_at(moment):
            actor = people[username]
            if action == "accept":
                dossier = maker.draft(officer, procedure, walk_in=bool(walk_in), applicant=applicant)
                if dossier is None:
                    return None
                if walk_in:
                    dossier = services.submit(dossier, officer)
                else:
                    dossier = pay_if_due(services.submit(dossier, maker.citizen), maker.citizen)
                dossier = services.accept(dossier, actor, "Hồ sơ đầy đủ, hợp lệ.")
            elif action == "forward":
                dossier = services.forward(dossier, actor, data.get("note", ""), assignee=data.get("assignee", ""))
            else:
                dossier = services.send_back(dossier, actor, data["reason"])
    return dossier


def load_processes(maker, stdout):
    """The PROCESS_DOSSIERS, then who has work waiting at which step (printed)."""
    usernames = {username for *_rest, history in PROCESS_DOSSIERS for _w, _a, username, _d in history}
    usernames |= {officer for _l, _c, officer, _w, _h in PROCESS_DOSSIERS}
    people = {user.username: user for user in User.objects.filter(username__in=usernames, is_active=True)}
    procedures = {p.code: p for p in Procedure.objects.filter(province__code="75", active=True)}
    made = []
    for label, code, officer, walk_in, history in PROCESS_DOSSIERS:
        procedure, desk_officer = procedures.get(code), people.get(officer)
        missing = {username for _w, _a, username, _d in history} - people.keys()
        if procedure is None or desk_officer is None or missing or not procedure.process_steps.exists():
            stdout.write(f"  Hồ sơ mẫu “{label}” bỏ qua: thiếu thủ tục, quy trình hoặc tài khoản mẫu.")
            continue
        dossier = maker.run(
            label, lambda p=procedure, o=desk_officer, w=walk_in, h=history: _walk(maker, p, o, w, h, people)
        )
        if dossier is not None:
            made.append(dossier)
    steps = DossierStep.objects.filter(dossier__in=made, finished_at__isnull=True).select_related("dossier")
    now = timezone.now()
    stdout.write(f"  Quy trình nội bộ: {len(made)} hồ sơ đang ở các bước; việc đang chờ:")
    for step in steps.order_by("dossier__desk_id", "id"):
        holders = sorted(u.username for u in User.objects.filter(pk__in=_holders(step)))
        late = " (quá hạn bước)" if step.due_at < now else ""
        stdout.write(f"    {', '.join(holders)}: {step.dossier.code} bước {step.code} “{step.name}”{late}")


def _holders(step):
    if step.assignee_id:
        return [step.assignee_id]
    return process.staff_of(step.dossier, step.index).values_list("pk", flat=True)


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

    def certificate():
        """A result that is a document (Procedure.result_document, the birth certificate) returned online: in the
        citizen's document store, it is offered where another procedure asks for it (issue 16)."""
        producing = next((p for p in free if p.result_document), None)
        dossier = _processing(maker, main, producing) if producing else None
        if dossier is None:
            return None
        dossier = services.complete(dossier, main, "approved", result_file=_result_pdf(dossier))
        return services.return_result(dossier, main, "Trả kết quả điện tử.")

    maker.run("có kết quả là giấy tờ dùng lại được", certificate)

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
    load_processes(maker, stdout)
    desks = OneStopDesk.objects.filter(pk__in={d.desk_id for _label, d in maker.made})
    stdout.write(
        f"  Hồ sơ mẫu: {len(maker.made)} hồ sơ tại {', '.join(d.name for d in desks)}"
        f" (công dân {CITIZEN}, cán bộ {', '.join(o.username for o in officers)})."
    )
