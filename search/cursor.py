"""Opaque cursors of search pages, and the search's error type.

A cursor holds where the next page starts — the number of ranked hits already returned,
or the sort key of the last hit when browsing by name — plus a digest of the query and
filters it belongs to: handed back with another query, it is refused rather than misread.
"""

import base64
import binascii
import hashlib
import json

from django.core.exceptions import ValidationError


class SearchError(ValidationError):
    """Bad search input other than the text (which never fails): filters, page, cursor."""

    def __init__(self, message: str, *, code: str, field: str | None = None):
        super().__init__(message, code=code)
        self.field = field


def cursor_encode(position: list, *, key: str) -> str:
    payload = json.dumps([_digest(key), *position], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, key: str) -> list:
    """What a cursor holds: [offset] of ranked pages, [name, id] (the last hit's) of
    browsing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        digest, *position = json.loads(raw)
        valid = digest == _digest(key) and (
            (len(position) == 1 and isinstance(position[0], int) and position[0] >= 0)
            or (len(position) == 2 and isinstance(position[0], str)
                and isinstance(position[1], int)))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        raise SearchError("This cursor does not belong to this search.",
                          code="invalid_cursor", field="after")
    return position


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]
