"""50 customers book the same slot at once, over real HTTP against the running server."""

import json
import threading
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from strawberry.relay import to_base64

from accounts.models import api_token_create
from booking.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMERS = 50

BOOK = """mutation($input: BookingInput!) { book(input: $input) {
  __typename ... on Booking { reference } ... on Error { code message } } }"""


def post(url: str, token: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read().decode()


def test_fifty_concurrent_bookings_of_one_slot_give_one_booking(asgi_server, room, at,
                                                                django_user_model):
    tokens = [api_token_create(user=django_user_model.objects.create_user(f"c{n}"),
                               name="race")[1] for n in range(CUSTOMERS)]
    body = json.dumps({"query": BOOK, "variables": {"input": {
        "resourceId": to_base64("Resource", room.pk), "partySize": 1,
        "period": {"lower": at(9).isoformat(), "upper": at(10).isoformat()}}}}).encode()
    start = threading.Barrier(CUSTOMERS)

    def attempt(token: str) -> tuple[int, str]:
        start.wait()
        return post(asgi_server.url, token, body)

    with ThreadPoolExecutor(CUSTOMERS) as pool:
        responses = list(pool.map(attempt, tokens))

    results = [json.loads(text)["data"]["book"]["__typename"] for _, text in responses]
    assert {status for status, _ in responses} == {200}
    assert Counter(results) == {"Booking": 1, "BookingConflictError": CUSTOMERS - 1}
    assert not [text for _, text in responses if "DETAIL" in text or "Key (" in text]
    assert Booking.objects.filter(resource=room, status="confirmed").count() == 1
