"""Opaque cursors of search pages, and the search's error type.

A cursor is the sort key of the last hit of a page plus a digest of the query and filters
it belongs to: handed back with another query, it is refused rather than misread.
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
    """The sort key a cursor holds: [tier, score, row] of ranked pages, [name, id] of
    browsing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        digest, *position = json.loads(raw)
        valid = digest == _digest(key) and len(position) in (2, 3) and all(
            isinstance(v, float | int | str) and not isinstance(v, bool) for v in position)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        raise SearchError("This cursor does not belong to this search.",
                          code="invalid_cursor", field="after")
    return position


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]
