"""Opaque cursors for keyset pagination (`?after=`, `?cursor=`): the sort key of the row at a
page's edge, as URL-safe base64 of a JSON list, a moment as ISO 8601 with its offset. A cursor
that is missing, malformed or of the wrong shape decodes to None: the caller shows the first page.
A cursor comes from the query string, so anyone may write one by hand: it is read with the portal's
bounded JSON loader (portal/jsonsafe.py: no RecursionError on 2,000 nested brackets, no lone
surrogates), and a text holding NUL, which no row's key holds and PostgreSQL cannot compare, is
refused too."""

import base64
import binascii
import json
from datetime import datetime

from . import jsonsafe


def encode(*values):
    parts = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode(text, *kinds):
    """The cursor's values as a tuple of `kinds` (str, int, or datetime for an aware moment), or None."""
    if not text:
        return None
    try:
        values = jsonsafe.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):  # jsonsafe.UnsafeJSON is a ValueError
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
        # Exactly the kind: a JSON true is no id. A text with NUL is no row's key.
        elif type(value) is not kind or (kind is str and "\x00" in value):
            return None
        decoded.append(value)
    return tuple(decoded)
