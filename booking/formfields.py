"""Form fields that edit one PostgreSQL range as two inputs a person understands.

Ranges are stored `[)`; people think in inclusive ends ("parties of 2 to 8", "until
31 March"), except for clock times, where 17:00 closing already means "up to 17:00".
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.backends.postgresql.psycopg_any import DateRange, NumericRange

from booking.models import MINUTES_PER_DAY, hhmm
from booking.widgets import (
    CapacityWidget,
    DateSpanWidget,
    HoursWidget,
    LocalPeriodWidget,
    SplitDateTimeWidget,
)

ONE_DAY = dt.timedelta(days=1)
HHMM = re.compile(r"(\d{1,2}):(\d{2})")


class NaiveSplitDateTimeField(forms.SplitDateTimeField):
    """A date and a time read as a naive wall-clock time: the form knows the zone."""

    widget = SplitDateTimeWidget

    def compress(self, data_list):
        if not data_list:
            return None
        date, time = data_list
        if date in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(date, time)


class RangeInputsField(forms.MultiValueField):
    """Base: `prepare_value` turns a stored range into the list of input values."""

    def has_changed(self, initial, data):
        return super().has_changed(self.prepare_value(initial), data)


class LocalPeriodField(forms.MultiValueField):
    """Start and end of a period in a venue's wall-clock time.

    Cleans to `(start, end, shown_zone)`: naive datetimes (end None if open-ended) and the
    zone name the inputs were displayed in (carried by a hidden input), so the form can
    turn them into instants once it knows the venue, and notice when that zone changed.
    """

    widget = LocalPeriodWidget

    def __init__(self, *, require_end=True, **kwargs):
        fields = (
            NaiveSplitDateTimeField(error_messages={"required": "Enter the start date and time."}),
            NaiveSplitDateTimeField(
                required=require_end, error_messages={"required": "Enter the end date and time."}
            ),
            forms.CharField(required=False),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        start, end, zone = data_list
        if end is not None and end <= start:
            raise ValidationError("The end must be after the start.", code="invalid_period")
        return start, end, zone or None

    def has_changed(self, initial, data):
        # The hidden zone name is bookkeeping, not a change of the period.
        initial = initial if initial is not None else [None, None, None]
        return super().has_changed(list(initial)[:2], list(data)[:2])


class DateSpanField(RangeInputsField):
    """A date range as first and last day (both optional): `[first, last + 1 day)`."""

    widget = DateSpanWidget

    def __init__(self, **kwargs):
        fields = (forms.DateField(required=False), forms.DateField(required=False))
        kwargs.setdefault(
            "help_text", "First and last day, both included; leave one empty for no limit."
        )
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list):
        first, last = data_list or (None, None)
        if first and last and last < first:
            raise ValidationError(
                "The last day must not be before the first.", code="invalid_dates"
            )
        return DateRange(first, last + ONE_DAY if last else None, "[)")

    def prepare_value(self, value):
        if isinstance(value, DateRange):
            # Stored `[)`: the last day included is the day before the upper bound.
            return [value.lower, value.upper - ONE_DAY if value.upper else None]
        return value


class HoursField(RangeInputsField):
    """Opening and closing time as "HH:MM" (closing may be 24:00): minutes after midnight.

    Not required means both empty is allowed and cleans to None ("closed all day").
    """

    widget = HoursWidget

    def __init__(self, **kwargs):
        fields = (forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        opens, closes = data_list or ("", "")
        if not opens and not closes:
            return None
        if not opens or not closes:
            raise ValidationError(
                "Enter both the opening and the closing time.", code="incomplete_hours"
            )
        start, end = _minutes(opens), _minutes(closes)
        if start == MINUTES_PER_DAY:
            raise ValidationError("24:00 can only be a closing time.", code="invalid_time")
        if end <= start:
            raise ValidationError(
                "Closing must be after opening; for hours past midnight, close at 24:00 and "
                "add hours from 00:00 on the next day.",
                code="invalid_hours",
            )
        return NumericRange(start, end, "[)")

    def prepare_value(self, value):
        if isinstance(value, NumericRange):
            return [hhmm(value.lower), hhmm(value.upper)]
        return value


class CapacityField(RangeInputsField):
    """Smallest and largest party size, both included: parties of 2 to 8 = `[2, 9)`."""

    widget = CapacityWidget

    def __init__(self, **kwargs):
        fields = (forms.IntegerField(min_value=1), forms.IntegerField(min_value=1))
        kwargs.setdefault("label", "Party sizes")
        super().__init__(fields, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        smallest, largest = data_list
        if largest < smallest:
            raise ValidationError(
                "The largest party must not be smaller than the smallest.", code="invalid_capacity"
            )
        return NumericRange(smallest, largest + 1, "[)")

    def prepare_value(self, value):
        if isinstance(value, NumericRange):
            return [value.lower, value.upper - 1]
        return value


def _minutes(text: str) -> int:
    """Minutes after midnight of "HH:MM" (00:00 to 24:00)."""
    match = HHMM.fullmatch(text.strip())
    hours, minutes = (int(part) for part in match.groups()) if match else (-1, -1)
    if not (0 <= hours <= 23 and 0 <= minutes <= 59) and (hours, minutes) != (24, 0):
        raise ValidationError(
            "Enter a time as HH:MM, from 00:00 to 24:00, e.g. 09:30.",
            code="invalid_time",
            params={"value": text},
        )
    return hours * 60 + minutes
