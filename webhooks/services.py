"""Delivering a webhook: its body from the booking's audit trail, POSTed and signed.

At least once: a delivery is marked delivered only after a 2xx answer, so a worker that
stops between the two sends it again; receivers de-duplicate by `id`.
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils import timezone
from strawberry.relay import to_base64

from booking.audit import booking_events_through, event_moves
from webhooks import signing
from webhooks.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The endpoint did not take the delivery; the task tries again later."""


def delivery_lock(*, endpoint_id: int, resource_id: int) -> str:
    """The job lock of a delivery (the same text as webhooks_delivery_enqueue()'s): one
    endpoint gets one resource's changes one at a time, in the order of the changes."""
    return f"webhook:{endpoint_id}:resource:{resource_id}"


def webhook_payload(*, event_id: int) -> dict:
    """The body of the change recorded by audit event `event_id`."""
    events = list(booking_events_through(event_id=event_id).reverse()[:2])
    event, previous = events[0], (events[1] if len(events) > 1 else None)
    return {
        "id": str(event.pk),
        "type": f"booking.{_change(previous, event)}",
        "createdAt": event.pgh_created_at.isoformat(),
        "data": {
            "reference": event.reference,
            "resourceId": to_base64("Resource", event.resource_id),
            "status": event.status.upper(),
            "partySize": event.party_size,
            "period": _range(event.period),
            "previousPeriod": _range(previous.period) if previous else None,
        },
    }


def _change(previous, event) -> str:
    if previous is None or previous.status != event.status:
        return str(event.status)  # held, confirmed, cancelled, expired
    if event_moves(previous, event):
        return "moved"
    return "changed"


def _range(period) -> dict:
    return {"lower": period.lower.isoformat(), "upper": period.upper.isoformat()}


def webhook_deliver(*, delivery_id: int, final: bool = False) -> str:
    """POST the delivery to its endpoint; returns its status ("gone" when its endpoint
    was deleted). A failure raises DeliveryFailed (the task retries), unless `final`:
    then the delivery is dead."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted, and its deliveries with it
        return "gone"
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery.status
    if delivery.payload is None:
        delivery.payload = webhook_payload(event_id=delivery.event_id)
        Delivery.objects.filter(pk=delivery.pk).update(payload=delivery.payload)
    code, error = _post(delivery)
    delivered = code is not None and 200 <= code < 300
    status = (DeliveryStatus.DELIVERED if delivered
              else DeliveryStatus.DEAD if final else DeliveryStatus.PENDING)
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, attempts=delivery.attempts + 1, last_status_code=code,
        last_error=error, last_attempt_at=now, delivered_at=now if delivered else None)
    if status == DeliveryStatus.DEAD:
        logger.warning("webhook delivery %s to %s is dead after %s attempts: %s",
                       delivery.pk, delivery.endpoint, delivery.attempts + 1, error)
    if status == DeliveryStatus.PENDING:
        raise DeliveryFailed(f"delivery {delivery.pk}: {error}")
    return status


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer like any other non-2xx: not delivered


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: Delivery) -> tuple[int | None, str]:
    """The endpoint's status code (None if it never answered) and the error, if any."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(delivery.endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": "rangebook-webhooks/1",
        "Rangebook-Delivery": str(delivery.pk),
        "Rangebook-Event": delivery.payload["type"],
        signing.HEADER: signing.sign(delivery.endpoint.secret, body),
    })
    try:
        with _opener.open(request, timeout=settings.RANGEBOOK_WEBHOOK_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as answer:
        return answer.code, f"HTTP {answer.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:500]
