"""Bookings in the admin: written only through booking.services (see BookingAdminForm and
the calendar's move view), never deleted, with the audit trail as their history."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Case, F, Value, When
from django.db.models.functions import Now
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils.html import format_html

from booking import services
from booking.admin.calendar_views import BookingMoveMixin, calendar_url
from booking.admin.common import MEDIA_CSS, VenueTimeMixin
from booking.admin.filters import BookingStartFilter
from booking.audit import booking_audit_trail
from booking.errors import BookingError
from booking.forms import BookingAdminForm, period_label, venue_zone
from booking.localtime import local_period_text
from booking.models import Booking, Resource


@admin.register(Booking)
class BookingAdmin(BookingMoveMixin, VenueTimeMixin, admin.ModelAdmin):
    """Bookings are added, moved, confirmed and cancelled through the services, and never
    deleted (a trigger forbids it); their change page shows the audit trail."""

    form = BookingAdminForm
    change_form_template = "admin/booking/booking/change_form.html"
    object_history_template = "admin/booking/booking/object_history.html"
    list_display = [
        "reference", "resource_at_venue", "customer", "local_period_lines", "party_size", "status"
    ]
    list_filter = ["status", BookingStartFilter, "resource__venue", "resource__category"]
    list_select_related = ["resource__venue", "customer"]
    search_fields = ["reference", "customer__username", "customer__email", "resource__name"]
    autocomplete_fields = ["resource", "customer"]
    # Current and upcoming bookings first, the nearest first; then past ones, the latest
    # first. (Sorted furthest-future first, the bookings of today were pages away.)
    ordering = [
        Case(When(period__endswith__gt=Now(), then=Value(0)), default=Value(1)).asc(),
        Case(When(period__endswith__gt=Now(), then=F("period__startswith"))).asc(),
        F("period__startswith").desc(),
    ]
    # Counting every booking on each page view is the slow part with millions of rows.
    show_full_result_count = False
    actions = ["cancel_selected"]
    readonly_fields = [
        "reference",
        "customer",
        "local_period",
        "local_blocked",
        "hold_expires_at",
        "created_at",
        "updated_at",
    ]

    class Media:
        css = MEDIA_CSS
        js = ["booking/booking_zone.js"]

    def get_urls(self):
        # The venue zone of a resource chosen in the form: the period's label and the zone
        # its inputs are read in follow the choice at once, not after a save attempt.
        zone = path("resource-zone/<int:resource_id>/",
                    self.admin_site.admin_view(self.resource_zone),
                    name="booking_booking_resource_zone")
        return [zone, *super().get_urls()]

    def resource_zone(self, request, resource_id: int):
        if not self.has_view_or_change_permission(request) and not self.has_add_permission(request):
            raise Http404
        resource = Resource.objects.select_related("venue").filter(pk=resource_id).first()
        if resource is None:
            raise Http404
        zone = venue_zone(resource.venue)
        return JsonResponse({"zone": zone.key if zone else None,
                             "label": f"{period_label(zone)}:"})

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["resource", "customer", "party_size", "period", "status"]})]
        period = "period" if obj.is_active else "local_period"
        return [
            (
                None,
                {"fields": ["reference", "status", "resource", "customer", "party_size", period]},
            ),
            (
                "Kept by the database",
                {
                    "fields": ["local_blocked", "hold_expires_at", "created_at", "updated_at"],
                    "description": f"Times in {obj.resource.venue.timezone}.",
                },
            ),
        ]

    # A hold past its expiry no longer blocks anything; the worker marks it expired within
    # seconds, and these pages mark the stragglers first (one UPDATE of the stale holds,
    # by index), so the list, its filters and the change page never call one held.
    def changelist_view(self, request, extra_context=None):
        services.booking_expire_stale_holds()
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET":  # a POST goes to the services, which say it lapsed
            services.booking_expire_stale_holds()
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_change_permission(self, request, obj=None):
        # Cancelled and expired bookings are final: their page is view-only.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_active)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The form's validation already wrote the booking through a service."""

    def history_view(self, request, object_id, extra_context=None):
        # One history: the audit trail, which has every change whoever made it, not only
        # the admin's own log (empty for bookings made through the API).
        booking = self.get_object(request, unquote(object_id))
        extra = {"media": self.media}
        if booking is not None and self.has_view_or_change_permission(request, booking):
            extra["audit_trail"] = booking_audit_trail(booking=booking)
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["audit_trail"] = booking_audit_trail(booking=obj)
            day = obj.period.lower.astimezone(obj.resource.venue.zone).date()
            context["calendar_url"] = calendar_url(obj.resource, day=day)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="period (venue time)", ordering="period")
    def local_period(self, booking):
        return local_period_text(booking.period, booking.resource.venue.zone)

    @admin.display(description="period (venue time)", ordering="period")
    def local_period_lines(self, booking):
        # `Sun 06 Dec 2026` (15 characters), then the times: two short lines at 1400 px.
        text = local_period_text(booking.period, booking.resource.venue.zone)
        return format_html("{}<br>{}", text[:15], text[16:])

    @admin.display(description="resource", ordering="resource__name")
    def resource_at_venue(self, booking):
        # Two lines, so that the period keeps its one line at 1400 px.
        return format_html('{}<br><span class="rb-quiet">{}</span>',
                           booking.resource.name, booking.resource.venue.name)

    @admin.display(description="blocked (period and turnaround)")
    def local_blocked(self, booking):
        return local_period_text(booking.blocked, booking.resource.venue.zone)

    @admin.action(description="Cancel selected bookings", permissions=["change"])
    def cancel_selected(self, request, queryset):
        cancelled, refused = 0, []
        for booking in queryset.select_related("resource__venue"):
            try:
                services.booking_cancel(booking=booking, actor=request.user)
            except BookingError as error:
                refused.append(error.message)
            else:
                cancelled += 1
                self.log_change(request, booking, "Cancelled.")
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} booking(s).", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
