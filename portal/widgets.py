"""Form widgets shared by every app.

FilePicker replaces the browser's own file input, whose button and status ("Choose File / No file
chosen") follow the browser's language, not the page's: the native input stays in the page,
visually hidden but focusable and labelled, beside a label styled as a button ("Chọn tệp") and a
status ("Chưa chọn tệp") that static/js/file-picker.js replaces by the chosen file names. Without
JavaScript the label still opens the picker and the form still posts the file; the status is hidden
then (`@media (scripting: none)`), since nothing could name the chosen file. Every file field of the
project's forms uses it (tests/test_file_picker.py checks).

DateInput and DateField replace the browser's date input, whose face follows the browser's language
("mm/dd/yyyy" in an English Chromium), not the page's: a text input with the placeholder
"dd/mm/yyyy", a numeric keyboard on a phone and a pattern. The field reads dd/mm/yyyy (also with "-"
or ".", or the eight digits alone, since a phone's numeric keyboard may have no "/") and yyyy-mm-dd
(as the API and the older tests send), and shows a date, given or typed, as dd/mm/yyyy; anything
else is shown as typed, beside the form's error ("Nhập một ngày hợp lệ."). Every date field of the
project's pages uses them (tests/test_date_input.py checks); the API keeps DRF's ISO dates.
"""

from datetime import datetime

from django import forms
from django.template.loader import render_to_string

DATE_DISPLAY_FORMAT = "%d/%m/%Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d%m%Y"]
DATE_PATTERN = r"\s*(\d{1,2}[\/.\-]\d{1,2}[\/.\-]\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{8})\s*"
DATE_PLACEHOLDER = "dd/mm/yyyy"


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": DATE_PLACEHOLDER,
            "inputmode": "numeric",
            "pattern": DATE_PATTERN,
            "title": DATE_PLACEHOLDER,
            "autocomplete": "off",
            "class": "date-input",
        }
        super().__init__({**defaults, **(attrs or {})}, format=DATE_DISPLAY_FORMAT)

    def format_value(self, value):
        if isinstance(value, str):
            parsed = parse_date(value)
            if parsed is None:
                return value  # shown as typed, with the form's error beside it
            value = parsed
        return super().format_value(value)


def parse_date(text):
    """The date `text` names in one of DATE_INPUT_FORMATS, or None."""
    for format in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(text.strip(), format).date()
        except ValueError:
            continue
    return None


class DateField(forms.DateField):
    widget = DateInput
    input_formats = DATE_INPUT_FORMATS


# The same for a date and time ("datetime-local" reads "mm/dd/yyyy, --:-- --" in an English browser).
DATETIME_DISPLAY_FORMAT = "%d/%m/%Y %H:%M"
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DATETIME_PATTERN = (
    r"\s*(\d{1,2}\/\d{1,2}\/\d{4}\s+\d{1,2}:\d{2}(:\d{2})?|\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2})?)\s*"
)
DATETIME_PLACEHOLDER = "dd/mm/yyyy hh:mm"


class DateTimeInput(forms.DateTimeInput):
    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": DATETIME_PLACEHOLDER,
            "pattern": DATETIME_PATTERN,
            "title": DATETIME_PLACEHOLDER,
            "autocomplete": "off",
            "class": "date-input date-input--time",
        }
        super().__init__({**defaults, **(attrs or {})}, format=DATETIME_DISPLAY_FORMAT)

    def format_value(self, value):
        if isinstance(value, str):
            for format in DATETIME_INPUT_FORMATS:
                try:
                    value = datetime.strptime(value.strip(), format)
                    break
                except ValueError:
                    continue
            else:
                return value  # shown as typed, with the form's error beside it
        return super().format_value(value)


class DateTimeField(forms.DateTimeField):
    widget = DateTimeInput
    input_formats = DATETIME_INPUT_FORMATS


class FilePicker(forms.FileInput):
    template_name = "widgets/file_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        attrs["class"] = " ".join(filter(None, [attrs.get("class"), "file-picker__input"]))
        return context

    def _render(self, template_name, context, renderer=None):
        # Rendered by the project's template engine (templates/widgets/), not the form renderer's own.
        return render_to_string(template_name, context)
