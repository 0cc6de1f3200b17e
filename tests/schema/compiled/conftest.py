"""A small catalogue and bookings for comparing the compiled path with the existing one,
and the two ways of answering a document as a given user."""

import datetime as dt
import json
import zoneinfo

import psycopg
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange
from django.test import RequestFactory

from booking.models import Amenity, Booking, Category, OpeningHours, Rate, Resource, Venue
from config.prepared import fetch_prepared
from schema import schema
from schema.compiled.driven import drive
from schema.compiled.plan import plan_for
from schema.compiled.roots import ANONYMOUS, Caller
from schema.compiled.serve import assemble
from schema.context import Context

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
VENUES = [("Spreeufer Workspace", "spreeufer", "Berlin", "DE", "Europe/Berlin"),
          ("Atelier Limmat", "limmat", "Zürich", "CH", "Europe/Zurich"),
          ("Hudson Loft", "hudson", "New York", "US", "America/New_York")]
AMENITIES = [("Projector", "projector"), ("Step-free access", "step-free"),
             ("Natural light", "natural-light"), ("50% off_day \\o/", "odd")]
# (venue, category, name, capacity, amenities, active, turnaround seconds)
RESOURCES = [
    (0, 0, "Havel Room", (2, 9), [0, 1], True, 900),
    (0, 0, "Spree Room", (6, 13), [0], True, 0),
    (0, 1, "Desk_1", (1, 2), [], True, 90),
    (1, 1, "Café Grün", (1, 100), [2, 3], True, 1799),
    (1, 0, "Limmat 50% Room", (4, 7), [0, 2], True, 3600),
    (2, 1, "Loft A", (10, 31), [1, 2, 3], True, 0),
    (2, 0, "Loft B (closed)", (2, 5), [0], False, 0),
]


@pytest.fixture
def catalogue(db, django_user_model):
    """Venues, categories, amenities, resources (one inactive) with hours and rates, and
    bookings of two customers (one held, one cancelled)."""
    venues = [Venue.objects.create(name=n, slug=s, city=c, country=k, timezone=z)
              for n, s, c, k, z in VENUES]
    categories = [Category.objects.create(name=n, slug=s)
                  for n, s in (("Meeting room", "meeting-room"), ("Desk", "desk"))]
    amenities = [Amenity.objects.create(name=n, slug=s) for n, s in AMENITIES]
    resources = []
    for venue, category, name, (low, high), having, active, turnaround in RESOURCES:
        resource = Resource.objects.create(
            venue=venues[venue], category=categories[category], name=name,
            slug=name.lower().replace(" ", "-").replace("%", "pc"),
            description=f"About {name}.\nSecond line \"quoted\".",
            capacity=NumericRange(low, high), turnaround=dt.timedelta(seconds=turnaround),
            min_notice=dt.timedelta(hours=2, seconds=59), horizon=dt.timedelta(days=90),
            is_active=active)
        resource.amenities.set([amenities[i] for i in having])
        resources.append(resource)
    for i, resource in enumerate(resources):
        OpeningHours.objects.create(resource=resource, weekday=1 + i % 7,
                                    hours=NumericRange(540, 1440))
        OpeningHours.objects.create(resource=resource, weekday=3, hours=NumericRange(0, 75),
                                    valid_during=DateRange(dt.date(2026, 1, 1), None))
        Rate.objects.create(resource=resource, price_per_hour="12.50",
                            valid_during=DateRange(dt.date(2026, 1, 1), dt.date(2027, 1, 1)))
        Rate.objects.create(resource=resource, price_per_hour=i * 1000 + 0.05, currency="CHF",
                            valid_during=DateRange(dt.date(2027, 1, 1), None))
    ada = django_user_model.objects.create_user("ada", "ada@example.com", "pw")
    bob = django_user_model.objects.create_user("bob", "bob@example.com", "pw")
    staff = django_user_model.objects.create_user("staff", "s@example.com", "pw",
                                                  is_staff=True)
    start = dt.datetime(2031, 3, 3, 9, tzinfo=BERLIN)
    bookings = []
    for i, (customer, status) in enumerate([(ada, "confirmed"), (ada, "held"),
                                            (bob, "confirmed"), (bob, "cancelled")]):
        period = DateTimeTZRange(start + dt.timedelta(hours=3 * i, microseconds=i * 1001),
                                 start + dt.timedelta(hours=3 * i + 1))
        hold = (dt.datetime(2031, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
                if status == "held" else None)
        bookings.append(Booking.objects.create(
            resource=resources[i % 3], customer=customer, party_size=2 + i, period=period,
            status=status, hold_expires_at=hold))
    return {"venues": venues, "resources": resources, "amenities": amenities,
            "bookings": bookings, "users": {"ada": ada, "bob": bob, "staff": staff}}


def existing(document: str, variables: dict | None = None, user=None) -> dict:
    """The existing path's answer (strawberry, the optimizer, resolvers), as JSON."""
    context = Context(request=RequestFactory().post("/graphql"), response=None)
    context._user = user or AnonymousUser()
    result = schema.execute_sync(document, variable_values=variables, context_value=context)
    answer = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    return json.loads(json.dumps(answer))


def caller_of(user) -> Caller:
    if user is None:
        return ANONYMOUS
    return Caller(user_id=user.pk, is_staff=user.is_staff, is_authenticated=True)


def compiled(document: str, variables: dict | None = None, user=None,
             operation_name: str | None = None) -> dict:
    """The compiled answer, its statements run on the test's connection (its transaction):
    the JSON text of each root field spliced into `data`, as schema/compiled/serve.py
    does."""
    plan = plan_for(document, operation_name)
    assert plan is not None, "the compiler should cover this document"
    results = []
    with connection.cursor() as cursor:
        for statement in plan.statements(variables, caller_of(user)):
            text = statement.constant
            if statement.steps is not None:
                text = json.dumps(statement.shape.render(drive(statement.steps(), rows)))
            elif statement.sql is not None:
                cursor.execute(statement.sql.text, statement.sql.params)
                text = cursor.fetchone()[0] or "null"
            results.append((statement, text, None))
    body, _ = assemble(results)
    return json.loads(body)


def root_fields(document: str, variables: dict | None = None,
                operation_name: str | None = None, user=None) -> int:
    """How many root fields (but __typename) the operation selects."""
    plan = plan_for(document, operation_name)
    return sum(s.constant is None for s in plan.statements(variables, caller_of(user)))


def rows(query) -> list[tuple]:
    """A driven root field's query (schema/compiled/driven.py) on the test's connection."""
    if query.generic:  # as serve.py runs it
        return fetch_prepared(query.sql, query.params, binary=query.binary, generic=True)
    connection.ensure_connection()
    # psycopg's own cursor, server-side parameters and binary results as serve.py's pool.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(query.sql, query.params, binary=query.binary)
        return cursor.fetchall()
