"""search.rum: RUM is installed only when it can be without touching the server; an
existing database switches to it with `manage.py search_use_rum`."""

import io
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from search import rum
from search.selectors import resource_search
from tests.conftest import make_resource


def completed(stdout="", returncode=0):
    return subprocess.CompletedProcess([], returncode, stdout=stdout, stderr="")


def test_ensure_rum_does_nothing_when_available(monkeypatch):
    monkeypatch.setattr(rum, "rum_available", lambda bindir: True)
    monkeypatch.setattr(subprocess, "run", None)  # would fail if called

    assert rum.ensure_rum("/usr/lib/postgresql/15/bin")


def test_ensure_rum_needs_root_and_apt(monkeypatch):
    monkeypatch.setattr(rum, "rum_available", lambda bindir: False)
    monkeypatch.setattr(rum, "_major", lambda bindir: 15)
    monkeypatch.setattr(rum.os, "geteuid", lambda: 1000)

    assert not rum.ensure_rum("/usr/lib/postgresql/15/bin")


def test_ensure_rum_refuses_to_upgrade_the_server(monkeypatch):
    calls = []
    monkeypatch.setattr(rum, "rum_available", lambda bindir: False)
    monkeypatch.setattr(rum, "_major", lambda bindir: 15)
    monkeypatch.setattr(rum.os, "geteuid", lambda: 0)
    monkeypatch.setattr(rum.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(rum.subprocess, "run", lambda args, **kw: calls.append(args) or completed(
        "Inst postgresql-15 [15.17] (15.18 Debian)\\nInst postgresql-15-rum (1.3.13)\\n"))

    assert not rum.ensure_rum("/usr/lib/postgresql/15/bin")
    assert all("-s" in args for args in calls)  # only simulated


def test_ensure_rum_installs_the_package(monkeypatch):
    calls, available = [], iter([False, True])
    monkeypatch.setattr(rum, "rum_available", lambda bindir: next(available))
    monkeypatch.setattr(rum, "_major", lambda bindir: 15)
    monkeypatch.setattr(rum.os, "geteuid", lambda: 0)
    monkeypatch.setattr(rum.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(rum.subprocess, "run", lambda args, **kw: calls.append(args) or completed(
        "Inst postgresql-15-rum (1.3.13)\\n"))

    assert rum.ensure_rum("/usr/lib/postgresql/15/bin")
    assert calls[-1][:3] == ["apt-get", "install", "-y"]


@pytest.mark.django_db
def test_search_use_rum_switches_a_gin_database(venue, category):
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'rum')")
        if not cursor.fetchone()[0]:
            pytest.skip("the rum extension is not installed here")
        make_resource(venue, category, name="Lantern Room", all_day=False)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX IF EXISTS search_document_rum")
        cursor.execute("CREATE INDEX IF NOT EXISTS search_document_gin"
                       " ON search_resourcedocument USING gin (document)")

        call_command("search_use_rum", stdout=io.StringIO())

        cursor.execute("SELECT to_regclass('search_document_rum') IS NOT NULL,"
                       " to_regclass('search_document_gin') IS NOT NULL")
        assert cursor.fetchone() == (True, True)
    assert [hit.name for hit in resource_search(text="lantern").hits] == ["Lantern Room"]
