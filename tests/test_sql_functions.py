import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from booking.management.commands import makesqlmigrations
from config import sqlfiles, sqlfunctions
from config.sqlfiles import frozen_sql, living_files, sha1
from config.sqlfunctions import InstallSQL, RemoveSQL, installed_drift, unsnapshotted

CREATE = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)\(")


def test_living_files_match_their_latest_snapshots():
    assert unsnapshotted() == []


def test_makesqlmigrations_check_finds_nothing_to_write():
    call_command("makesqlmigrations", "--check", verbosity=0)


def test_installed_definitions_match_the_living_files(db):
    assert installed_drift(connection) == []


def test_living_file_defines_exactly_its_function():
    for name, text in living_files().items():
        assert set(CREATE.findall(text)) == {name}, name
        assert text.startswith("-- ") and "PostgreSQL >= 1" in text.split("\nCREATE")[0], name


def test_installed_drift_sees_a_function_changed_by_hand(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE OR REPLACE FUNCTION search_lexeme(p_word text) RETURNS text "
                       "LANGUAGE sql IMMUTABLE AS $$ SELECT p_word $$")

    drift = installed_drift(connection)

    assert drift == ["search_lexeme: the database's definition differs from "
                     "sql/functions/search_lexeme.sql."]


def test_installed_drift_sees_a_function_without_living_file(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION booking_stray() RETURNS int LANGUAGE sql AS 'SELECT 1'")

    assert installed_drift(connection) == [
        "booking_stray: installed, but there is no sql/functions/booking_stray.sql."]


def test_installed_drift_sees_an_old_signature_left_behind(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION search_lexeme(p_word text, p_extra int) RETURNS text "
                       "LANGUAGE sql AS 'SELECT p_word'")

    assert installed_drift(connection) == [
        "search_lexeme: 2 functions of this name (an old signature left behind: drop it in "
        "a migration)."]


@pytest.fixture
def living(tmp_path, monkeypatch):
    """A copy of sql/functions/ that the checks read instead."""
    copy = tmp_path / "functions"
    copy.mkdir()
    for name, text in living_files().items():
        (copy / f"{name}.sql").write_text(text)
    monkeypatch.setattr(sqlfiles, "LIVING_DIR", copy)
    return copy


def test_unsnapshotted_sees_an_edited_living_file(living):
    (living / "search_lexeme.sql").write_text("-- changed\n" + living_files()["search_lexeme"])
    (living / "booking_new_thing.sql").write_text("-- new\n")
    (living / "search_words.sql").unlink()

    problems = unsnapshotted()

    assert [p.split(" ")[0] for p in problems] == [
        "sql/functions/booking_new_thing.sql", "sql/functions/search_lexeme.sql",
        "sql/functions/search_words.sql"]
    with pytest.raises(SystemExit):
        call_command("makesqlmigrations", "--check", verbosity=0)


def test_makesqlmigrations_writes_the_changed_file_as_a_snapshot(living):
    changed = "-- it's \\ ''' odd\n" + living_files()["search_lexeme"]
    (living / "search_lexeme.sql").write_text(changed)
    loader = MigrationLoader(None, ignore_no_migrations=True)

    written = makesqlmigrations._migrations(loader, makesqlmigrations._changes(loader))

    path, text = written["search"]
    assert path.name.endswith("_sql_search_lexeme.py") and list(written) == ["search"]
    namespace = {}
    exec(compile(text, str(path), "exec"), namespace)
    (operation,) = namespace["Migration"].operations
    assert (operation.name, operation.sql, operation.reverse) == (
        "search_lexeme", changed, "0007_sql_functions")


def test_install_sql_refuses_an_edited_snapshot():
    with pytest.raises(sqlfunctions.SnapshotEdited):
        InstallSQL("search_lexeme", "SELECT 2", sha=sha1("SELECT 1"), reverse="keep")


def test_frozen_sql_refuses_an_edited_history_file():
    with pytest.raises(sqlfiles.FrozenSQLEdited, match="0001_reference.sql was edited"):
        frozen_sql("booking/0001_reference.sql", sha1("something else"))


def _run(operation, direction):
    with connection.schema_editor() as editor:
        getattr(operation, f"database_{direction}")("search", editor, None, None)


def test_install_sql_reverse_restores_the_previous_snapshot(db):
    changed = living_files()["search_lexeme"].replace("NULL for a stop word", "or NULL")
    changed = changed.replace("cardinality(a) = 1", "cardinality(a) = 1 AND true")
    operation = InstallSQL("search_lexeme", changed, sha=sha1(changed),
                           reverse="0007_sql_functions")
    _run(operation, "forwards")
    assert installed_drift(connection) != []

    _run(operation, "backwards")

    assert installed_drift(connection) == []


def test_install_sql_reverse_drops_a_new_function(db):
    sql = "CREATE OR REPLACE FUNCTION search_stray() RETURNS int LANGUAGE sql AS 'SELECT 1';"
    operation = InstallSQL("search_stray", sql, sha=sha1(sql), reverse="drop")
    _run(operation, "forwards")

    _run(operation, "backwards")

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('search_stray')")
        assert cursor.fetchone() == (None,)


def test_remove_sql_drops_the_function_and_its_reverse_restores_it(db):
    operation = RemoveSQL("search_lexeme", reverse="0007_sql_functions")
    _run(operation, "forwards")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('search_lexeme')")
        assert cursor.fetchone() == (None,)

    _run(operation, "backwards")

    assert installed_drift(connection) == []


def test_makesqlmigrations_writes_a_deleted_file_as_a_removal(living):
    (living / "search_words.sql").unlink()
    loader = MigrationLoader(None, ignore_no_migrations=True)

    written = makesqlmigrations._migrations(loader, makesqlmigrations._changes(loader))

    assert "RemoveSQL('search_words', reverse='0007_sql_functions')," in written["search"][1]
