"""The documented operations answer the same through the compiled path, in one statement
per root field: the benchmarks' reads (bench/api_operations.py) and the README tour's."""

import pytest
from strawberry.relay import to_base64

from bench.api_operations import OPERATIONS
from fixtures import tour
from schema.compiled.plan import plan_for
from tests.schema.compiled.conftest import compiled, existing, root_fields

READS = {op.name: op for op in OPERATIONS if not op.writes}
USERS = [None, "ada", "staff"]


@pytest.mark.parametrize("who", USERS)
def test_bench_resource_by_id(catalogue, who, django_assert_num_queries):
    user = catalogue["users"].get(who)
    document = READS["Resource"].document
    for resource in catalogue["resources"]:
        variables = {"id": to_base64("Resource", resource.pk)}

        with django_assert_num_queries(1):
            answer = compiled(document, variables, user, "Resource")

        assert answer == existing(document, variables, user)
    assert answer == {"data": {"resource": None}}  # the inactive one


@pytest.mark.parametrize("page", [(20, 0), (2, 1), (3, 5), (0, 0), (20, 100)])
def test_bench_resources(catalogue, page, django_assert_num_queries):
    document = READS["Resources"].document
    variables = {"limit": page[0], "offset": page[1]}

    with django_assert_num_queries(1):
        answer = compiled(document, variables, None, "Resources")

    assert answer == existing(document, variables)
    assert len(answer["data"]["resources"]) == max(0, min(page[0], 6 - page[1]))


@pytest.mark.parametrize("document", [tour.CATALOGUE, tour.LIST], ids=["catalogue", "list"])
def test_tour_reads(catalogue, document, django_assert_num_queries):
    with django_assert_num_queries(1):
        answer = compiled(document)

    assert answer == existing(document)


def test_tour_catalogue_finds_the_berlin_projector_room(catalogue):
    answer = compiled(tour.CATALOGUE)

    assert [r["name"] for r in answer["data"]["resources"]] == ["Havel Room", "Spree Room"]
    assert answer["data"]["resources"][0]["capacity"] == {
        "lower": 2, "upper": 9, "lowerInc": True, "upperInc": False, "isEmpty": False}
    assert answer["data"]["resources"][0]["openingHours"][-1] == {
        "weekday": 3, "opens": "00:00", "closes": "01:15"}


@pytest.mark.parametrize("document", [tour.BOOK, tour.CANCEL, tour.BOOKING_CHANGED],
                         ids=["book", "cancel", "subscription"])
def test_tour_operations_not_covered_go_the_existing_path(document):
    assert plan_for(document, None) is None


def test_bench_operations_not_covered_go_the_existing_path():
    uncovered = [op.name for op in OPERATIONS if plan_for(op.document, op.name) is None]

    assert uncovered == ["Book"]  # search: test_search.py; availability: test_availability.py


def test_one_statement_per_root_field(catalogue):
    document = "{ a: resources { id } b: venues { id } categories { id } __typename }"

    assert root_fields(document) == 3
