"""What the admin pages of the booking app share: their stylesheet, date spans as text,
and change forms rendered in the venue's time zone."""

import contextlib
import datetime as dt

from django.utils import timezone

MEDIA_CSS = {"all": ["booking/admin.css"]}


def date_span_text(span) -> str:
    """`1 Jan 2026 – 31 Mar 2026` (last day included), `from 1 Jan 2026`, or `always`."""
    first = span.lower.strftime("%-d %b %Y") if span.lower else None
    last = (span.upper - dt.timedelta(days=1)).strftime("%-d %b %Y") if span.upper else None
    if first and last:
        return f"{first} – {last}"
    return f"from {first}" if first else f"until {last}" if last else "always"


class VenueTimeMixin:
    """Renders the change form in the venue's zone, once known: read-only times and the
    date and time widgets' "Today" and "Now" then use venue time, as the inputs do."""

    def venue_zone(self, form, obj):
        return form.zone()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        zone = self.venue_zone(context["adminform"].form, obj)
        # A TemplateResponse renders lazily: render it here, inside the override.
        with timezone.override(zone) if zone else contextlib.nullcontext():
            return response.render()
