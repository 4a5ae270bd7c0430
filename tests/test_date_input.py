"""One date field for every page (issue 11, phone polish 1): the browser's own date input shows
"mm/dd/yyyy" in an English Chromium, so the pages use portal.widgets.DateField, a text input with
the placeholder "dd/mm/yyyy", a numeric keyboard and a pattern, which reads dd/mm/yyyy (and
yyyy-mm-dd, as the API and older posts send) and shows a date as dd/mm/yyyy; a bad date is the
Vietnamese form error beside the field, and the other typed values stay."""

import importlib
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms

from portal.widgets import DateField, DateInput, DateTimeField, DateTimeInput
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory
from tests.test_campaign_pages import admin, form_data  # noqa: F401 (fixture)
from tests.test_file_picker import _subclasses

ROOT = Path(__file__).resolve().parents[1]
APPS = ("portal", "campaigns", "dossiers", "postal", "reports")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def html(response):
    return response.content.decode()


def date_input(page, name):
    match = re.search(rf'<input type="text" name="{name}"[^>]*>', page)
    assert match, f"no text date input named {name}"
    return match.group(0)


def test_the_field_reads_dd_mm_yyyy_and_iso_and_shows_dd_mm_yyyy():
    class Form(forms.Form):
        day = DateField(required=False)

    for typed in ("05/03/2024", "5/3/2024", "05-03-2024", "05.03.2024", "05032024", "2024-03-05", " 05/03/2024 "):
        form = Form({"day": typed})
        assert form.is_valid(), typed
        assert form.cleaned_data["day"] == date(2024, 3, 5)
        assert 'value="05/03/2024"' in str(form["day"]), typed
    assert 'value="05/03/2024"' in str(Form(initial={"day": date(2024, 3, 5)})["day"])
    assert 'value="2024-03-05"' not in str(Form(initial={"day": "2024-03-05"})["day"])

    bad = Form({"day": "31/02/2024"})
    assert not bad.is_valid() and bad.errors["day"] == ["Nhập một ngày hợp lệ."]
    assert 'value="31/02/2024"' in str(bad["day"])  # kept as typed, to be corrected

    rendered = str(Form()["day"])
    assert 'type="text"' in rendered and 'type="date"' not in rendered
    assert 'placeholder="dd/mm/yyyy"' in rendered and 'inputmode="numeric"' in rendered
    pattern = re.compile(re.search(r'pattern="([^"]+)"', rendered).group(1))
    assert pattern.fullmatch("05/03/2024") and pattern.fullmatch("2024-03-05") and not pattern.fullmatch("5 tháng 3")


def test_every_date_field_of_the_projects_pages_is_the_dd_mm_yyyy_field():
    for app in APPS:
        for path in list((ROOT / app).glob("forms*.py")) + [ROOT / "postal/reports.py", ROOT / "reports/params.py"]:
            if path.parent.name == app:
                importlib.import_module(f"{app}.{path.stem}")
    date_fields = [
        (form.__name__, name, field)
        for form in _subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in APPS
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateField)
    ]
    moments = [
        (form.__name__, name, field)
        for form in _subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in APPS
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateTimeField)
    ]
    assert {(form, name) for form, name, _field in moments} >= {
        ("CampaignForm", "starts_at"),
        ("CampaignForm", "ends_at"),
        ("PreviewForm", "at"),
        ("ApologizeForm", "new_due_at"),
    }
    for form, name, field in moments:
        assert isinstance(field, DateTimeField) and isinstance(field.widget, DateTimeInput), f"{form}.{name}"
    assert {(form, name) for form, name, _field in date_fields} >= {
        ("QueueFilterForm", "date_from"),
        ("QueueFilterForm", "date_to"),
        ("CampaignForm", "clock_stop_until"),
        ("CampaignForm", "report_due"),
        ("TicketForm", "date"),
        ("PostalReportForm", "from_"),
        ("IndexQueryForm", "date"),
    }
    for form, name, field in date_fields:
        assert isinstance(field, DateField) and isinstance(field.widget, DateInput), f"{form}.{name}"
    # Nor a hand-written one in a template.
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert 'type="date"' not in text and 'type="datetime-local"' not in text, template


def test_the_moment_field_reads_dd_mm_yyyy_hh_mm_and_iso_and_shows_dd_mm_yyyy_hh_mm():
    class Form(forms.Form):
        at = DateTimeField(required=False)

    for typed in ("05/03/2024 14:30", "5/3/2024  14:30", "2024-03-05T14:30", "2024-03-05 14:30"):
        form = Form({"at": typed})
        assert form.is_valid(), typed
        assert form.cleaned_data["at"] == datetime(2024, 3, 5, 14, 30, tzinfo=VN)
        assert 'value="05/03/2024 14:30"' in str(form["at"]), typed
    shown = str(Form(initial={"at": datetime(2024, 3, 5, 7, 30, tzinfo=ZoneInfo("UTC"))})["at"])
    assert 'value="05/03/2024 14:30"' in shown and 'placeholder="dd/mm/yyyy hh:mm"' in shown  # in Vietnam time
    bad = Form({"at": "05/03/2024 25:00"})
    assert not bad.is_valid() and bad.errors["at"] == ["Nhập một ngày/thời gian hợp lệ."]
    assert 'value="05/03/2024 25:00"' in str(bad["at"])


@pytest.mark.django_db
def test_the_queue_filters_by_dates_typed_dd_mm_yyyy_and_says_which_date_is_wrong(client):
    officer = OfficerFactory()
    with time_machine.travel(datetime(2024, 3, 4, 9, tzinfo=VN), tick=False):
        early = make_dossier(officer=officer)
    with time_machine.travel(datetime(2024, 3, 12, 9, tzinfo=VN), tick=False):
        late = make_dossier(officer=officer)
    client.force_login(officer)

    def shown(**params):
        page = html(client.get("/can-bo/", params))
        return page, {code for code in (early.code, late.code) if f">{code}</a>" in page}

    page, codes = shown(date_from="10/03/2024")
    assert codes == {late.code}
    assert 'value="10/03/2024"' in date_input(page, "date_from")
    page, codes = shown(date_from="2024-03-10")  # ISO, as before
    assert codes == {late.code} and 'value="10/03/2024"' in date_input(page, "date_from")
    assert shown(date_to="05/03/2024")[1] == {early.code}

    # A bad date: the error beside the field, the typed value and the other filters kept.
    page, codes = shown(date_from="31/02/2024", channel="online", date_to="12/03/2024")
    field = page.split('id="id_date_from"', 1)[0].rsplit('<div class="field', 1)[1]
    assert "field--error" in field and "Nhập một ngày hợp lệ." in field
    assert 'value="31/02/2024"' in date_input(page, "date_from")
    assert 'value="12/03/2024"' in date_input(page, "date_to")
    assert re.search(r'<option value="online" selected>', page)
    assert '<details class="filters-fold" open>' in page  # on a phone too, the error is in sight
    assert codes == {early.code, late.code}  # the valid filters still filter


@pytest.mark.django_db
def test_the_campaign_form_takes_dd_mm_yyyy_and_keeps_what_was_typed_beside_a_bad_date(client, admin):  # noqa: F811
    from campaigns.models import Campaign

    response = client.post(
        "/dot-ap-dung/tao/",
        form_data(clock_stop_until="30/02/2021", report_due="20/08/2021", starts_at="22/07/2021 07:30"),
    )
    assert response.status_code == 200 and not Campaign.objects.exists()
    page = html(response)
    assert "Nhập một ngày hợp lệ." in page.split('id="id_clock_stop_until"', 1)[0].rsplit('<div class="field', 1)[1]
    assert 'value="30/02/2021"' in date_input(page, "clock_stop_until")
    assert 'value="20/08/2021"' in date_input(page, "report_due")
    assert 'value="Tạm ngừng giao dịch trực tiếp"' in page and "Vui lòng nộp trực tuyến." in page
    assert 'value="22/07/2021 07:30"' in date_input(page, "starts_at")
    assert 'value="05/08/2021 00:00"' in date_input(page, "ends_at")  # posted ISO, shown dd/mm/yyyy

    client.post(
        "/dot-ap-dung/tao/",
        form_data(clock_stop_until="30/07/2021", report_due="20/08/2021", starts_at="22/07/2021 07:30"),
    )
    campaign = Campaign.objects.get()
    assert campaign.starts_at == datetime(2021, 7, 22, 7, 30, tzinfo=VN)
    assert campaign.rules["clock_stop_until"] == "2021-07-30" and campaign.report_due == date(2021, 8, 20)
    edit = html(client.get(f"/dot-ap-dung/{campaign.pk}/sua/"))
    assert 'value="30/07/2021"' in date_input(edit, "clock_stop_until")
    assert 'value="20/08/2021"' in date_input(edit, "report_due")
    assert 'value="22/07/2021 07:30"' in date_input(edit, "starts_at")


@pytest.mark.django_db
def test_the_statistics_pages_show_their_dates_as_dd_mm_yyyy(client, admin):  # noqa: F811
    code = admin.province.code
    with time_machine.travel(datetime(2024, 3, 12, 9, tzinfo=VN), tick=False):
        page = html(client.get(f"/thong-ke/tinh/{code}/", {"period": "month", "date": "05/03/2024"}))
        assert 'value="05/03/2024"' in date_input(page, "date")
        page = html(client.get("/thong-ke/bang-dieu-khien/", {"from": "01/03/2024", "to": "2024-03-10"}))
        assert 'value="01/03/2024"' in date_input(page, "from") and 'value="10/03/2024"' in date_input(page, "to")
