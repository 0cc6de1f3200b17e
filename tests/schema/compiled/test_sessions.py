"""schema/compiled/sessions.py on a real psycopg async connection: a valid session's caller
in one statement (two the first time its user is read), None for every session the
existing path must answer, and the same caller Django's get_user() finds."""

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models.functions import Now
from django.http import HttpRequest
from django.test import Client

from schema.compiled import sessions
from schema.compiled.roots import Caller
from tests.servers import database_url

pytestmark = pytest.mark.django_db(transaction=True)


class Counting(psycopg.AsyncConnection):
    """A real connection that counts the statements it sends."""

    statements = 0

    async def execute(self, *args, **kwargs):
        self.statements += 1
        return await super().execute(*args, **kwargs)


def caller(key: str) -> tuple[Caller | None, int]:
    """(the session's caller, statements sent) on a fresh connection."""
    async def run():
        async with await Counting.connect(database_url(connection.settings_dict),
                                          autocommit=True) as db:
            return await sessions.session_caller(db, key), db.statements

    return async_to_sync(run)()


def signed_in(user, password: str) -> str:
    client = Client()
    assert client.login(username=user.username, password=password)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def django_user(key: str):
    request = HttpRequest()
    request.session = Session.get_session_store_class()(key)
    return get_user(request)


def test_valid_session_costs_one_statement_once_its_user_is_known(staff):
    key = signed_in(staff, "pw-staff-1")

    first, again = caller(key), caller(key)

    expected = Caller(user_id=staff.pk, is_staff=True, is_authenticated=True)
    assert (first, again) == ((expected, 2), (expected, 1))
    assert django_user(key) == staff


def test_session_signed_in_again_as_another_user(customer, other_customer):
    client = Client()
    client.login(username="ada", password="pw-ada-123")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert caller(key)[0].user_id == customer.pk
    store = Session.get_session_store_class()(key)
    other = Session.get_session_store_class()(signed_in(other_customer, "pw-bob-123"))
    store.update(other.load())
    store.save()

    found, statements = caller(key)

    assert (found.user_id, statements) == (other_customer.pk, 2)


@pytest.mark.parametrize("change", ["expired", "inactive", "password", "deleted", "backend",
                                    "no hash", "corrupt", "short key", "unknown key"])
def test_sessions_the_existing_path_answers(customer, change):
    key = signed_in(customer, "pw-ada-123")
    caller(key)  # its decoding kept
    store = Session.get_session_store_class()(key)
    if change == "expired":
        Session.objects.filter(session_key=key).update(expire_date=Now())
    elif change == "inactive":
        customer.is_active = False
        customer.save()
    elif change == "password":
        customer.set_password("changed-pw-1")
        customer.save()
    elif change == "deleted":
        Session.objects.filter(session_key=key).delete()
    elif change in ("backend", "no hash"):
        data = store.load()
        if change == "backend":
            data["_auth_user_backend"] = "django.contrib.auth.backends.AllowAllUsersModelBackend"
        else:
            del data["_auth_user_hash"]
        Session.objects.filter(session_key=key).update(session_data=store.encode(data))
    elif change == "corrupt":
        Session.objects.filter(session_key=key).update(session_data="corrupt:data")
    else:
        key = key[:7] if change == "short key" else "unknown-session-key"

    assert caller(key)[0] is None


def test_corrupt_session_is_logged_once_by_the_path_that_answers(customer, caplog):
    key = signed_in(customer, "pw-ada-123")
    Session.objects.filter(session_key=key).update(session_data="corrupt:data")
    request = HttpRequest()
    request.session = Session.get_session_store_class()(key)

    with caplog.at_level("WARNING", logger="django.security.SuspiciousSession"):
        found, _ = caller(key)  # the compiled path declines, quietly
        user = get_user(request)  # the existing path decodes it again, and says so

    assert found is None and not user.is_authenticated
    assert [r.getMessage() for r in caplog.records
            if r.name == "django.security.SuspiciousSession"] == ["Session data corrupted"]
