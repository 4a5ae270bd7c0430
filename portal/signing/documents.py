"""A plain one-page PDF of text lines (A4, DejaVu Sans when installed), for the demo results and the tests:
a real PDF the signing can stamp, without a browser."""

import io
from pathlib import Path

from django.conf import settings
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

A4 = (0, 0, 595, 842)


def text_pdf(lines, *, title="") -> bytes:
    font = Path(settings.SIGNING_STAMP_FONT or "")
    writer = PdfFileWriter()
    if font.is_file():
        style = TextBoxStyle(font=GlyphAccumulatorFactory(str(font), font_size=12), leading=18)
    else:
        from .pdf import plain_text

        style, lines = TextBoxStyle(font_size=12, leading=18), [plain_text(line) for line in lines]
    box = TextBox(style, writer=writer, box=layout.BoxConstraints(width=500, height=700))
    box.content = "\n".join(lines)
    body = b"q 1 0 0 1 60 80 cm " + box.render() + b" Q"
    stream = generic.StreamObject(stream_data=body)
    resources = box.resources.as_pdf_object()
    page = PageObject(contents=writer.add_object(stream), media_box=A4, resources=resources)
    writer.insert_page(page)
    if title:
        writer.document_meta.title = title
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
