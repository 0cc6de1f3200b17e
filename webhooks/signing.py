"""The signature of a delivery, for senders and for partners checking it.

    Rangebook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

Signing the timestamp with the body lets a receiver refuse replays of an old delivery
(`verify` allows 5 minutes), as Stripe's and Svix's schemes do.
"""

import hashlib
import hmac
import time

HEADER = "Rangebook-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for `body`, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether `header` signs `body` with `secret`, within `tolerance` seconds of now."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(fields.get("v1", ""), _digest(secret, timestamp, body))


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
