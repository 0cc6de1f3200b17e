"""Living SQL functions (sql/functions/<name>.sql) and the migrations that snapshot them.

The pgtrigger way for objects Django has no home for: the current definition of each
function lives in one file, edited in place; a migration freezes a copy of it, with its
SHA-1, in an `InstallSQL` operation (`manage.py makesqlmigrations` writes it). So history
is frozen in migrations and the present is in one place. Three checks keep them equal:

- `unsnapshotted()`: a living file differs from its latest snapshot (edited without a
  migration), or a snapshot's file is gone (system check rangebook.E001).
- `InstallSQL(sha=...)`: a snapshot's text was edited after its migration was written.
- `installed_drift(connection)`: the database's definition differs from the living file
  (migrated, then changed by hand; or a snapshot migration not applied).

A function belongs to the app its name starts with (`booking_`, `search_`, `webhooks_`).
"""

import importlib

from django.db import connection as default_connection
from django.db import migrations, transaction
from django.db.migrations.loader import MigrationLoader

from config.sqlfiles import living_files, sha1

KEEP, DROP = "keep", "drop"


class SnapshotEdited(Exception):
    """A snapshot in a migration no longer has the SHA-1 it was written with."""


class InstallSQL(migrations.operations.base.Operation):
    """Run a frozen snapshot of the living file `sql/functions/<name>.sql`.

    `reverse` says what unapplying does: re-install the snapshot of `name` in that earlier
    migration of the same app, DROP the function (it was new here), or KEEP it (the
    RunSQL migrations before the first snapshot installed the same definition).
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, name: str, sql: str, *, sha: str, reverse: str) -> None:
        if sha1(sql) != sha:
            raise SnapshotEdited(f"The snapshot of {name} was edited after its migration "
                                 "was written: edit sql/functions/ and run "
                                 "manage.py makesqlmigrations instead.")
        self.name, self.sql, self.sha, self.reverse = name, sql, sha, reverse

    def deconstruct(self):
        kwargs = {"sha": self.sha, "reverse": self.reverse}
        return self.__class__.__qualname__, [self.name, self.sql], kwargs

    def state_forwards(self, app_label, state):
        pass  # no model state: the function is the database's alone

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.execute(self.sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self.reverse == DROP:
            # PostgreSQL >= 10 finds a function by name alone when the name is unique.
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {self.name}", params=None)
        elif self.reverse != KEEP:
            schema_editor.execute(_snapshot_in(app_label, self.reverse, self.name).sql,
                                  params=None)

    def describe(self):
        return f"Install SQL function {self.name} (sha1 {self.sha[:12]})"

    @property
    def migration_name_fragment(self):
        return f"sql_{self.name}"


class RemoveSQL(InstallSQL):
    """Drop function `name`, whose living file was deleted; unapplying restores `reverse`."""

    def __init__(self, name: str, *, reverse: str) -> None:
        sql = f"DROP FUNCTION IF EXISTS {name};\n"
        super().__init__(name, sql, sha=sha1(sql), reverse=reverse)

    def deconstruct(self):
        return self.__class__.__qualname__, [self.name], {"reverse": self.reverse}

    def describe(self):
        return f"Remove SQL function {self.name}"


def _snapshot_in(app_label: str, migration_name: str, name: str) -> InstallSQL:
    module = importlib.import_module(f"{app_label}.migrations.{migration_name}")
    return next(op for op in module.Migration.operations
                if isinstance(op, InstallSQL) and op.name == name)


def app_of(name: str) -> str:
    """The app a function belongs to: the prefix of its name."""
    return name.split("_", 1)[0]


def latest_snapshots(loader: MigrationLoader | None = None) -> dict[str, tuple[str, str, str]]:
    """name -> (app label, migration name, sql) of the last snapshot in migration order.

    The sql of a function the migrations removed is None.
    """
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    graph, latest = loader.graph, {}
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            for op in graph.nodes[key].operations:
                if isinstance(op, InstallSQL):
                    sql = None if isinstance(op, RemoveSQL) else op.sql
                    latest[op.name] = (key[0], key[1], sql)
    return latest


def unsnapshotted(loader: MigrationLoader | None = None) -> list[str]:
    """Why the migrations do not install the living files as they are (empty: they do)."""
    living, latest = living_files(), latest_snapshots(loader)
    problems = [f"sql/functions/{name}.sql has no migration installing it."
                for name in living if name not in latest]
    problems += [f"sql/functions/{name}.sql differs from its snapshot in "
                 f"{latest[name][0]}/migrations/{latest[name][1]}.py."
                 for name in living if name in latest and latest[name][2] != living[name]]
    problems += [f"sql/functions/{name}.sql is gone but {app}/migrations/{migration}.py "
                 "installs it." for name, (app, migration, sql) in latest.items()
                 if name not in living and sql is not None]
    return problems


# Each function's full definition as PostgreSQL prints it, overloads included.
_DEFINITIONS = """
    SELECT p.proname, array_agg(pg_get_functiondef(p.oid) ORDER BY p.oid::regprocedure::text)
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY (%s)
    GROUP BY p.proname
"""
# Our functions: named with an app prefix, not made by pgtrigger or an extension.
_OURS = """
    SELECT DISTINCT p.proname FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname ~ %s
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
"""


class _Rollback(Exception):
    pass


def installed_drift(connection=default_connection, apps=("booking", "search", "webhooks")):
    """Functions whose installed definition is not the living file's (empty: none).

    Runs each living file in a transaction that is rolled back and compares
    pg_get_functiondef before and after: a file that re-creates what is installed changes
    nothing. Comparing PostgreSQL's own rendering, not text or a stored hash, catches a
    definition changed by hand and follows the files' conditions (rum or not).
    """
    living = living_files()
    names = sorted(living)
    with connection.cursor() as cursor:
        cursor.execute(_DEFINITIONS, [names])
        before = dict(cursor.fetchall())
        cursor.execute(_OURS, ["^(" + "|".join(apps) + ")_"])
        unknown = sorted(row[0] for row in cursor.fetchall() if row[0] not in living)
        try:
            with transaction.atomic(using=connection.alias):
                for name in names:
                    cursor.execute(living[name])
                cursor.execute(_DEFINITIONS, [names])
                after = dict(cursor.fetchall())
                raise _Rollback
        except _Rollback:
            pass
    drift = [f"{name}: the database's definition differs from sql/functions/{name}.sql."
             for name in names if before.get(name) != after.get(name)]
    drift += [f"{name}: {len(after[name])} functions of this name (an old signature left "
              "behind: drop it in a migration)." for name in names if len(after.get(name, [])) > 1]
    drift += [f"{name}: installed, but there is no sql/functions/{name}.sql."
              for name in unknown]
    return drift

