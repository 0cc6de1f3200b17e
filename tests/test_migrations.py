from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_models_match_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_frozen_sql_file_is_named_by_a_migration():
    migration_text = "".join(
        path.read_text() for path in ROOT.glob("*/migrations/*.py")
    )
    frozen = [f"{p.parts[-4]}/{p.name}" for p in ROOT.glob("*/migrations/sql/*.sql")]

    unnamed = [name for name in frozen if f'"{name}"' not in migration_text]

    assert frozen and unnamed == []


def test_sql_holds_only_living_definitions():
    files = [p.relative_to(ROOT / "sql").parent.as_posix() for p in (ROOT / "sql").rglob("*")
             if p.is_file()]

    assert files and set(files) == {"functions"}
