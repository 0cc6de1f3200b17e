"""Staff see endpoints and deliveries in the admin, dead ones with their last error, and
can send a dead delivery again."""

import json

import pytest
from django.db import connection

from booking.services import booking_book
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import delivery_lock

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead(room, customer, at):
    endpoint = Endpoint.objects.create(name="Partner", url="http://127.0.0.1:9/hooks")
    booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                 ends_at=at(10))
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=10,
                            last_error="URLError: [Errno 111] Connection refused")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    return Delivery.objects.get(endpoint=endpoint)


def test_dead_deliveries_are_listed_with_their_error(client, staff, dead):
    client.force_login(staff)

    page = client.get("/admin/webhooks/delivery/?status__exact=dead").content.decode()

    assert "Connection refused" in page
    assert f"event {dead.event_id}" in page or str(dead.event_id) in page


def test_endpoint_list_counts_pending_and_dead(client, staff, dead):
    client.force_login(staff)

    page = client.get("/admin/webhooks/endpoint/").content.decode()

    assert '<td class="field-dead">1</td>' in page
    assert '<td class="field-pending">0</td>' in page


def test_retry_action_queues_a_dead_delivery_again(client, staff, dead):
    client.force_login(staff)

    client.post("/admin/webhooks/delivery/", {"action": "retry", "_selected_action": [dead.pk]})

    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, lock, args FROM procrastinate_jobs")
        rows = [(task, lock, json.loads(args)) for task, lock, args in cursor.fetchall()]
    assert rows == [("webhooks.deliver",
                     delivery_lock(endpoint_id=dead.endpoint_id, resource_id=dead.resource_id),
                     {"delivery_id": dead.pk})]


def test_deliveries_cannot_be_added_by_hand(client, staff, dead):
    client.force_login(staff)

    assert client.get("/admin/webhooks/delivery/add/").status_code == 403
