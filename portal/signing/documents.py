"""A plain one-page PDF of text lines (A4, DejaVu Sans when installed), for the demo results and the tests:
a real PDF the signing can stamp, without a browser."""

import io
from pathlib import Path

from django.conf import settings
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from .fonts import FontFactory

A4 = (0, 0, 595, 842)
MARGIN = 60
# The text from the top left corner, as a letter is written.
TOP_LEFT = layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX)


def text_pdf(lines, *, title="") -> bytes:
    font = Path(settings.SIGNING_STAMP_FONT or "")
    writer = PdfFileWriter()
    if font.is_file():
        style = TextBoxStyle(font=FontFactory(str(font), font_size=12), leading=18, box_layout_rule=TOP_LEFT)
    else:
        from .pdf import plain_text

        style = TextBoxStyle(font_size=12, leading=18, box_layout_rule=TOP_LEFT)
        lines = [plain_text(line) for line in lines]
    size = layout.BoxConstraints(width=A4[2] - 2 * MARGIN, height=A4[3] - 2 * MARGIN)
    box = TextBox(style, writer=writer, box=size)
    box.content = "\n".join(lines)
    body = b"q 1 0 0 1 %d %d cm " % (MARGIN, MARGIN) + box.render() + b" Q"
    stream = generic.StreamObject(stream_data=body)
    resources = box.resources.as_pdf_object()
    page = PageObject(contents=writer.add_object(stream), media_box=A4, resources=resources)
    writer.insert_page(page)
    if title:
        writer.document_meta.title = title
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
