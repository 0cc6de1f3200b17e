"""`manage.py makesqlmigrations`: snapshot changed living SQL files into new migrations.

As makemigrations does for models: for each app, one migration with an InstallSQL per
file of sql/functions/ that differs from its latest snapshot (a RemoveSQL per deleted
file). `--check` writes nothing and fails if there is anything to write; `--installed`
also compares the database's definitions with the living files (config/sqlfunctions.py).
"""

import ast
import sys
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from config.sqlfiles import ROOT, living_files, sha1
from config.sqlfunctions import DROP, app_of, installed_drift, latest_snapshots

HEADER = '''\
# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.

from django.db import migrations

from config.sqlfunctions import {imports}

'''


class Command(BaseCommand):
    help = "Write migrations installing the living SQL files that changed (sql/functions/)."
    requires_system_checks = []  # the snapshot check fails until this command has run

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; exit 1 if a migration is missing.")
        parser.add_argument("--dry-run", action="store_true", help="Write nothing.")
        parser.add_argument("--installed", action="store_true",
                            help="Also compare the database's definitions (rolled back).")
        parser.add_argument("--database", default="default")

    def handle(self, *args, check, dry_run, installed, database, **options):
        loader = MigrationLoader(None, ignore_no_migrations=True)
        changes = _changes(loader)
        for app, (path, text) in sorted(_migrations(loader, changes).items()):
            self.stdout.write(f"{app}: {path.relative_to(ROOT)}")
            for name, _ in changes[app]:
                self.stdout.write(f"  - sql/functions/{name}.sql")
            if not (check or dry_run):
                path.write_text(text, encoding="utf-8")
        drift = installed_drift(connections[database]) if installed else []
        for problem in drift:
            self.stderr.write(problem)
        if check and (changes or drift):
            sys.exit(1)
        if not changes:
            self.stdout.write("No changes in sql/functions/.")


def _changes(loader) -> dict[str, list[tuple[str, tuple | None]]]:
    """app -> [(name, latest snapshot or None)] of the functions to snapshot or remove."""
    living, latest = living_files(), latest_snapshots(loader)
    changes = defaultdict(list)
    for name in sorted(set(living) | set(latest)):
        snapshot = latest.get(name)
        if living.get(name) != (snapshot[2] if snapshot else None):
            changes[app_of(name)].append((name, snapshot))
    return changes


def _migrations(loader, changes) -> dict:
    """app -> (path, text) of the migration to write."""
    written = {}
    for app, names in changes.items():
        leaves = loader.graph.leaf_nodes(app)
        if len(leaves) != 1:
            raise CommandError(f"{app} has {len(leaves)} leaf migrations: merge them first.")
        leaf = leaves[0][1]
        label = names[0][0] if len(names) == 1 else "functions"
        name = f"{int(leaf[:4]) + 1:04d}_sql_{label}"
        path = ROOT / app / "migrations" / f"{name}.py"
        written[app] = path, _render(app, leaf, names)
    return written


def _render(app: str, leaf: str, names) -> str:
    living = living_files()
    constants, operations, imports = [], [], set()
    for name, snapshot in names:
        reverse = snapshot[1] if snapshot else DROP
        if name not in living:
            imports.add("RemoveSQL")
            operations.append(f"        RemoveSQL({name!r}, reverse={reverse!r}),")
            continue
        imports.add("InstallSQL")
        constants.append(f"{name.upper()} = {_literal(living[name])}\n")
        operations.append(f"        InstallSQL({name!r}, {name.upper()},\n"
                          f"                   sha={sha1(living[name])!r}, reverse={reverse!r}),")
    return (HEADER.format(imports=", ".join(sorted(imports))) + "\n".join(constants)
            + "\n\nclass Migration(migrations.Migration):\n"
            + f"    dependencies = [({app!r}, {leaf!r})]\n\n"
            + "    operations = [\n" + "\n".join(operations) + "\n    ]\n")


def _literal(text: str) -> str:
    """A readable Python literal of `text`: a raw triple-quoted string where one can be."""
    raw = f"r'''{text}'''"
    try:
        if ast.literal_eval(raw) == text:
            return raw
    except SyntaxError:
        pass
    return repr(text)
