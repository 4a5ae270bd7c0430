"""Form widgets shared by every app.

FilePicker replaces the browser's own file input, whose button and status ("Choose File / No file
chosen") follow the browser's language, not the page's: the native input stays in the page,
visually hidden but focusable and labelled, beside a label styled as a button ("Chọn tệp") and a
status ("Chưa chọn tệp") that static/js/file-picker.js replaces by the chosen file names. Without
JavaScript the label still opens the picker and the form still posts the file; the status is hidden
then (`@media (scripting: none)`), since nothing could name the chosen file. Every file field of the
project's forms uses it (tests/test_file_picker.py checks).
"""

from django import forms
from django.template.loader import render_to_string


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
