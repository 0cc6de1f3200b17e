from django.core.management.base import BaseCommand

from booking.services import booking_expire_stale_holds


class Command(BaseCommand):
    help = "Mark every hold whose expiry has passed as expired (run it periodically)."

    def handle(self, *args, **options):
        count = booking_expire_stale_holds()
        self.stdout.write(f"{count} stale hold(s) marked expired.")
