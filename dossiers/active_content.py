"""Active content in an uploaded file (issue 12.8): a pure check, bytes in, a reason out.

A PDF may carry actions a viewer runs (JavaScript, an action on opening, a program to launch,
an embedded file, automatic actions, rich media, XFA forms); a file may also be a polyglot, an
HTML page that is also a PDF or an image. Citizens' documents are scans and printed forms, which
need none of it, so such a file is refused. PDF names may hide behind #xx escapes (/J#61vaScript)
and inside compressed object streams (/Type /ObjStm); both are decoded before matching. The
decompression of each stream is bounded, so a zip bomb costs at most STREAM_LIMIT bytes."""

import re
import zlib

# Names of PDF keys and actions that run something (matched as whole names: "/AA", not "/AAAAAB+Font").
ACTIVE_NAMES = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
# Markup a browser would run if the file were ever rendered as a page.
MARKUP = re.compile(rb"<\s*(script|html|body|iframe|object|embed|svg|!doctype\s+html)\b", re.IGNORECASE)
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM = re.compile(rb"stream\r?\n")
OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm")
HEAD_BYTES = 1024
STREAM_LIMIT = 4 * 1024 * 1024  # decompressed bytes read per object stream

PDF_ACTIVE = "pdf-active"
MARKUP_FOUND = "markup"


def _unescape(data):
    return ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _object_streams(data):
    """The decompressed text of each object stream (where PDF 1.5+ keeps dictionaries)."""
    for match in STREAM.finditer(data):
        dictionary = data[max(0, match.start() - 400) : match.start()]
        if not OBJECT_STREAM.search(_unescape(dictionary)):
            continue
        end = data.find(b"endstream", match.end())
        raw = data[match.end() : end if end != -1 else len(data)]
        try:
            yield zlib.decompressobj().decompress(raw, STREAM_LIMIT)
        except zlib.error:
            continue


def find_active_content(data, content_type):
    """None for a passive file, else PDF_ACTIVE or MARKUP_FOUND."""
    if MARKUP.search(data[:HEAD_BYTES]):
        return MARKUP_FOUND
    if content_type != "application/pdf":
        return None
    if MARKUP.search(data):
        return MARKUP_FOUND
    if ACTIVE_NAMES.search(_unescape(data)):
        return PDF_ACTIVE
    for text in _object_streams(data):
        if ACTIVE_NAMES.search(_unescape(text)):
            return PDF_ACTIVE
    return None
