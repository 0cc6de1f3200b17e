"""The booking domain: venues, bookable resources, their hours, closures, rates, bookings.

Invariants PostgreSQL can enforce are declared here (Meta.constraints, Meta.triggers)
and frozen into migrations: edit them here, then run makemigrations.
"""

import datetime as dt
import zoneinfo

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    DateRangeField,
    DateTimeRangeField,
    IntegerRangeField,
    RangeOperators,
)
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import F, Func, Q, Value
from django.db.models.constraints import Deferrable
from django.db.models.functions import Now

from booking.querysets import BookingQuerySet, ResourceQuerySet

MINUTES_PER_DAY = 24 * 60


def validate_timezone(value: str) -> None:
    """Accept IANA time zone names only (Europe/Berlin), not offsets or abbreviations."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not an IANA time zone name such as Europe/Berlin.",
            code="invalid_timezone",
            params={"value": value},
        )


def always() -> DateRange:
    """The unbounded date range: a rule valid for all dates."""
    return DateRange(None, None, "[)")


def proper_range(field: str, *, bounded: bool = True) -> Q:
    """CHECK condition: non-empty, `[)` bounds, and (optionally) finite at both ends."""
    q = Q(**{f"{field}__isempty": False, f"{field}__lower_inc": True, f"{field}__upper_inc": False})
    if bounded:
        q &= Q(**{f"{field}__lower_inf": False, f"{field}__upper_inf": False})
    return q


# Bounds clients can read: PostgreSQL also stores +-infinity and years past 9999, which
# Python's datetime (and most clients) cannot hold. A missing bound (unbounded) is NULL
# here, so the comparisons let it through.
FIRST_DAY, LAST_DAY = dt.date(1, 1, 2), dt.date(9999, 12, 30)
FIRST_INSTANT = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LAST_INSTANT = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def readable_dates(field: str) -> Q:
    return Q(**{f"{field}__startswith__gte": FIRST_DAY, f"{field}__endswith__lte": LAST_DAY})


def readable_instants(field: str) -> Q:
    return Q(**{f"{field}__startswith__gte": FIRST_INSTANT,
                f"{field}__endswith__lte": LAST_INSTANT})


class Venue(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE.")
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA name, e.g. Europe/Berlin."
    )

    class Meta:
        ordering = ["name"]
        triggers = [
            # Raw SQL must not store a zone PostgreSQL cannot convert local hours with.
            pgtrigger.Trigger(
                name="venue_timezone_valid",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("timezone"),
                # The names PostgreSQL knew at migration time first
                # (booking/migrations/sql/0014_timezone_names.sql):
                # pg_timezone_names reads the zone directory on every call.
                func="""
                IF NOT EXISTS (SELECT 1 FROM booking_timezone_name WHERE name = NEW.timezone)
                   AND NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.timezone)
                THEN
                    RAISE EXCEPTION 'unknown time zone: %', NEW.timezone
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'venue_timezone_valid';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Amenity(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "amenities"

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Resource(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="resources")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    amenities = models.ManyToManyField(Amenity, blank=True, related_name="resources")
    capacity = IntegerRangeField(help_text="Party sizes the resource suits, e.g. [2, 9).")
    turnaround = models.DurationField(
        default=dt.timedelta(0), help_text="Gap kept free after each booking (cleaning, set-up)."
    )
    min_notice = models.DurationField(
        default=dt.timedelta(0), help_text="How long before its start a booking must be made."
    )
    horizon = models.DurationField(
        default=dt.timedelta(days=180), help_text="How far ahead bookings may end."
    )
    min_length = models.DurationField(default=dt.timedelta(minutes=30))
    max_length = models.DurationField(default=dt.timedelta(hours=8))
    slot_step = models.DurationField(
        default=dt.timedelta(minutes=30), help_text="Distance between offered start times."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["venue__name", "name"]
        indexes = [
            # A search without ranked words pages through resources by name
            # (search/statement.py, `walked`): read in order, not sorted whole.
            models.Index(fields=["name", "id"], name="resource_name_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["venue", "slug"], name="resource_slug_unique"),
            models.CheckConstraint(
                condition=proper_range("capacity") & Q(capacity__startswith__gte=1),
                name="resource_capacity_shape",
            ),
            models.CheckConstraint(
                condition=Q(turnaround__gte=dt.timedelta(0), min_notice__gte=dt.timedelta(0)),
                name="resource_gaps_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    horizon__gt=dt.timedelta(0),
                    min_length__gt=dt.timedelta(0),
                    max_length__gte=F("min_length"),
                    slot_step__gt=dt.timedelta(0),
                ),
                name="resource_lengths_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.venue})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class OpeningHours(models.Model):
    """A weekly rule: on `weekday`, open during `hours` local time, for dates in `valid_during`.

    `hours` holds minutes after local midnight, `[540, 1020)` = 09:00–17:00; 1440
    is 24:00, i.e. midnight at the end of the day. Overnight hours are two rules.
    """

    class Weekday(models.IntegerChoices):
        # ISO numbering, as PostgreSQL's extract(isodow ...).
        MONDAY = 1
        TUESDAY = 2
        WEDNESDAY = 3
        THURSDAY = 4
        FRIDAY = 5
        SATURDAY = 6
        SUNDAY = 7

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    hours = IntegerRangeField(help_text="Minutes after local midnight, [start, end).")
    valid_during = DateRangeField(default=always, help_text="Local dates the rule applies to.")

    class Meta:
        ordering = ["resource", "weekday", "hours"]
        verbose_name_plural = "opening hours"
        indexes = [
            # Availability joins rules to local dates on (resource, weekday).
            models.Index(fields=["resource", "weekday"], name="openinghours_resource_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="openinghours_weekday_iso"
            ),
            models.CheckConstraint(
                condition=proper_range("hours")
                & Q(hours__startswith__gte=0, hours__endswith__lte=MINUTES_PER_DAY),
                name="openinghours_hours_within_day",
            ),
            models.CheckConstraint(
                condition=Q(valid_during__isempty=False), name="openinghours_valid_not_empty"
            ),
            models.CheckConstraint(
                condition=readable_dates("valid_during"), name="openinghours_valid_readable"
            ),
            # Needs btree_gist for `=` on resource and weekday.
            ExclusionConstraint(
                name="openinghours_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    ("hours", RangeOperators.OVERLAPS),
                    ("valid_during", RangeOperators.OVERLAPS),
                ],
                violation_error_code="opening_hours_overlap",
                violation_error_message="These hours overlap another rule of this resource.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {format_minutes(self.hours)}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class SpecialHours(models.Model):
    """Hours of one local date that replace the weekly rules; no hours = closed all day."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="special_hours")
    date = models.DateField()
    hours = IntegerRangeField(
        null=True, blank=True, help_text="Minutes after local midnight; empty = closed all day."
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["resource", "date", "hours"]
        verbose_name_plural = "special hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__isnull=True)
                | (proper_range("hours")
                   & Q(hours__startswith__gte=0, hours__endswith__lte=MINUTES_PER_DAY)),
                name="specialhours_hours_within_day",
            ),
            # A "closed" row counts as the whole day, so it excludes any other row of the date.
            ExclusionConstraint(
                name="specialhours_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    ("date", RangeOperators.EQUAL),
                    (
                        Func(
                            F("hours"),
                            Func(Value(0), Value(MINUTES_PER_DAY), function="int4range"),
                            function="COALESCE",
                            output_field=IntegerRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_code="special_hours_overlap",
                violation_error_message="These hours overlap other special hours of that date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {format_minutes(self.hours) if self.hours else 'closed'}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Closure(models.Model):
    """A period when one resource, or a whole venue, cannot be booked."""

    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.CASCADE, related_name="closures"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="closures"
    )
    period = DateTimeRangeField(help_text="[start, end); an open end means until further notice.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(venue__isnull=False, resource__isnull=True)
                | Q(venue__isnull=True, resource__isnull=False),
                name="closure_venue_xor_resource",
            ),
            models.CheckConstraint(
                condition=proper_range("period", bounded=False) & Q(period__lower_inf=False),
                name="closure_period_shape",
            ),
            models.CheckConstraint(
                condition=readable_instants("period"), name="closure_period_readable"
            ),
        ]
        indexes = [
            GistIndex(fields=["resource", "period"], name="closure_resource_period"),
            GistIndex(fields=["venue", "period"], name="closure_venue_period"),
        ]

    def __str__(self) -> str:
        return self.reason or "Closure"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Rate(models.Model):
    """Price per hour of a resource for bookings on the local dates of `valid_during`."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="rates")
    valid_during = DateRangeField(default=always)
    price_per_hour = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["resource", "valid_during"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_per_hour__gte=0), name="rate_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_during__isempty=False), name="rate_valid_not_empty"
            ),
            models.CheckConstraint(
                condition=readable_dates("valid_during"), name="rate_valid_readable"
            ),
            ExclusionConstraint(
                name="rate_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    ("valid_during", RangeOperators.OVERLAPS),
                ],
                violation_error_code="rate_overlap",
                violation_error_message="This rate overlaps another rate of this resource.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.price_per_hour} {self.currency}/h"


class BookingStatus(models.TextChoices):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


ACTIVE_STATUSES = [BookingStatus.HELD, BookingStatus.CONFIRMED]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="BookingEvent")
class Booking(models.Model):
    reference = models.CharField(
        max_length=16, unique=True, editable=False,
        db_default=Func(function="booking_new_reference", output_field=models.CharField()),
    )
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    party_size = models.PositiveIntegerField(default=1)
    period = DateTimeRangeField()
    # `period` extended by the resource's turnaround. Kept by the booking_set_blocked
    # trigger: `timestamptz + interval` is not immutable, so it cannot be generated.
    blocked = DateTimeRangeField(editable=False, null=True, blank=True)
    status = models.CharField(max_length=10, choices=BookingStatus.choices)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["period"]
        constraints = [
            models.CheckConstraint(condition=proper_range("period"), name="booking_period_shape"),
            models.CheckConstraint(
                condition=readable_instants("period"), name="booking_period_readable"
            ),
            models.CheckConstraint(
                condition=Q(blocked__isnull=False)
                & Q(blocked__contains=F("period"), blocked__startswith=F("period__startswith")),
                name="booking_blocked_extends_period",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=BookingStatus.HELD, hold_expires_at__isnull=False)
                | (~Q(status=BookingStatus.HELD) & Q(hold_expires_at__isnull=True)),
                name="booking_hold_has_expiry",
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="booking_party_positive"),
            # The rule against double booking. Needs btree_gist for `=` on resource.
            # DEFERRABLE (initially immediate) so a transaction can swap two bookings
            # after SET CONSTRAINTS booking_no_overlap DEFERRED.
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    ("blocked", RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
                deferrable=Deferrable.IMMEDIATE,
                violation_error_code="booking_conflict",
                violation_error_message="The resource is already booked for this period.",
            ),
        ]
        indexes = [
            GistIndex(fields=["resource", "period"], name="booking_resource_period"),
            # Busy bookings of all resources near a period (booking_list_free).
            GistIndex(
                fields=["blocked"], condition=Q(status__in=ACTIVE_STATUSES),
                name="booking_blocked_active",
            ),
            models.Index(
                fields=["hold_expires_at"],
                condition=Q(status=BookingStatus.HELD),
                name="booking_held_expiry",
            ),
            # Pages of bookings by start or creation (the API's `start` and `createdAt`
            # orderings), either way: the index gives the order, an incremental sort the id
            # tie-break. Without them a page sorted all bookings (0.4-0.8 s at 1M).
            models.Index(fields=["period"], name="booking_period"),
            models.Index(fields=["created_at"], name="booking_created"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="booking_set_blocked",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                -- The turnaround is read when the period or resource is written; changing a
                -- resource's turnaround later leaves existing bookings as they were.
                IF TG_OP = 'INSERT' OR NEW.period IS DISTINCT FROM OLD.period
                   OR NEW.resource_id IS DISTINCT FROM OLD.resource_id THEN
                    -- Seconds, not the interval itself: '1 day' would depend on the
                    -- session time zone's DST.
                    -- The period's own bounds, so a malformed period fails its own CHECK.
                    SELECT tstzrange(lower(NEW.period), upper(NEW.period)
                               + extract(epoch FROM r.turnaround) * interval '1 second',
                               CASE WHEN lower_inc(NEW.period) THEN '[' ELSE '(' END
                               || CASE WHEN upper_inc(NEW.period) THEN ']' ELSE ')' END)
                      INTO NEW.blocked
                      FROM booking_resource r WHERE r.id = NEW.resource_id;
                ELSE
                    NEW.blocked := OLD.blocked;
                END IF;
                IF TG_OP = 'UPDATE' THEN
                    NEW.updated_at := now();
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="booking_status_flow",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                func="""
                -- held -> confirmed | cancelled | expired; confirmed -> cancelled; the
                -- rest is final. Only active bookings move.
                IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
                       (OLD.status = 'held' AND NEW.status IN ('confirmed', 'cancelled', 'expired'))
                    OR (OLD.status = 'confirmed' AND NEW.status = 'cancelled')) THEN
                    RAISE EXCEPTION 'booking % cannot go from % to %',
                        OLD.reference, OLD.status, NEW.status
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'booking_status_flow';
                END IF;
                IF OLD.status IN ('cancelled', 'expired') AND (
                       NEW.period IS DISTINCT FROM OLD.period
                    OR NEW.resource_id IS DISTINCT FROM OLD.resource_id) THEN
                    RAISE EXCEPTION 'booking % is % and cannot be moved',
                        OLD.reference, OLD.status
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'booking_status_flow';
                END IF;
                RETURN NEW;
                """,
            ),
            # Bookings are cancelled, never deleted.
            pgtrigger.Protect(name="booking_protect_delete", operation=pgtrigger.Delete),
            pgtrigger.Trigger(
                name="booking_protect_truncate",
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func="RAISE EXCEPTION 'bookings are cancelled, never deleted'; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or "new booking"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


# The audit trail doubles as the event stream of subscriptions: every booking event is
# announced on channel `rangebook_booking` in the same transaction (delivered at commit),
# with its serial id as the cursor a client resumes from. No customer data in the payload.
BookingEvent = Booking.pgh_event_model
pgtrigger.register(
    pgtrigger.Trigger(
        name="bookingevent_notify",
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        func="""
        PERFORM pg_notify('rangebook_booking', json_build_object(
            'cursor', NEW.pgh_id, 'booking', NEW.pgh_obj_id, 'resource', NEW.resource_id,
            'status', NEW.status, 'lower', lower(NEW.period), 'upper', upper(NEW.period)
        )::text);
        RETURN NULL;
        """,
    )
)(BookingEvent)

# A change a customer is told about (booking/notifications.py decides which) queues the
# notice in the same transaction: a rolled-back change queues nothing, a committed one is
# never lost. The job lock keeps one booking's notices in the order of its changes.
pgtrigger.register(
    pgtrigger.Trigger(
        name="bookingevent_notice",
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        condition=pgtrigger.Q(new__status__in=["confirmed", "cancelled"]),
        func="""
        PERFORM procrastinate_defer_jobs_v1(ARRAY[ROW(
            'notifications', 'booking.notify_customer', 0, 'booking:' || NEW.pgh_obj_id,
            NULL, jsonb_build_object('event_id', NEW.pgh_id), NULL
        )::procrastinate_job_to_defer_v1]);
        RETURN NULL;
        """,
    )
)(BookingEvent)


def format_minutes(hours) -> str:
    """`[540, 1020)` -> '09:00–17:00'."""
    return f"{hhmm(hours.lower)}–{hhmm(hours.upper)}"


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
