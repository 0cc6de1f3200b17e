"""GraphiQL at /graphql as a person uses it: type a query, run it, read the result pane."""

import json

import pytest

from booking.services import booking_book
from tests.browser.conftest import log_in
from tests.conftest import make_resource

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("graphiql_assets")]

RUN = "Execute query (Ctrl-Enter)"
BOOKINGS = "{ bookings(first: 5) { edges { node { reference } } } }"


def run_query(page, query: str, *, shortcut: bool = False) -> dict:
    """Open GraphiQL, replace the editor's text by `query`, run it (the run button, or
    Ctrl-Enter in the editor), and return what the result pane shows."""
    page.goto("/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(query)  # as a paste: no auto-closed brackets
    if shortcut:
        page.keyboard.press("Control+Enter")
    else:
        page.get_by_role("button", name=RUN).click()
    result = page.locator(".result-window .CodeMirror-code")
    result.filter(has_text="data").or_(result.filter(has_text="errors")).wait_for()
    # The pane indents with no-break spaces.
    return json.loads(result.inner_text().replace("\N{NO-BREAK SPACE}", " "))


def test_resources_query_shows_their_names(page, venue, category):
    make_resource(venue, category, name="Havel Room")
    make_resource(venue, category, name="Spree Studio")

    answer = run_query(page, "{ resources { name } }")

    assert answer == {"data": {"resources": [{"name": "Havel Room"}, {"name": "Spree Studio"}]}}


def test_signed_in_to_the_admin_graphiql_asks_as_that_user(page, staff, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2, starts_at=at(9),
                           ends_at=at(10))
    log_in(page, "staff", "pw-staff-1")

    answer = run_query(page, BOOKINGS)

    assert answer == {"data": {"bookings": {"edges": [{"node": {"reference": booking.reference}}]}}}


def test_without_signing_in_bookings_are_refused(page, room, customer, at):
    booking_book(resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10))

    answer = run_query(page, BOOKINGS, shortcut=True)

    assert answer["data"] is None
    assert [(error["message"], error["extensions"]["code"]) for error in answer["errors"]] == [
        ("Only staff may list all bookings.", "permission_denied")]
