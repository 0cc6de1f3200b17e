"""config/prepared.py: prepared statements on Django's connection, a generic plan set for
one statement only, whether it succeeds or fails, in a transaction or not."""

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from booking.models import Venue
from config.prepared import fetch_prepared
from search.selectors import resource_search

MODE = "SELECT current_setting('plan_cache_mode') || %s::text"


def mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def prepared(sql_start: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                       " WHERE statement LIKE %s", [sql_start + "%"])
        return cursor.fetchall()


@pytest.mark.django_db
def test_generic_mode_holds_for_the_statement_only_in_a_transaction():
    with transaction.atomic():
        during = fetch_prepared(MODE, ["!"], generic=True)
        after = mode()

    assert during == [("force_generic_plan!",)] and after == "auto"


@pytest.mark.django_db(transaction=True)
def test_generic_mode_holds_for_the_statement_only_in_autocommit():
    during = fetch_prepared(MODE, ["?"], generic=True)

    assert during == [("force_generic_plan?",)] and mode() == "auto"
    assert connection.get_autocommit() and not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_generic_mode_ends_when_the_statement_fails():
    with pytest.raises(DataError):
        fetch_prepared("SELECT 1 / %s::integer", [0], generic=True)

    assert mode() == "auto" and fetch_prepared("SELECT %s::integer", [7]) == [(7,)]


@pytest.mark.django_db
def test_generic_mode_ends_with_a_failed_statement_in_a_savepoint():
    with pytest.raises(DataError), transaction.atomic():
        fetch_prepared("SELECT 1 / %s::integer", [0], generic=True)

    assert mode() == "auto"


@pytest.mark.django_db
def test_search_statement_is_planned_once_for_words_of_one_shape():
    resource_search(text="harbour")
    resource_search(text="quiet")

    assert prepared("WITH q AS MATERIALIZED") == [(2, 0)]


@pytest.mark.django_db
def test_prepared_statements_are_logged_with_their_values():
    with CaptureQueriesContext(connection) as captured:
        fetch_prepared("SELECT %s::text, %s::integer[]", ["it's", [1, 2]], generic=True)

    assert captured.captured_queries[-1]["sql"] == (
        "SELECT 'it''s'::text, '{1,2}'::int2[]::integer[]")


@pytest.mark.django_db
def test_orm_statements_are_never_prepared():
    for _ in range(7):  # past psycopg's prepare_threshold
        list(Venue.objects.filter(slug="x"))

    assert prepared('SELECT "booking_venue"') == []
