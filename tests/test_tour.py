"""The README's tour, as a newcomer follows it: every example runs against the demo data,
served by the real server, today, and answers what the README says."""

import http.cookiejar
import io
import json
import re
import textwrap
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import api_token_create
from booking.models import Booking, BookingStatus
from fixtures import tour

README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = pytest.mark.django_db(transaction=True)


def tour_section() -> str:
    text = README.read_text()
    return text[text.index("## A tour"):text.index("\n## ", text.index("## A tour") + 1)]


def readme_documents() -> list[str]:
    blocks = re.findall(r"\n( *)```graphql\n(.*?)\n *```", tour_section(), re.S)
    return [textwrap.dedent(body) for _, body in blocks]


@pytest.fixture
def demo(asgi_server):
    call_command("load_demo", stdout=io.StringIO())
    return asgi_server


def alice_token():
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    return api_token_create(user=alice, name="test tour")[1]


def test_readme_examples_are_the_tour_documents():
    documents = readme_documents()
    curl = re.search(r"-d '(\{.*?\})'", tour_section())

    assert documents == [tour.CATALOGUE, tour.AVAILABILITY, tour.SEARCH, tour.UNDERSTOOD,
                         tour.BOOK, tour.CANCEL, tour.BOOKING_CHANGED]
    assert json.loads(curl[1]) == {"query": tour.LIST}
    assert "2026-" not in tour_section()  # no date that passes


def test_every_example_answers_as_the_readme_says(demo):
    results = tour.Tour(demo.url, alice_token()).run()

    titles = [result.step.title for result in results]
    assert titles == [step.title for step in tour.STEPS] + [
        "What a subscriber to the room saw meanwhile"]
    assert results[4].data["search"]["understood"] == {
        "partySize": 6, "city": "Zürich", "venue": None, "text": "meeting room with whiteboard"}
    booked = results[5].data["book"]
    slot = results[2].data["availability"][0]["slots"][0]
    assert booked["period"] == {"lower": slot["start"], "upper": slot["end"]}
    assert results[6].data["book"]["period"] == booked["period"]
    assert results[6].data["book"]["resourceId"] == results[1].data["resources"][0]["id"]
    booking = Booking.objects.get(reference=booked["reference"])
    assert (booking.customer.username, booking.status, booking.party_size) == (
        "alice", BookingStatus.CANCELLED, 6)
    assert [event["status"] for event in results[8].data["bookingChanged"]] == [
        "CONFIRMED", "CANCELLED"]


def test_tour_links_open_the_example_in_graphiql(demo):
    results = tour.Tour(demo.url, alice_token()).run()

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(results[2].link).query)
    assert query["q"] == [tour.AVAILABILITY]
    assert json.loads(query["variables"][0]) == results[2].variables


def test_tour_command_prints_every_answer(demo):
    out = io.StringIO()

    call_command("tour", "--url", demo.url, stdout=out)

    output = out.getvalue()
    assert output.count("in GraphiQL: ") == len(tour.STEPS) + 1
    assert '"__typename": "BookingConflictError"' in output
    assert output.rstrip().endswith("Every example answered as the README says.")


def test_tour_command_names_a_missing_server(db):
    call_command("load_demo", stdout=io.StringIO())

    with pytest.raises(Exception, match=r"no server at http://127.0.0.1:9/graphql .*make demo"):
        call_command("tour", "--url", "http://127.0.0.1:9/graphql", stdout=io.StringIO())


MY_BOOKINGS = "{ myBookings { edges { node { reference } } } }"


class Browser:
    """Cookies kept from answer to answer, as a browser keeps them."""

    def __init__(self, server) -> None:
        self.server, self.base = server, server.url.removesuffix("/graphql")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def sign_in(self, username: str, password: str):
        form = self.opener.open(f"{self.base}/accounts/login/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        fields = {"csrfmiddlewaretoken": csrf, "username": username, "password": password,
                  "next": "/graphql"}
        return self.opener.open(urllib.request.Request(
            f"{self.base}/accounts/login/", urllib.parse.urlencode(fields).encode(),
            {"Accept": "text/html"}))

    def graphql(self, query: str) -> dict:
        return json.load(self.opener.open(urllib.request.Request(
            self.server.url, json.dumps({"query": query}).encode(),
            {"Content-Type": "application/json"})))


def test_customers_sign_in_for_a_session_that_graphiql_books_with(demo):
    browser = Browser(demo)

    signed_in = browser.sign_in("alice", "alice-demo")
    answer = browser.graphql(MY_BOOKINGS)

    assert signed_in.url == demo.url and "graphiql" in signed_in.read().decode()
    references = {edge["node"]["reference"] for edge in answer["data"]["myBookings"]["edges"]}
    alices = set(Booking.objects.filter(customer__username="alice")
                 .values_list("reference", flat=True))
    assert len(references) > 0 and references <= alices


def test_sign_in_with_a_wrong_password_is_refused(demo):
    browser = Browser(demo)

    page = browser.sign_in("alice", "wrong")
    answer = browser.graphql(MY_BOOKINGS)

    assert page.status == 200 and "do not match an active account" in page.read().decode()
    assert answer["errors"][0]["extensions"]["code"] == "permission_denied"
