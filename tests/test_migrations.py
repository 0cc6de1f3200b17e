from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_models_match_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_sql_file_is_named_by_a_migration():
    migration_text = "".join(
        path.read_text() for path in ROOT.glob("*/migrations/*.py")
    )
    sql_files = [p.relative_to(ROOT / "sql").as_posix() for p in (ROOT / "sql").rglob("*.sql")]

    unnamed = [name for name in sql_files if f'"{name}"' not in migration_text]

    assert sql_files and unnamed == []
