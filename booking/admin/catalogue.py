"""Venues, categories, amenities, resources (with their hours, rates and closures),
closures and rates: each venue's and resource's calendar is one click away."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from booking.admin.calendar_views import CalendarAdminMixin
from booking.admin.common import VenueTimeMixin, date_span_text
from booking.admin.filters import ClosureVenueFilter, ClosureWhenFilter
from booking.admin.history import resource_trail
from booking.forms import (
    ClosureForm,
    OpeningHoursForm,
    RateForm,
    ResourceForm,
    SpecialHoursForm,
    VenueForm,
)
from booking.localtime import local_period_text
from booking.models import (
    Amenity,
    Category,
    Closure,
    OpeningHours,
    Rate,
    Resource,
    SpecialHours,
    Venue,
)


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
