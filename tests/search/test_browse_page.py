"""Pages by name (a search without ranked words): read from the resources in name order
while the page's matches are among the first WALK of them, else sorted from every match
(search.statement._browse_page); the pages are the same either way."""

import pytest

from booking.models import Resource
from search import statement
from search.selectors import resource_search
from tests.search.test_resource_search import search_statements, served_plan

pytestmark = pytest.mark.django_db

BROWSES = [dict(text=""), dict(text="", cities=["Tokyo"]), dict(text="", party_size=10),
           dict(text="-studio"), dict(text="-room", cities=["Berlin"])]


def every_page(first: int, **search) -> list[int]:
    ids, after = [], None
    while True:
        result = resource_search(first=first, after=after, **search)
        ids += [hit.resource_id for hit in result.hits]
        if not (after := result.next_cursor):
            return ids


@pytest.mark.parametrize("search", BROWSES)
def test_browse_pages_walked_by_name_equal_the_sorted_ones(demo, monkeypatch, search):
    walked = every_page(first=2, **search)
    monkeypatch.setattr(statement, "WALK", 5)  # walks that fall short where matches are few
    short = every_page(first=2, **search)
    monkeypatch.setattr(statement, "WALK", 0)  # every page sorted
    ordered = every_page(first=2, **search)

    assert len(walked) >= 3
    assert walked == short == ordered


def test_browse_is_by_name_then_id(demo):
    tokyo = Resource.objects.filter(is_active=True, venue__city="Tokyo").order_by("name", "id")

    assert every_page(first=3, text="", cities=["Tokyo"]) == list(
        tokyo.values_list("id", flat=True))


def test_browse_of_many_matches_reads_no_other_match(demo, monkeypatch):
    assert page_scans(text="") == []  # the walk found the page

    monkeypatch.setattr(statement, "WALK", 0)
    assert page_scans(text="") != []  # every match read and sorted (the check can fail)


def page_scans(**search) -> list[str]:
    """The table scans of the page CTE's served plan that ran, besides the walk's."""
    *_, search_statement = search_statements(**search)
    lines = served_plan(search_statement).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "CTE page")
    end = next((i for i, line in enumerate(lines[start + 1:], start + 1)
                if len(line) - len(line.lstrip()) <= 2), len(lines))
    return [line for line in lines[start:end] if " Scan " in line
            and "CTE Scan on walked" not in line and "never executed" not in line]
