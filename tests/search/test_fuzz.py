"""No text makes the search fail: whatever a user types, they get a result."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.selectors import resource_search
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db

SYNTAX = st.sampled_from(['"', "-", " or ", "OR", "'", ":*", "&", "|", "!", "<->", "(", ")",
                          "\\", "%", "_", "\x00", "🎸", "Zürich", "proj", "café", " "])
TEXT = st.lists(st.one_of(st.text(max_size=12), SYNTAX), max_size=20).map("".join)


@pytest.fixture
def rooms(venue, category):
    make_resource(venue, category, name="Projector Room", description="Quiet, with a café.")
    make_resource(venue, category, name="Café Zürich", description='A "quoted" room & more.')


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, first=st.integers(1, 3))
def test_search_never_fails_on_text(rooms, text, first):
    result = resource_search(text=text, first=first)

    assert result.total >= len(result.hits)
    if result.next_cursor:
        resource_search(text=text, first=first, after=result.next_cursor)


@pytest.mark.parametrize("text", [
    "", " ", "\x00", "or", "-", '"', '""', "- -", "!!!", "the", "the or a", "a" * 3000,
    "word " * 2000, "🎸" * 5000, "'; DROP TABLE booking_resource; --", "proj:* & !room",
    "\u0301\u0301", "e-NV200", "4.2 m³",
])
def test_search_odd_texts(rooms, text):
    assert resource_search(text=text).total >= 0
