"""SQL files under sql/, for RunSQL operations in migrations."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def read_sql(relative_path: str) -> str:
    """Return the text of a file under sql/, for use in RunSQL.

    Files are read when the migration module is imported, so a file that a
    migration names must never be edited afterwards: add a new file instead.
    """
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")
