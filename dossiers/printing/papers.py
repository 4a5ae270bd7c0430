"""The legal papers of a dossier as signed PDF (issue 17): the receipt with the appointment date (giấy tiếp nhận
hồ sơ và hẹn trả kết quả), the refusal (phiếu từ chối), the supplement request (phiếu yêu cầu bổ sung) and the
apology letter (phiếu xin lỗi và hẹn lại ngày trả kết quả). Same wording and data as the HTML print pages (the
page's context, dossiers/pages/prints.py), written with fpdf2 (dossiers/printing/pdf.py) and signed (PAdES) with
the certificate of the dossier's agency (portal.signing.sign_pdf), in the name of the officer who issued the paper,
or of the agency for a paper issued by the system. Generated on each request; nothing is kept."""

import qrcode
from django.utils.translation import gettext as _

from portal import signing  # its names load on first use: pyHanko only once a paper is signed
from portal.formatting import format_fee, format_processing_time

from ..models import ReturnChannel
from . import long_date, long_moment, tracking_url
from .pdf import Paper


def _letter_day(kind, context):
    dossier, event = context["dossier"], context.get("event")
    return {
        "receipt": dossier.received_at,
        "apology": dossier.apologized_at,
    }.get(kind) or (event.at if event else context["printed_at"])


def issuer(kind, context):
    """Who signs: the officer who issued the paper (the event's actor), else the agency itself."""
    event = context.get("accept_event") if kind == "receipt" else context.get("event")
    actor = getattr(event, "actor", None)
    return str(actor) if actor is not None else context["dossier"].agency.name


def _applicant(paper, dossier):
    rows = [(_("Ông/Bà:"), dossier.applicant_name, True), (_("Số điện thoại:"), dossier.applicant_phone, False)]
    if dossier.applicant_email:
        rows.append((_("Email:"), dossier.applicant_email, False))
    if dossier.address:
        rows.append((_("Địa chỉ:"), dossier.address, False))
    procedure = f"{dossier.procedure.name} ({dossier.procedure.code})"
    rows.append((_("Nội dung yêu cầu giải quyết:"), procedure, False))
    paper.facts(rows)


def _declaration(paper, lines, depth=0):
    """The declaration's labelled lines (portal.declaration.shown): values, groups, numbered rows."""
    for line in lines:
        if line["kind"] == "value":
            paper.runs((f"{line['label']}: ", "B"), (line["value"], ""), size=10, indent=depth * 5)
        elif line["kind"] == "group":
            paper.runs((line["label"], "B"), size=10, indent=depth * 5)
            _declaration(paper, line["children"], depth + 1)
        else:
            paper.runs((line["label"], "B"), size=10, indent=depth * 5)
            for number, children in line["rows"]:
                paper.runs((f"{_('Mục')} {number}", "I"), size=10, indent=(depth + 1) * 5)
                _declaration(paper, children, depth + 2)


def _return_place(dossier):
    try:
        place = str(ReturnChannel(dossier.return_channel).label)
    except ValueError:
        place = dossier.return_channel
    if dossier.return_channel == ReturnChannel.POSTAL and dossier.address:
        place += f" – {dossier.address}"
    elif dossier.return_channel == ReturnChannel.DESK:
        place += f" – {dossier.desk.name}" + (f", {dossier.desk.address}" if dossier.desk.address else "")
    return place


def _receipt(paper, context):
    dossier = context["dossier"]
    paper.para(_("%(desk)s tiếp nhận hồ sơ của:") % {"desk": dossier.desk.name})
    _applicant(paper, dossier)
    paper.numbered(1, (_("Thành phần hồ sơ nộp gồm:"), ""))
    rows = [
        (
            number,
            row["name"],
            (row["form"] or "")[:1].upper() + (row["form"] or "")[1:],
            row["copies"] or "",
            "; ".join(file.original_name for file in row["files"]) or "—",
        )
        for number, row in enumerate(context.get("documents") or [], start=1)
    ]
    if rows:
        headings = [_("STT"), _("Tên giấy tờ"), _("Hình thức"), _("Số bản"), _("Bản điện tử")]
        paper.table_of(headings, rows, (10, 62, 30, 16, 52))
    else:
        paper.para(_("Không có thành phần hồ sơ."), indent=8)
    processing = format_processing_time(dossier.snap_processing_value, dossier.snap_processing_unit)
    items = [
        ((_("Số lượng hồ sơ:"), ""), (f" 01 {_('(bộ)')}", "")),
        ((_("Thời gian giải quyết hồ sơ theo quy định là:"), ""), (f" {processing}", "")),
        ((_("Thời gian nhận hồ sơ:"), ""), (f" {long_moment(dossier.received_at)}", "B")),
        ((_("Thời gian trả kết quả giải quyết hồ sơ:"), ""), (f" {long_moment(dossier.due_at)}", "B")),
        ((_("Đăng ký nhận kết quả tại:"), ""), (f" {_return_place(dossier)}", "")),
    ]
    if dossier.snap_fee:
        items.append(((_("Phí, lệ phí:"), ""), (f" {format_fee(dossier.snap_fee)}", "")))
    for number, parts in enumerate(items, start=2):
        paper.numbered(number, *parts)
    if context.get("declaration_lines"):
        paper.ln(1)
        paper.para((_("Nội dung tờ khai"), "B"))
        _declaration(paper, context["declaration_lines"])
        paper.ln(2)
    explanation = _(
        "Quét mã để tra cứu tình trạng hồ sơ (không cần nhập số điện thoại); hoặc vào địa chỉ sau và nhập 4 chữ số "
        "cuối số điện thoại:"
    )
    explanation += f"\n{tracking_url(dossier.code)}"
    if dossier.desk.phone:
        explanation += f"\n{_('Điện thoại Bộ phận Một cửa:')} {dossier.desk.phone}"
    image = qrcode.make(tracking_url(dossier.code, dossier.tracking_token), border=2).get_image()
    paper.qr(image, explanation)
    _notices(paper, context)
    paper.signatures(
        _("Người nộp hồ sơ"), dossier.applicant_name, _("Người tiếp nhận hồ sơ"), _actor(context, "accept_event")
    )


def _notices(paper, context):
    notices, hotlines = context.get("notices") or [], context.get("hotlines") or []
    if not (notices or hotlines):
        return
    paper.para((_("Thông báo"), "B"))
    for notice in notices:
        if isinstance(notice, str):
            title, body = "", notice
        else:
            get = notice.get if isinstance(notice, dict) else lambda name, n=notice: getattr(n, name, "")
            title, body = get("title") or "", get("body") or ""
        paper.runs(("• ", ""), (f"{title}: " if title else "", "B"), (body, ""), size=10, indent=3)
    if hotlines:
        paper.runs((f"{_('Đường dây nóng:')} {', '.join(hotlines)}", ""), size=10)
    paper.ln(2)


def _actor(context, key="event"):
    event = context.get(key)
    actor = getattr(event, "actor", None)
    return str(actor) if actor is not None else ""


def _supplement(paper, context):
    dossier, event = context["dossier"], context.get("event")
    paper.para(_("%(desk)s tiếp nhận hồ sơ của:") % {"desk": dossier.desk.name})
    _applicant(paper, dossier)
    paper.para(_("Sau khi xem xét thành phần hồ sơ, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"))
    for number, name in enumerate(context.get("missing") or [], start=1):
        paper.numbered(number, (name, ""))
    if event is not None and event.note:
        paper.para((_("Nội dung cụ thể:"), "B"), (f" {event.note}", ""))
    paper.para(_("Lý do: hồ sơ chưa đầy đủ, hợp lệ theo quy định."))
    text = _(
        "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ Bộ phận Một cửa, số điện thoại %(phone)s "
        "để được hướng dẫn."
    )
    paper.para(text % {"phone": dossier.desk.phone or "—"})
    if dossier.owner_id:
        paper.para(_("Ông/Bà có thể tải lên giấy tờ bổ sung trực tuyến trên Cổng, mục Hồ sơ của tôi."), size=9.5)
    paper.signatures(_("Người nộp hồ sơ"), dossier.applicant_name, _("Người hướng dẫn"), _actor(context))


def _refusal(paper, context):
    dossier, event = context["dossier"], context.get("event")
    paper.para(_("%(desk)s nhận được hồ sơ của:") % {"desk": dossier.desk.name})
    _applicant(paper, dossier)
    paper.para(_("Qua xem xét, cơ quan thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:"))
    paper.quote(event.note if event is not None else "")
    paper.para(_("Xin thông báo để Ông/Bà được biết và thực hiện."))
    paper.signatures(_("Người nộp hồ sơ"), dossier.applicant_name, _("Cán bộ tiếp nhận"), _actor(context))


def _apology(paper, context):
    dossier, event = context["dossier"], context.get("event")
    paper.para(
        _("Vào lúc %(received)s, %(desk)s tiếp nhận giải quyết hồ sơ của:")
        % {"received": long_moment(dossier.received_at), "desk": dossier.desk.name}
    )
    _applicant(paper, dossier)
    paper.para(
        (_("Thời hạn trả kết quả giải quyết hồ sơ theo quy định:"), ""),
        (f" {long_moment(context.get('previous_due'))}", "B"),
        (".", ""),
    )
    paper.para(
        _("Tuy nhiên đến nay, %(agency)s chưa trả kết quả giải quyết hồ sơ của Ông/Bà.")
        % {"agency": dossier.agency.name}
    )
    paper.para((_("Lý do:"), "B"), (f" {event.note if event is not None else ''}", ""))
    paper.para(
        (
            _(
                "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi thành thật xin lỗi và sẽ trả kết quả giải "
                "quyết hồ sơ cho Ông/Bà vào:"
            ),
            "",
        ),
        (f" {long_moment(dossier.apology_due_at)}", "B"),
        (".", ""),
    )
    paper.para(_("Mong nhận được sự thông cảm của Ông/Bà."))
    paper.signatures(_("Người nhận phiếu"), dossier.applicant_name, _("Thủ trưởng cơ quan"), "")


WRITERS = {"receipt": _receipt, "supplement": _supplement, "refusal": _refusal, "apology": _apology}


def paper_pdf(kind, context):
    """The unsigned PDF of one legal paper, from the print page's context."""
    dossier = context["dossier"]
    paper = Paper(title=f"{context['title']} – {dossier.code}", subject=dossier.procedure.name)
    day = long_date(_letter_day(kind, context))
    paper.heading(
        authority=str(context["authority"]), desk=dossier.desk.name, place_and_date=f"{dossier.province.name}, {day}"
    )
    paper.title_block(context["title"], dossier.code)
    WRITERS[kind](paper, context)
    return paper.render()


def signed_paper_pdf(kind, context):
    """The paper signed with the certificate of the dossier's agency. Raises portal.signing.SigningUnavailable
    (no usable certificate) or dossiers.printing.pdf.FontsMissing."""
    dossier = context["dossier"]
    return signing.sign_pdf(
        paper_pdf(kind, context),
        dossier.agency,
        dossier_code=dossier.code,
        signer=issuer(kind, context),
        reason=str(context["title"]),
    )
