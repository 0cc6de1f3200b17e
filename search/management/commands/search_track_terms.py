"""`manage.py search_track_terms`: choose the tracked terms again and count them from scratch.

The document triggers keep the tracked terms' counts and postings exact on every write,
but which queries are frequent enough to track is chosen only here (and by the migration,
`generate_catalogue` and `search_use_rum`). Run it when the catalogue's vocabulary has
shifted, e.g. nightly: writers wait while it counts (on our 2-core machine: 3 min for
100k resources, 26 min for 1M).
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from search.management.commands.generate_catalogue import (
    TRACK_DOCUMENTS,
    TRACK_POSTINGS,
    TRACK_SHARE,
)


class Command(BaseCommand):
    help = "Choose and count the tracked search terms again (search/README.md)."

    def add_arguments(self, parser):
        parser.add_argument("--share", type=float, default=TRACK_SHARE,
                            help="share of the active documents a term must match")
        parser.add_argument("--documents", type=int, default=TRACK_DOCUMENTS,
                            help="documents a term must match at least")
        parser.add_argument("--postings", type=int, default=TRACK_POSTINGS,
                            help="best matches kept per term (up to twice as many with ties)")

    def handle(self, *args, share, documents, postings, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT search_terms_track(%s, %s, %s)",
                           [share, documents, postings])
            tracked = cursor.fetchone()[0]
            cursor.execute("SELECT shape, count(*) FROM search_term GROUP BY shape"
                           " ORDER BY shape")
            shapes = ", ".join(f"{n} {shape}" for shape, n in cursor.fetchall())
        self.stdout.write(f"{tracked} terms tracked{f' ({shapes})' if shapes else ''}.")
