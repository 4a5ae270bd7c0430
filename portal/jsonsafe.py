"""One JSON loader for everything that reads JSON from outside (the API's parser, the payment
callback, import_catalog): what the standard library accepts but the portal cannot store or
walk is refused here, with a message saying what is wrong, instead of failing deeper down.

- nesting deeper than MAX_DEPTH (50 000 brackets made the standard parser raise RecursionError);
- numbers that are not finite: `NaN`, `Infinity`, `-Infinity` and overflowing ones like `1e400`
  (PostgreSQL's jsonb has no infinity);
- lone surrogates such as `"\\udc00"` in a key or a value (not encodable in UTF-8, so neither
  PostgreSQL nor any answer could carry them).

`JSONParser` is the REST framework parser built on it (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]);
`JSONField` the serializer field: a form body (multipart or urlencoded) carries a JSON field as
text, which REST framework's own JSONField reads with plain `json.loads`.
"""

import json
import math
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """The text is not JSON the portal accepts; str() is a message for the sender."""


class MalformedJSON(UnsafeJSON):
    """Not JSON at all; `error` is the standard library's JSONDecodeError (line, column, msg)."""

    def __init__(self, message, error):
        super().__init__(message)
        self.error = error


def _refuse_constant(name):
    raise UnsafeJSON(_("Số không hữu hạn (%(value)s) không được chấp nhận.") % {"value": name})


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJSON(_("Số %(value)s vượt quá giới hạn của số thực.") % {"value": text[:40]})
    return value


def _check_string(text):
    if _SURROGATE.search(text):
        raise UnsafeJSON(_("Chuỗi chứa ký tự Unicode không hợp lệ (một nửa cặp mã thay thế)."))


def _check(value, max_depth):
    """Walk the parsed value without recursion: depth and strings (keys included)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise UnsafeJSON(_("Dữ liệu lồng nhau quá %(max)d cấp.") % {"max": max_depth})
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_string(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_string(item)


def loads(text, max_depth=MAX_DEPTH):
    """Parse `text` (str or UTF-8 bytes); raise UnsafeJSON with a message on anything refused,
    malformed JSON included."""
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJSON(_("Dữ liệu không phải văn bản UTF-8.")) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise UnsafeJSON(_("Dữ liệu lồng nhau quá %(max)d cấp.") % {"max": max_depth}) from None
    except json.JSONDecodeError as exc:
        message = _("JSON không hợp lệ ở dòng %(line)d, cột %(column)d.") % {"line": exc.lineno, "column": exc.colno}
        raise MalformedJSON(message, exc) from None
    except UnsafeJSON:
        raise
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise UnsafeJSON(_("Số quá dài.")) from exc
    _check(value, max_depth)
    return value


class JSONParser(parsers.JSONParser):
    """REST framework's JSON parser over `loads`: every refusal is a 400 {"detail": message}."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(_("Dữ liệu không phải văn bản %(encoding)s.") % {"encoding": encoding}) from None
        try:
            return loads(text)
        except UnsafeJSON as exc:
            raise ParseError(str(exc)) from None


class JSONField(serializers.JSONField):
    """REST framework's JSONField, reading the text of a form field with `loads`: every refusal is
    a 400 naming the field. (A JSON body arrives parsed already, by JSONParser above.)"""

    def to_internal_value(self, data):
        if not (self.binary or getattr(data, "is_json_string", False)):
            return super().to_internal_value(data)
        try:
            return loads(data)
        except UnsafeJSON as exc:
            raise serializers.ValidationError(str(exc)) from None
