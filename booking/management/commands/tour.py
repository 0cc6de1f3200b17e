"""`manage.py tour`: run the README's tour against a running server and print the answers."""

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import ApiToken, api_token_create
from fixtures.tour import Tour, TourFailed

SHOWN = 3  # items of a list printed; the rest are counted


class Command(BaseCommand):
    help = ("Run every example of the README's tour against a running server (make demo), "
            "with today's dates, and print the variables, the answers and a GraphiQL link.")

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/graphql",
                            help="The server's GraphQL address (default %(default)s).")
        parser.add_argument("--customer", default="alice",
                            help="Who books (a token is made for the run, then revoked).")

    def handle(self, *args, url: str, customer: str, **options):
        user = get_user_model().objects.filter(username=customer).first()
        if user is None:
            raise CommandError(f"No user {customer!r}: load the demo data (make demo).")
        token, secret = api_token_create(user=user, name="tour", lifetime=dt.timedelta(hours=1))
        try:
            for number, result in enumerate(Tour(url, secret).run(), start=1):
                self.stdout.write(self.style.MIGRATE_HEADING(f"{number}. {result.step.title}"))
                if result.variables:
                    self.stdout.write(f"variables: {json.dumps(result.variables)}")
                self.stdout.write(json.dumps(shortened(result.data), indent=2, ensure_ascii=False))
                self.stdout.write(f"in GraphiQL: {result.link}\n")
        except TourFailed as failure:
            raise CommandError(f"The tour failed: {failure}") from None
        finally:
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        self.stdout.write(self.style.SUCCESS("Every example answered as the README says."))


def shortened(value):
    """`value` with lists cut to their first SHOWN items and a count of the rest."""
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    if isinstance(value, list):
        rest = len(value) - SHOWN
        more = [f"… {rest} more"] if rest > 0 else []
        return [shortened(item) for item in value[:SHOWN]] + more
    return value
