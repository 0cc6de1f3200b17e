"""SQL text for migrations: frozen history, and the living definitions under sql/.

Two kinds of SQL file, kept apart so that each function has one current definition:

- `<app>/migrations/sql/NNNN_*.sql`: what the RunSQL migrations written before the living
  files executed. FROZEN: each is read with the SHA-1 its migration recorded, and a file
  edited after its migration existed stops every migration from loading.
- `sql/functions/<name>.sql`: the one living `CREATE OR REPLACE` of function `<name>`,
  edited in place. Migrations never read these: `manage.py makesqlmigrations` copies a
  changed file into a new migration (config/sqlfunctions.py), as pgtrigger freezes triggers.
"""

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIVING_DIR = ROOT / "sql" / "functions"


class FrozenSQLEdited(Exception):
    """A frozen SQL file no longer has the text its migration recorded."""


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def frozen_sql(relative_path: str, sha: str) -> str:
    """The text of `<app>/migrations/sql/<file>` for `<app>/<file>`, checked against `sha`."""
    app, name = relative_path.split("/", 1)
    text = (ROOT / app / "migrations" / "sql" / name).read_text(encoding="utf-8")
    if sha1(text) != sha:
        raise FrozenSQLEdited(
            f"{app}/migrations/sql/{name} was edited after its migration was written "
            f"(sha1 {sha1(text)}, expected {sha}). Restore it; change a function in "
            "sql/functions/ and run manage.py makesqlmigrations instead.")
    return text


def living_files() -> dict[str, str]:
    """The living definitions, name -> text, from sql/functions/<name>.sql."""
    return {path.stem: path.read_text(encoding="utf-8")
            for path in sorted(LIVING_DIR.glob("*.sql"))}
