"""The booking calendar of the admin: per resource and per venue, by day or ISO week, in the
venue's time zone (booking.calendar decides what goes where), and moving a booking from it.

A move calls booking.services.booking_reschedule, as the booking's change form does, so
PostgreSQL's exclusion constraint decides conflicts and the message is the form's.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from booking import services
from booking.calendar import AXIS_LABELS, VIEWS, calendar_build
from booking.errors import BookingError
from booking.localtime import local_period_text, to_instant, to_local
from booking.models import Booking, Resource


def calendar_url(obj, *, day: dt.date | None = None, view: str | None = None) -> str:
    """The calendar of a resource or venue, on `day` (default: today there)."""
    url = reverse(f"admin:booking_{obj._meta.model_name}_calendar", args=[obj.pk])
    query = {key: value for key, value in (("date", day), ("view", view)) if value}
    return f"{url}?{urlencode(query)}" if query else url


class CalendarAdminMixin:
    """Adds `<id>/calendar/` to a ModelAdmin whose objects are a resource or a venue, a
    "Calendar" button on their change page and a link in their list."""

    calendar_default_view = "week"

    def calendar_subject(self, obj):
        """(venue, resources) drawn for `obj`."""
        raise NotImplementedError

    def get_urls(self):
        name = f"booking_{self.opts.model_name}_calendar"
        view = self.admin_site.admin_view(self.calendar_view)
        return [path("<path:object_id>/calendar/", view, name=name), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["calendar_url"] = calendar_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def calendar_link(self, obj):
        return format_html('<a href="{}">calendar</a>', calendar_url(obj))

    calendar_link.short_description = "calendar"

    def calendar_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        bookings = booking_admin(self)
        # The calendar shows bookings and their customers: it needs both permissions.
        if not (self.has_view_or_change_permission(request, obj)
                and bookings.has_view_or_change_permission(request)):
            raise PermissionDenied
        services.booking_expire_stale_holds()  # no lapsed hold drawn as a hold
        venue, resources = self.calendar_subject(obj)
        view = request.GET.get("view")
        view = view if view in VIEWS else self.calendar_default_view
        today = timezone.now().astimezone(venue.zone).date()
        day = _date(request.GET.get("date")) or today
        calendar = calendar_build(
            venue=venue, resources=resources, day=day, view=view, now=timezone.now()
        )
        step = dt.timedelta(days=VIEWS[view])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"Calendar of {obj}",
            "subtitle": None,
            "calendar": calendar,
            "resource_view": isinstance(obj, Resource),
            "day": day,
            "links": {
                "previous": calendar_url(obj, day=day - step, view=view),
                "today": calendar_url(obj, day=today, view=view),
                "next": calendar_url(obj, day=day + step, view=view),
                "day": calendar_url(obj, day=day, view="day"),
                "week": calendar_url(obj, day=day, view="week"),
            },
            "axis_labels": AXIS_LABELS,
            "here": request.get_full_path(),
            "can_move": bookings.has_change_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/booking/calendar.html", context)


def booking_admin(model_admin):
    return model_admin.admin_site._registry[Booking]


class BookingMoveMixin:
    """`<id>/move/` of the booking admin: the calendar's drag and drop and move form."""

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.move_view))
        return [path("<path:object_id>/move/", view, name="booking_booking_move"),
                *super().get_urls()]

    def move_view(self, request, object_id):
        booking = get_object_or_404(
            Booking.objects.select_related("resource__venue"), pk=unquote(object_id)
        )
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        try:
            resource = _resource(request.POST.get("resource"), booking)
            starts_at = _start(request.POST, resource.venue.zone)
            moved = services.booking_reschedule(
                booking=booking,
                starts_at=starts_at,
                ends_at=starts_at + (booking.period.upper - booking.period.lower),
                resource=resource,
                actor=request.user,
            )
        except (BookingError, PermissionDenied) as error:
            messages.error(request, getattr(error, "message", str(error)))
            return HttpResponseRedirect(self._move_next(request, booking))
        text = local_period_text(moved.period, moved.resource.venue.zone)
        self.log_change(request, moved, f"Moved to {moved.resource.name}, {text}.")
        messages.success(request, f"Moved {moved.reference} to {moved.resource.name}, {text}.")
        return HttpResponseRedirect(self._move_next(request, moved))

    def _move_next(self, request, booking) -> str:
        url = request.POST.get("next", "")
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        day = to_local(booking.period.lower, booking.resource.venue.zone).date()
        return calendar_url(booking.resource, day=day)


def _resource(value, booking: Booking) -> Resource:
    if not value or str(value) == str(booking.resource_id):
        return booking.resource
    resource = Resource.objects.select_related("venue").filter(pk=value).first()
    if resource is None:
        raise BookingError("Choose a resource that exists.", code="invalid_resource")
    return resource


def _start(data, zone) -> dt.datetime:
    """The new start: an instant (`starts_at`, from drag and drop), or a venue-local
    `date` and `time` (the move form) read with PostgreSQL's rule."""
    if data.get("starts_at"):
        instant = parse_datetime(data["starts_at"])
        if instant is None or timezone.is_naive(instant):
            raise BookingError("The new start must be a time with an offset.", code="invalid")
        return instant
    day, time = _date(data.get("date")), _time(data.get("time"))
    if day is None or time is None:
        raise BookingError("Enter the new start date and time.", code="invalid_period")
    return to_instant(dt.datetime.combine(day, time), zone)


def _date(text) -> dt.date | None:
    try:
        return parse_date(text or "")
    except ValueError:  # well formed, but no such date
        return None


def _time(text) -> dt.time | None:
    try:
        return parse_time(text or "")
    except ValueError:
        return None
