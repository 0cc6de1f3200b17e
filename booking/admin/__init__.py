"""The staff admin. Periods are shown and entered in the venue's time zone; bookings are
written only through booking.services (see BookingAdminForm and the calendar's moves).

catalogue: venues, resources and their rules; bookings: bookings; calendar_views: the
booking calendar and moves; history and events: readable audit trails; filters: list
filters in venue-local dates.
"""

from django.contrib import admin

from booking.admin import bookings, catalogue  # noqa: F401  (they register the admins)

admin.site.site_header = "rangebook"
admin.site.site_title = "rangebook admin"
admin.site.index_title = "Venues, resources and bookings"
