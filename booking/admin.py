"""The staff admin. Periods are shown and entered in the venue's time zone; bookings are
written only through booking.services (see BookingAdminForm)."""

import contextlib
import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Case, Count, F, Value, When
from django.db.models.functions import Now
from django.forms.models import BaseInlineFormSet
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from booking import services
from booking.admin_calendar import BookingMoveMixin, CalendarAdminMixin, calendar_url
from booking.admin_filters import BookingStartFilter, ClosureVenueFilter, ClosureWhenFilter
from booking.admin_history import resource_trail
from booking.audit import booking_audit_trail
from booking.errors import BookingError
from booking.forms import (
    BookingAdminForm,
    ClosureForm,
    OpeningHoursForm,
    RateForm,
    ResourceForm,
    SpecialHoursForm,
    VenueForm,
    period_label,
    venue_zone,
)
from booking.localtime import local_period_text
from booking.models import (
    Amenity,
    Booking,
    Category,
    Closure,
    OpeningHours,
    Rate,
    Resource,
    SpecialHours,
    Venue,
)

MEDIA_CSS = {"all": ["booking/admin.css"]}

admin.site.site_header = "rangebook"
admin.site.site_title = "rangebook admin"
admin.site.index_title = "Venues, resources and bookings"


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


# --- venues and the catalogue ----------------------------------------------------------


class ClosureInlineFormSet(BaseInlineFormSet):
    """Gives each closure form its venue or resource object, so that its period is shown in
    that venue's zone from the start, on the blank form "Add another" copies too."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        setattr(form.instance, self.fk.name, self.instance)
        form._show_period()


class VenueClosureInline(admin.TabularInline):
    model = Closure
    form = ClosureForm
    formset = ClosureInlineFormSet
    fk_name = "venue"
    fields = ["period", "reason"]
    extra = 0
    verbose_name_plural = "closures of the whole venue"

    def get_queryset(self, request):
        # Each form shows its period in its venue's zone.
        return super().get_queryset(request).select_related("venue", "resource__venue")


@admin.register(Venue)
class VenueAdmin(CalendarAdminMixin, VenueTimeMixin, admin.ModelAdmin):
    form = VenueForm
    change_form_template = "admin/booking/calendar_change_form.html"
    calendar_default_view = "day"
    list_display = ["name", "city", "country", "timezone", "resource_count", "calendar_link"]
    list_filter = ["country", "city", "timezone"]
    search_fields = ["name", "slug", "city", "address"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VenueClosureInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_count=Count("resources"))

    def venue_zone(self, form, obj):
        return obj.zone if obj else None

    def calendar_subject(self, venue):
        return venue, list(venue.resources.select_related("venue").order_by("name"))

    @admin.display(description="resources", ordering="resource_count")
    def resource_count(self, venue):
        return venue.resource_count


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    list_filter = [("resources__venue", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Amenity)
class AmenityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    list_filter = [("resources__category", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    form = OpeningHoursForm
    extra = 0


class SpecialHoursInline(admin.TabularInline):
    model = SpecialHours
    form = SpecialHoursForm
    extra = 0


class RateInline(admin.TabularInline):
    model = Rate
    form = RateForm
    extra = 0


class ResourceClosureInline(VenueClosureInline):
    fk_name = "resource"
    verbose_name_plural = "closures of this resource"


@admin.register(Resource)
class ResourceAdmin(CalendarAdminMixin, VenueTimeMixin, admin.ModelAdmin):
    form = ResourceForm
    change_form_template = "admin/booking/calendar_change_form.html"
    object_history_template = "admin/booking/resource/object_history.html"
    list_display = ["name", "venue", "category", "party_sizes", "is_active", "calendar_link"]
    list_filter = ["is_active", "category", "venue", "venue__city", "amenities"]
    list_select_related = ["venue", "category"]
    search_fields = ["name", "slug", "venue__name", "venue__city"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["amenities"]
    autocomplete_fields = ["venue"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OpeningHoursInline, SpecialHoursInline, RateInline, ResourceClosureInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "venue",
                    "category",
                    "name",
                    "slug",
                    "description",
                    "amenities",
                    "capacity",
                    "is_active",
                ]
            },
        ),
        (
            "Booking rules",
            {
                "fields": [
                    "turnaround",
                    "min_notice",
                    "horizon",
                    "min_length",
                    "max_length",
                    "slot_step",
                ],
                "description": "Durations as HH:MM:SS, or DD HH:MM:SS for days.",
            },
        ),
        ("Kept by the database", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        # Until saved, the timestamps are database defaults with nothing to show.
        return self.fieldsets if obj else self.fieldsets[:-1]

    def venue_zone(self, form, obj):
        return obj.venue.zone if obj else None

    def calendar_subject(self, resource):
        return resource.venue, [resource]

    def history_view(self, request, object_id, extra_context=None):
        # One history: what the triggers recorded, whoever made the change.
        resource = self.get_object(request, unquote(object_id))
        extra = {"media": self.media}
        if resource is not None and self.has_view_or_change_permission(request, resource):
            extra["audit_trail"] = resource_trail(resource=resource)
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    @admin.display(description="party sizes", ordering="capacity")
    def party_sizes(self, resource):
        return f"{resource.capacity.lower}–{resource.capacity.upper - 1}"


@admin.register(Closure)
class ClosureAdmin(VenueTimeMixin, admin.ModelAdmin):
    form = ClosureForm
    list_display = ["__str__", "where", "local_period"]
    list_filter = [ClosureWhenFilter, ClosureVenueFilter]
    list_select_related = ["venue", "resource__venue"]
    search_fields = ["reason", "venue__name", "resource__name", "resource__venue__name"]
    autocomplete_fields = ["venue", "resource"]
    fields = ["venue", "resource", "period", "reason"]

    @admin.display(description="closed")
    def where(self, closure):
        return f"all of {closure.venue}" if closure.venue else str(closure.resource)

    @admin.display(description="period (venue time)", ordering="period")
    def local_period(self, closure):
        venue = closure.venue or closure.resource.venue
        return local_period_text(closure.period, venue.zone)


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    form = RateForm
    list_display = ["resource", "valid", "price_per_hour", "currency"]
    list_filter = ["currency", "resource__venue", "resource__category"]
    list_select_related = ["resource__venue"]
    search_fields = ["resource__name", "resource__venue__name"]
    autocomplete_fields = ["resource"]

    @admin.display(description="valid", ordering="valid_during")
    def valid(self, rate):
        return date_span_text(rate.valid_during)


# --- bookings --------------------------------------------------------------------------


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
