"""Query vocabulary of the booking domain. Reads only: no writes, no side effects."""

from django.db import models


class ResourceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_party(self, size: int):
        # `@>` on int4range: the party size lies within the capacity range.
        return self.filter(capacity__contains=size)


class BookingQuerySet(models.QuerySet):
    def active(self):
        """Bookings that block their resource: held or confirmed (expired holds included
        until something marks them expired; see `stale_holds`)."""
        return self.filter(status__in=["held", "confirmed"])

    def for_resource(self, resource):
        return self.filter(resource=resource)

    def overlapping(self, period):
        # `&&` on blocked periods; bounds are [) so back-to-back bookings don't overlap.
        return self.filter(blocked__overlap=period)

    def stale_holds(self, *, now):
        """Holds whose expiry has passed: they no longer block anything."""
        return self.filter(status="held", hold_expires_at__lte=now)

    def of_customer(self, user):
        return self.filter(customer=user)

    def visible_to(self, user):
        """Staff see every booking, customers their own, anonymous callers none."""
        if user.is_staff:
            return self
        if user.is_authenticated:
            return self.filter(customer=user)
        return self.none()
