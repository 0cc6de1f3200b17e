"""Admin widgets that show one range value as two inputs (its start and its end).

Each widget's `decompress` turns the value the form gives it (a pair of Python values, or
a psycopg Range whose bounds are already in display form) into the list of input values.
"""

from django import forms
from django.contrib.admin import widgets as admin_widgets

CSS = {"all": ["booking/admin.css"]}


class SpanWidget(forms.MultiWidget):
    """Inputs in a row (or stacked), each with a short label in front, and an optional suffix."""

    template_name = "booking/widgets/span.html"

    def __init__(self, widgets, *, labels=("from", "to"), suffix="", stacked=False, attrs=None):
        self.labels, self.suffix, self.stacked = labels, suffix, stacked
        super().__init__(widgets, attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        subwidgets = context["widget"]["subwidgets"]
        context["widget"].update(
            parts=list(zip(self.labels, subwidgets, strict=True)),
            suffix=self.suffix,
            stacked=self.stacked,
        )
        return context

    def decompress(self, value):
        if value is None:
            return [None] * len(self.widgets)
        if isinstance(value, list | tuple):
            return list(value)
        return [value.lower, value.upper, None][: len(self.widgets)]

    class Media:
        css = CSS


class SplitDateTimeWidget(admin_widgets.AdminSplitDateTime):
    """The admin's date and time inputs (with their calendar and clock) on one line."""

    template_name = "booking/widgets/split_datetime.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[1].format = "%H:%M"


class LocalPeriodWidget(SpanWidget):
    """Start and end of a period, each as a date and a wall-clock time, and (hidden) the
    name of the time zone they are shown in."""

    def __init__(self, attrs=None):
        widgets = [SplitDateTimeWidget(), SplitDateTimeWidget(), forms.HiddenInput()]
        super().__init__(widgets, labels=("Start", "End", ""), stacked=True, attrs=attrs)


class DateSpanWidget(SpanWidget):
    """First and last day of a date range, one above the other; an empty one reads
    "unbounded" (no limit on that side)."""

    def __init__(self, attrs=None):
        widgets = [
            admin_widgets.AdminDateWidget(attrs={"placeholder": "unbounded"}),
            admin_widgets.AdminDateWidget(attrs={"placeholder": "unbounded"}),
        ]
        super().__init__(
            widgets, labels=("from", "to"), suffix="(incl.)", stacked=True, attrs=attrs
        )


class HoursWidget(SpanWidget):
    """Opening and closing wall-clock time as "HH:MM" text (24:00 is allowed for closing)."""

    def __init__(self, attrs=None, *, placeholders=("09:00", "17:00")):
        widgets = [
            forms.TextInput(attrs={"size": 5, "placeholder": text, "class": "rb-hhmm"})
            for text in placeholders
        ]
        super().__init__(widgets, labels=("", "–"), attrs=attrs)


class CapacityWidget(SpanWidget):
    """Smallest and largest party size, both included."""

    def __init__(self, attrs=None):
        widgets = [
            forms.NumberInput(attrs={"min": 1, "class": "rb-number"}),
            forms.NumberInput(attrs={"min": 1, "class": "rb-number"}),
        ]
        super().__init__(widgets, labels=("from", "to"), suffix="people", attrs=attrs)
