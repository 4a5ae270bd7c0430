"""Opaque cursors for keyset pagination (`?after=`, `?cursor=`): the sort key of the row at a
page's edge, as URL-safe base64 of a JSON list, a moment as ISO 8601 with its offset. A cursor
that is missing, malformed or of the wrong shape decodes to None: the caller shows the first page."""

import base64
import binascii
import json
from datetime import datetime


def encode(*values):
    parts = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode(text, *kinds):
    """The cursor's values as a tuple of `kinds` (str, int, or datetime for an aware moment), or None."""
    if not text:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(kinds):
        return None
    decoded = []
    for value, kind in zip(values, kinds, strict=True):
        if kind is datetime:
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                return None
            if value.tzinfo is None:
                return None
        elif type(value) is not kind:  # exactly: a JSON true is no id
            return None
        decoded.append(value)
    return tuple(decoded)
