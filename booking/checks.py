"""System checks of the database server the bookings live on (`manage.py check --database
default`; `manage.py check --deploy --database default` before going live), and of the
living SQL files against their migrations (every command, `makemigrations --check` too)."""

from django.core.checks import Error, Tags, Warning, register
from django.db import connections

from config.sqlfunctions import unsnapshotted


@register()
def check_sql_snapshots(app_configs, **kwargs):
    """Each living file of sql/functions/ is what the migrations last install."""
    return [Error(problem, hint="Run manage.py makesqlmigrations.", id="rangebook.E001")
            for problem in unsnapshotted()]


@register(Tags.database)
def check_durable_commits(app_configs, databases=None, **kwargs):
    """A booking the API confirmed must survive a crash: commits wait for the WAL flush."""
    found = []
    for alias in databases or ():
        with connections[alias].cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            (setting,) = cursor.fetchone()
        if setting == "off":  # `local` and stronger wait for the local flush
            found.append(Warning(
                f"synchronous_commit is {setting} on database {alias!r}: a crash of the "
                "server may lose bookings that were already confirmed to customers.",
                hint="Set synchronous_commit = on (ALTER SYSTEM or ALTER DATABASE).",
                id="rangebook.W001"))
    return found
