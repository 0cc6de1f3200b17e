"""Model forms of the admin: ranges as two inputs, periods in the venue's wall-clock time.

Bookings are written by the services, from the form's validation (BookingAdminForm), so
PostgreSQL's exclusion constraint decides conflicts and they come back as form errors.
"""

import contextlib
import zoneinfo

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from booking import services
from booking.errors import BookingError
from booking.formfields import CapacityField, DateSpanField, HoursField, LocalPeriodField
from booking.localtime import to_instant, to_local
from booking.models import (
    Booking,
    BookingStatus,
    Closure,
    OpeningHours,
    Rate,
    Resource,
    SpecialHours,
    Venue,
)
from booking.widgets import HoursWidget

PERIOD_HELP = (
    "Wall-clock time at the venue; a time repeated when clocks go back means the later one."
)
TIMEZONE_CHOICES = [("", "---------")] + [
    (name, name) for name in sorted(zoneinfo.available_timezones())
]


def venue_zone(venue: Venue | None) -> zoneinfo.ZoneInfo | None:
    """The venue's zone; None without a venue, or with a name Python's tzdata lacks."""
    try:
        return venue.zone if venue else None
    except (ValueError, KeyError):  # a venue being added, with no valid zone yet
        return None


def period_label(zone: zoneinfo.ZoneInfo | None) -> str:
    return f"Period ({zone.key})" if zone else "Period (local time of the venue)"


class ZonedPeriodMixin:
    """For a ModelForm whose `period` is a LocalPeriodField and whose venue decides the zone.

    Shows the stored period in the venue's wall-clock time, and in clean() reads the inputs
    back as instants with PostgreSQL's rule (booking.localtime). A period left as shown
    keeps its stored instants: a time in the hour repeated when clocks go back survives,
    and so does a booking moved to a venue in another zone without new times.
    """

    zone_source = "the resource"

    def venue(self) -> Venue | None:
        raise NotImplementedError

    def zone(self) -> zoneinfo.ZoneInfo | None:
        return venue_zone(self.venue())

    def _show_period(self) -> None:
        zone, period = self.zone(), self.instance.period
        self.fields["period"].label = period_label(zone)
        if zone and period:
            upper = to_local(period.upper, zone) if period.upper else None
            self.initial["period"] = [to_local(period.lower, zone), upper, zone.key]

    def _show_zone_again(self, zone: zoneinfo.ZoneInfo) -> None:
        # The bound field has copied the label; the hidden input tells the next POST
        # which zone the re-rendered inputs were shown in.
        self.fields["period"].label = self["period"].label = period_label(zone)
        self.data = self.data.copy()
        self.data[self.add_prefix("period") + "_2"] = zone.key

    def _clean_period(self) -> None:
        local, zone, stored = self.cleaned_data.get("period"), self.zone(), self.instance.period
        if local is None:
            return
        if zone is None:
            self.add_error(
                "period",
                f"Choose {self.zone_source} first: the times are read in its venue's time zone.",
            )
            return
        self._show_zone_again(zone)
        if stored and "period" not in self.changed_data:
            self.cleaned_data["period"] = stored
            return
        start, end, shown = local
        if shown and shown != zone.key:
            self.add_error(
                "period",
                f"These times were shown in {shown}, but the venue is in "
                f"{zone.key}. Check them and save again.",
            )
            return
        try:
            self.cleaned_data["period"] = DateTimeTZRange(
                _instant(start, stored.lower if stored else None, zone),
                _instant(end, stored.upper if stored else None, zone),
                "[)",
            )
        except OverflowError:  # a local time of 1 Jan 1 or 31 Dec 9999 beyond UTC's calendar
            self.add_error("period", "Choose times between the years 1 and 9999 in UTC.")


def _instant(local, stored, zone):
    if local is None:
        return None
    if stored is not None and to_local(stored, zone) == local:
        return stored
    return to_instant(local, zone)


class VenueForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, help_text="IANA name.")

    class Meta:
        model = Venue
        fields = ["name", "slug", "description", "address", "city", "country", "timezone"]


class ResourceForm(forms.ModelForm):
    capacity = CapacityField(help_text="Smallest and largest party the resource suits.")

    class Meta:
        model = Resource
        fields = [
            "venue",
            "category",
            "name",
            "slug",
            "description",
            "amenities",
            "capacity",
            "turnaround",
            "min_notice",
            "horizon",
            "min_length",
            "max_length",
            "slot_step",
            "is_active",
        ]


class OpeningHoursForm(forms.ModelForm):
    hours = HoursField(help_text="Local time; 24:00 = midnight at the end of the day.")
    valid_during = DateSpanField(label="Valid")

    class Meta:
        model = OpeningHours
        fields = ["resource", "weekday", "hours", "valid_during"]


class SpecialHoursForm(forms.ModelForm):
    hours = HoursField(
        required=False,
        widget=HoursWidget(placeholders=("", "")),
        help_text="Local time; leave empty for closed all day.",
    )

    class Meta:
        model = SpecialHours
        fields = ["resource", "date", "hours", "note"]


class RateForm(forms.ModelForm):
    valid_during = DateSpanField(label="Valid")

    class Meta:
        model = Rate
        fields = ["resource", "valid_during", "price_per_hour", "currency"]


class ClosureForm(ZonedPeriodMixin, forms.ModelForm):
    """A closure of a venue or of one resource; its period in that venue's zone."""

    period = LocalPeriodField(
        require_end=False, help_text=PERIOD_HELP + " No end: until further notice."
    )
    zone_source = "the venue or resource"

    class Meta:
        model = Closure
        fields = ["venue", "resource", "period", "reason"]
        help_texts = {
            "venue": "Either close the whole venue…",
            "resource": "…or only one resource.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._show_period()

    def venue(self) -> Venue | None:
        venue, resource = self._closed()
        return venue or getattr(resource, "venue", None)

    def _closed(self) -> tuple:
        """The venue and resource chosen (cleaned, or the instance's where not on the form)."""
        data = getattr(self, "cleaned_data", {})
        return tuple(
            data[name] if name in data else getattr(self.instance, name, None)
            for name in ("venue", "resource")
        )

    def clean(self):
        super().clean()
        venue, resource = self._closed()
        if (venue is None) == (resource is None) and "resource" in self.fields:
            # On a field, so model validation skips closure_venue_xor_resource's own message.
            self.add_error(
                "resource",
                forms.ValidationError(
                    "Close either a whole venue or one of its resources.", code="venue_xor_resource"
                ),
            )
        self._clean_period()
        return self.cleaned_data


class BookingAdminForm(ZonedPeriodMixin, forms.ModelForm):
    """Adds and changes a booking by calling the booking services while validating.

    The admin validates and saves in one transaction (changeform_view is atomic). Writing
    here lets PostgreSQL's exclusion constraint decide a conflict, even against a booking
    committed a moment ago, and shows it as a form error; save() writes nothing more.
    """

    actor = None  # BookingAdmin.get_form sets the request's user.
    MOVE_FIELDS = ("resource", "party_size", "period")

    party_size = forms.IntegerField(min_value=1, initial=1)
    period = LocalPeriodField(help_text=PERIOD_HELP)
    status = forms.ChoiceField()

    class Meta:
        model = Booking
        fields = ["resource", "customer", "party_size", "period", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "period" in self.fields:
            self._show_period()
        if "status" in self.fields:
            self.fields["status"].choices = status_choices(self.instance)

    def venue(self) -> Venue | None:
        resource = getattr(self, "cleaned_data", {}).get("resource")
        resource = resource or getattr(self.instance, "resource", None)
        return getattr(resource, "venue", None)

    def clean(self):
        super().clean()
        if "period" in self.fields:
            self._clean_period()
        return self.cleaned_data

    def _post_clean(self):
        # Instead of model validation: the services check the rules and write.
        if self._errors:
            return
        try:
            self.instance = self._write()
        except BookingError as error:
            self.add_error(error.field if error.field in self.fields else None, error)

    def _write(self) -> Booking:
        data, booking = self.cleaned_data, self.instance
        if booking.pk is None:
            create = (
                services.booking_hold
                if data["status"] == BookingStatus.HELD
                else services.booking_book
            )
            return create(
                resource=data["resource"],
                customer=data["customer"],
                party_size=data["party_size"],
                starts_at=data["period"].lower,
                ends_at=data["period"].upper,
                actor=self.actor,
            )
        moved = any(name in self.changed_data for name in self.MOVE_FIELDS)
        status = data.get("status", booking.status)
        if moved and status == BookingStatus.CANCELLED:
            raise BookingError(
                "Cancel the booking or move it, not both at once.",
                code="cancel_and_move",
                field="status",
            )
        # A move and a confirmation succeed or fail together. A confirmation alone is not
        # wrapped: booking_confirm keeps an expired hold marked expired when it refuses.
        both = moved and status != booking.status
        with transaction.atomic() if both else contextlib.nullcontext():
            if moved:
                period = data.get("period", booking.period)
                booking = services.booking_reschedule(
                    booking=booking,
                    starts_at=period.lower,
                    ends_at=period.upper,
                    resource=data.get("resource"),
                    party_size=data.get("party_size"),
                    actor=self.actor,
                )
            if status == BookingStatus.CONFIRMED and booking.status == BookingStatus.HELD:
                booking = services.booking_confirm(booking=booking, actor=self.actor)
            elif status == BookingStatus.CANCELLED and booking.is_active:
                booking = services.booking_cancel(booking=booking, actor=self.actor)
        return booking

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        """Nothing to do: bookings have no many-to-many fields."""


def status_choices(booking: Booking) -> list[tuple[str, str]]:
    """The statuses staff may choose: a new booking is confirmed or held; a held one may be
    confirmed or cancelled; a confirmed one cancelled."""
    status = BookingStatus
    if booking.pk is None:
        return [
            (status.CONFIRMED, "Confirmed"),
            (status.HELD, f"Held ({settings.RANGEBOOK_HOLD_MINUTES} minutes, unless confirmed)"),
        ]
    allowed = {
        status.HELD: [status.HELD, status.CONFIRMED, status.CANCELLED],
        status.CONFIRMED: [status.CONFIRMED, status.CANCELLED],
    }
    values = allowed.get(booking.status, [booking.status])
    return [(value, status(value).label) for value in values]
