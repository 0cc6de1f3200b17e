"""List filters of the admin. Dates are each venue's local dates."""

import datetime as dt

from django.contrib import admin
from django.db.models import DateField, DateTimeField, F, Func, Q, Value
from django.db.models.functions import Cast, Now
from django.utils.dateparse import parse_date

from booking.models import Venue


def local_date(instant, *, days: int = 0) -> Cast:
    """SQL: the venue-local date of `instant`, plus `days` (on the calendar, so DST-proof)."""
    # timezone(zone, timestamptz) is the venue's wall-clock time as a plain timestamp.
    local = Func(
        F("resource__venue__timezone"), instant, function="timezone", output_field=DateTimeField()
    )
    if days:
        local = local + Value(dt.timedelta(days=days))
    return Cast(local, DateField())


class BookingStartFilter(admin.SimpleListFilter):
    """Bookings by their start, in each venue's local dates (also ?starts=YYYY-MM-DD)."""

    title = "start (venue's local date)"
    parameter_name = "starts"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("next7", "Next 7 days"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        queryset = queryset.alias(day=local_date(F("period__startswith")))
        if value == "today":
            return queryset.filter(day=local_date(Now()))
        if value == "tomorrow":
            return queryset.filter(day=local_date(Now(), days=1))
        if value == "next7":
            return queryset.filter(day__gte=local_date(Now()), day__lt=local_date(Now(), days=7))
        if value == "upcoming":
            return queryset.filter(period__startswith__gte=Now())
        if value == "past":
            return queryset.filter(period__startswith__lt=Now())
        day = parse_date(value)
        return queryset.filter(day=day) if day else queryset.none()


class ClosureVenueFilter(admin.SimpleListFilter):
    """Closures of a venue: of the whole venue or of one of its resources."""

    title = "venue"
    parameter_name = "venue"

    def lookups(self, request, model_admin):
        return [(str(venue.pk), venue.name) for venue in Venue.objects.only("name")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(Q(venue_id=self.value()) | Q(resource__venue_id=self.value()))


class ClosureWhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("now", "In force now"), ("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request, queryset):
        conditions = {
            "now": Q(period__contains=Now()),
            "upcoming": Q(period__startswith__gt=Now()),
            "past": Q(period__endswith__lte=Now()),
        }
        value = self.value()
        return queryset.filter(conditions[value]) if value in conditions else queryset
