"""Shared fixtures. Tests run against the real PostgreSQL server (config/localdb.py)."""

import contextlib
import datetime as dt
import time
import zoneinfo

import pgtrigger
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.backends.postgresql.psycopg_any import NumericRange
from django.test import RequestFactory

from booking.models import Category, OpeningHours, Resource, Venue
from config.loopback import task_worker as task_worker_process
from schema import schema
from schema.context import Context
from tests.servers import database_url, serving

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database commits without waiting for the disk: a crash could lose a test's
    last commits, nothing else. The project's own databases are durable (config/localdb.py,
    booking/checks.py); tests/abuse/test_crash.py crashes a durable cluster of its own."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
        cursor.execute("SET synchronous_commit = off")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Django empties the database after a transactional test with TRUNCATE, which the
    booking_protect_truncate trigger forbids: allow it for that clean-up only."""
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return (yield)
    with pgtrigger.ignore("booking.Booking:booking_protect_truncate"):
        return (yield)


@pytest.fixture
def customer(django_user_model):
    return django_user_model.objects.create_user("ada", "ada@example.com", "pw-ada-123")


@pytest.fixture
def other_customer(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-staff-1")


@pytest.fixture
def venue(db):
    return Venue.objects.create(
        name="Spreeufer Workspace", slug="spreeufer", city="Berlin", country="DE",
        timezone="Europe/Berlin",
    )


@pytest.fixture
def category(db):
    return Category.objects.create(name="Meeting room", slug="meeting-room")


def make_resource(venue, category, *, name="Havel Room", all_day=True, **fields):
    """A resource; open 00:00-24:00 every day unless all_day=False (then no hours)."""
    values = {
        "capacity": NumericRange(1, 9),
        "horizon": dt.timedelta(days=365),
        "min_length": dt.timedelta(minutes=15),
        "max_length": dt.timedelta(hours=24),
        **fields,
    }
    resource = Resource.objects.create(
        venue=venue, category=category, name=name, slug=name.lower().replace(" ", "-"), **values
    )
    if all_day:
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=resource, weekday=day, hours=NumericRange(0, 1440))
            for day in range(1, 8)
        )
    return resource


@pytest.fixture
def room(venue, category):
    return make_resource(venue, category)


@pytest.fixture
def at():
    """at(9) -> tomorrow 09:00 in Berlin; at(9, 30, days=2) -> the day after, 09:30."""
    tomorrow = dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)

    def make(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
        day = tomorrow + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)

    return make


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, tmp_path_factory):
    """uvicorn config.asgi:application serving the test database until the session ends."""
    with serving(tmp_path_factory.mktemp("asgi") / "uvicorn.log") as server:
        yield server


@contextlib.contextmanager
def running_task_worker(django_db_blocker, tmp_path_factory, env: dict | None = None):
    """procrastinate's worker (booking/tasks.py, webhooks/tasks.py) on the test database,
    once it has registered, until the block ends: its sweeps touch every committed row,
    so each package that needs one starts its own (a package-scoped `task_worker`)."""
    folder = tmp_path_factory.mktemp("worker")
    log = folder / "worker.log"
    env = {"DATABASE_URL": database_url(connection.settings_dict),
           "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "RANGEBOOK_MAIL_DIR": str(folder / "mail"), **(env or {})}
    _clear_queue(django_db_blocker)  # jobs left by other packages' committed changes
    with log.open("wb") as output, task_worker_process(env=env, output=output) as process:
        deadline = time.monotonic() + WORKER_STARTUP_TIMEOUT
        while not _workers_registered(django_db_blocker):
            assert process.poll() is None, f"the worker exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"no worker registered: {log.read_text()}"
            time.sleep(0.2)
        process.env = env
        yield process


def task_worker_fixture(env: dict | None = None):
    """A package's `task_worker` fixture (`task_worker = task_worker_fixture()` in its
    conftest): one worker for the package's tests, with `env` added to its settings."""

    @pytest.fixture(scope="package")
    def task_worker(django_db_setup, django_db_blocker, tmp_path_factory):
        with running_task_worker(django_db_blocker, tmp_path_factory, env) as worker:
            yield worker

    return task_worker


WORKER_STARTUP_TIMEOUT = 60


def _clear_queue(django_db_blocker) -> None:
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_periodic_defers CASCADE")
    connection.close()


def _workers_registered(django_db_blocker) -> bool:
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_workers")
        (count,) = cursor.fetchone()
    connection.close()  # not held across the session's tests
    return count > 0


@pytest.fixture
def gql():
    """gql(query, variables=None, user=None) -> ExecutionResult, run as `user`."""

    def run(query: str, variables: dict | None = None, user=None):
        context = Context(request=RequestFactory().post("/graphql"), response=None)
        context._user = user or AnonymousUser()
        return schema.execute_sync(query, variable_values=variables, context_value=context)

    return run
