import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import api_token_create


class Command(BaseCommand):
    help = "Create a bearer API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=settings.RANGEBOOK_TOKEN_DAYS,
            help="Days until the token expires; 0: never (default %(default)s).")

    def handle(self, *args, username, name, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
        lifetime = dt.timedelta(days=days) if days else None
        _, secret = api_token_create(user=user, name=name, lifetime=lifetime)
        self.stdout.write(secret)
