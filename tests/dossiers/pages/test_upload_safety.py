"""Active content in uploads (issue 12.8): a PDF with JavaScript or other actions, or any file with
web-page markup, is refused at upload (API and page, naming the file, nothing saved); every served
file is an attachment (JPEG and PNG inline), "nosniff" and sandboxed; every page carries a
Content-Security-Policy that runs no inline script."""

import re
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.active_content import MARKUP_FOUND, PDF_ACTIVE, find_active_content
from dossiers.models import DossierDocument
from tests.clients import api_client
from tests.dossier_helpers import PDF, make_dossier, pdf, png
from tests.dossiers.pages.common import html, logged_in, upload
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

JS_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
    b"3 0 obj<</S/JavaScript/JS(app.alert\\('x'\\))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def object_stream_pdf(body):
    packed = zlib.compress(body)
    return (
        b"%PDF-1.5\n5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
        + str(len(packed)).encode()
        + b">>stream\n"
        + packed
        + b"\nendstream\nendobj\ntrailer<<>>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    "content, found",
    [
        (JS_PDF, PDF_ACTIVE),
        (b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/Launch/F(calc.exe)>>>>endobj\n%%EOF\n", PDF_ACTIVE),
        (b"%PDF-1.4\n1 0 obj<</Names<</EmbeddedFiles 4 0 R>>>>endobj\n%%EOF\n", PDF_ACTIVE),
        (b"%PDF-1.4\n1 0 obj<</Type/Annot/AA<</O 5 0 R>>>>endobj\n%%EOF\n", PDF_ACTIVE),
        (b"%PDF-1.4\n1 0 obj<</S/J#61vaScript/J#53 (x)>>endobj\n%%EOF\n", PDF_ACTIVE),  # #xx escapes
        (object_stream_pdf(b"1 0 <</Type/Catalog/OpenAction 3 0 R>>"), PDF_ACTIVE),  # hidden in an object stream
        (b"%PDF-1.4\n<html><script>fetch('/api/v1/me/')</script></html>\n%%EOF\n", MARKUP_FOUND),  # a polyglot
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n% <SCRIPT src=x></SCRIPT>\n%%EOF\n", MARKUP_FOUND),
        (PDF, None),
        (b"%PDF-1.4\n1 0 obj<</BaseFont/AAAAAB+Arial/Subtype/TrueType>>endobj\n%%EOF\n", None),  # font subset name
        (object_stream_pdf(b"1 0 <</Type/Catalog/Pages 2 0 R>>"), None),
    ],
)
def test_active_content_is_found_where_it_hides(content, found):
    assert find_active_content(content, "application/pdf") == found


def test_an_image_with_markup_in_its_first_bytes_is_found():
    assert find_active_content(b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", "image/png") == MARKUP_FOUND
    assert find_active_content(png().read(), "image/png") is None


def test_a_pdf_with_javascript_is_refused_by_the_api_naming_the_file():
    dossier = make_dossier("draft")
    document = dossier.procedure.documents.first()
    upload_file = SimpleUploadedFile("to-khai.pdf", JS_PDF, content_type="application/pdf")
    response = api_client(dossier.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/documents/", {"document_code": document.code, "file": upload_file}
    )
    assert response.status_code == 400
    [message] = response.json()["file"]
    assert "to-khai.pdf" in message and "nội dung tự chạy" in message
    assert not DossierDocument.objects.filter(dossier=dossier).exists()


def test_a_polyglot_is_refused_on_the_page_beside_its_document(client, officer, procedure):
    citizen = CitizenFactory()
    dossier = make_dossier("draft", officer=officer, citizen=citizen, procedure=procedure)
    logged_in(client, citizen)
    assert upload(client, dossier.code, "TK", pdf("to-khai.pdf")).status_code == 302
    polyglot = SimpleUploadedFile("cccd.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF\n")
    response = upload(client, dossier.code, "CCCD", polyglot)
    assert response.status_code == 400
    block = re.search(r'id="giay-to-cccd".*?</li>\s*(?=<li class="doc-row|</ol>)', html(response), re.S).group(0)
    assert "cccd.pdf" in block and "mã trang web (HTML, script)" in block
    assert list(dossier.documents.values_list("document_code", flat=True)) == ["TK"]  # the earlier file stays


def test_a_served_pdf_is_an_attachment_nosniff_and_sandboxed(client):
    dossier = make_dossier("submitted")
    document = dossier.documents.first()
    logged_in(client, dossier.citizen)
    served = client.get(reverse("dossiers:document_file", args=[dossier.code, document.pk]))
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"] and "default-src 'none'" in served["Content-Security-Policy"]
    by_api = api_client(dossier.citizen).get(f"/api/v1/dossiers/{dossier.code}/documents/{document.pk}/file/")
    assert by_api["Content-Disposition"].startswith("attachment;") and by_api["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in by_api["Content-Security-Policy"]


def test_a_png_is_shown_inline_and_downloaded_on_request(client, officer, procedure):
    citizen = CitizenFactory()
    dossier = make_dossier("draft", officer=officer, citizen=citizen, procedure=procedure)
    logged_in(client, citizen)
    upload(client, dossier.code, "ANH", png("anh.png"))
    document = dossier.documents.get(document_code="ANH")
    url = reverse("dossiers:document_file", args=[dossier.code, document.pk])
    shown = client.get(url)
    assert shown["Content-Type"] == "image/png" and shown["Content-Disposition"].startswith("inline;")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert client.get(url + "?download=1")["Content-Disposition"].startswith("attachment;")


def test_the_e_result_is_an_attachment(client):
    dossier = make_dossier("completed")
    dossier.result_file.save("ket-qua.pdf", pdf("ket-qua.pdf"))
    logged_in(client, dossier.citizen)
    served = client.get(reverse("dossiers:result_file", args=[dossier.code]))
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment;") and served["X-Content-Type-Options"] == "nosniff"


def script_sources(policy):
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return directives.get("script-src", directives.get("default-src", ""))


def test_every_page_carries_a_csp_without_inline_scripts(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    pages = [
        ("anonymous", reverse("home")),
        ("anonymous", reverse("procedure_list")),
        ("anonymous", reverse("login")),
        ("anonymous", reverse("password_reset")),
        ("anonymous", reverse("dossiers:tracking")),
        ("anonymous", "/api/docs/"),
        ("anonymous", "/admin/login/"),
        ("anonymous", "/khong-co-trang-nay/"),  # a 404 too
        ("citizen", reverse("dossiers:detail", args=[dossier.code])),
        ("citizen", reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])),
        ("officer", reverse("dossiers:detail", args=[dossier.code])),
    ]
    for who, url in pages:
        client.logout()
        if who == "citizen":
            client.force_login(dossier.citizen)
        elif who == "officer":
            client.force_login(officer)
        response = client.get(url)
        policy = response.get("Content-Security-Policy", "")
        assert policy, (url, response.status_code)
        sources = script_sources(policy)
        assert "'self'" in sources and "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, url
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_the_api_answers_carry_the_csp_too():
    assert api_client().get("/api/v1/procedures/")["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_event_handler_the_csp_would_block():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or HANDLER.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []


def test_the_swagger_ui_script_is_served_from_its_own_url(client):
    page = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page)
    [script] = [src for src in re.findall(r'<script[^>]*src="([^"]+)"', page) if "script" in src]
    assert client.get(script).status_code == 200
