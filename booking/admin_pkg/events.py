"""The admin's events page (django-pghistory's Events) with readable changes instead of
the raw JSON of `pgh_diff`: one line per field, `status: held → confirmed`."""

import datetime as dt
import json
import re

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from pghistory.admin import EventsAdmin

from booking.models import hhmm

# Written by the database on every update: noise in a list of changes.
BOOKKEEPING = {"updated_at", "blocked", "search_document"}
MINUTES = re.compile(r"\[(\d+),(\d+)\)")
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:\d{2})?)?")


class ReadableEventsAdmin(EventsAdmin):
    list_display = ["pgh_created_at", "pgh_obj_model", "pgh_obj_id", "pgh_label", "changes"]

    class Media:
        css = {"all": ["booking/admin.css"]}

    def get_list_display(self, request):
        return self.list_display

    @admin.display(description="what changed")
    def changes(self, event):
        lines = format_html_join("", "<li>{}</li>", ((line,) for line in change_lines(event)))
        return format_html('<ul class="rb-changes">{}</ul>', lines)


def change_lines(event) -> list[str]:
    """`status: held → confirmed` per changed field of an update; `field: value` per field
    of an insert; the database's own bookkeeping left out."""
    if event.pgh_diff:
        lines = [
            f"{name}: {value_text(old, name)} → {value_text(new, name)}"
            for name, (old, new) in sorted(event.pgh_diff.items())
            if name not in BOOKKEEPING
        ]
        return lines or ["no change but the time of the update"]
    if event.pgh_label == "delete":
        return ["deleted"]
    data = event.pgh_data or {}
    return [f"{name}: {value_text(value, name)}" for name, value in data.items()
            if name not in BOOKKEEPING | {"id", "created_at"}]


def value_text(value, name: str = "") -> str:
    """A stored value as people read it: instants to the minute in UTC, ranges with
    their bounds, opening hours as clock times, a dash for None."""
    if value is None:
        return "—"
    if name == "hours" and (minutes := MINUTES.fullmatch(str(value))):
        return "–".join(hhmm(int(part)) for part in minutes.groups())
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return INSTANT.sub(_minute, str(value))


def _minute(match: re.Match) -> str:
    text = match.group(0).replace(" ", "T")
    try:
        instant = dt.datetime.fromisoformat(text + (":00" if text.endswith(("+00", "-00")) else ""))
    except ValueError:
        return match.group(0)
    if instant.tzinfo is None:
        return instant.strftime("%-d %b %Y %H:%M")
    return instant.astimezone(dt.UTC).strftime("%-d %b %Y %H:%M UTC")


def use_readable_events(site: admin.AdminSite) -> None:
    """Registers ReadableEventsAdmin for pghistory's events. pghistory.admin registers its
    own when its app is ready, after the admin modules are imported: call this from the URL
    configuration, which is loaded once every app is ready."""
    from pghistory import config

    model = config.admin_queryset().model
    if site.is_registered(model):
        site.unregister(model)
    site.register(model, ReadableEventsAdmin)
