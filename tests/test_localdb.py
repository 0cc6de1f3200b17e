"""The embedded-database helper and the DATABASE_URL parser (no server started here)."""

from pathlib import Path

import pytest

from config import localdb
from config.settings.base import database_from_url


def test_socket_dir_inside_checkout_when_short(monkeypatch):
    monkeypatch.setattr(localdb, "PG_DIR", Path("/srv/rangebook/.pg"))

    assert localdb.socket_dir() == Path("/srv/rangebook/.pg/run")


def test_socket_dir_falls_back_to_tmp_for_deep_checkouts(monkeypatch):
    deep = Path("/srv/" + "x" * 120)
    monkeypatch.setattr(localdb, "PG_DIR", deep / ".pg")
    monkeypatch.setattr(localdb, "ROOT", deep)

    sock = localdb.socket_dir()

    assert sock.parent == Path("/tmp") and sock.name.startswith("rangebook-")
    assert len(str(sock / ".s.PGSQL.5432")) < 107


def test_missing_server_without_root_explains_what_to_install(monkeypatch):
    monkeypatch.setattr(localdb.os, "geteuid", lambda: 1000)

    with pytest.raises(SystemExit) as excinfo:
        localdb.install_server()

    assert "apt-get install postgresql postgresql-contrib" in str(excinfo.value)
    assert "DATABASE_URL" in str(excinfo.value)


def test_start_with_database_url_starts_nothing(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/rb")
    monkeypatch.setattr(localdb, "find_bindir", lambda: pytest.fail("looked for a server"))

    localdb.start()

    assert "starting nothing" in capsys.readouterr().out


def test_server_binaries_found_on_this_machine():
    bindir = localdb.find_bindir()

    assert bindir is not None and localdb._major(bindir) >= localdb.MIN_MAJOR


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://rb:s%40cret@db.example:6543/rangebook?sslmode=require",
         {"NAME": "rangebook", "USER": "rb", "PASSWORD": "s@cret", "HOST": "db.example",
          "PORT": "6543", "OPTIONS": {"sslmode": "require"}}),
        ("postgresql://rb@/rangebook?host=/var/run/postgresql",
         {"NAME": "rangebook", "USER": "rb", "PASSWORD": "", "HOST": "/var/run/postgresql",
          "PORT": "", "OPTIONS": {}}),
    ],
)
def test_database_url_parsing(url, expected):
    assert database_from_url(url) == expected
