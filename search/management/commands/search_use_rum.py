"""`manage.py search_use_rum`: switch a database migrated without RUM over to it.

The migrations create the RUM index only where the extension could be created at the time.
Once it is installed (search/rum.py), this creates the extension, the RUM index and
search_rum_page(), rewrites the documents into narrow rows and scores the tracked terms'
postings as the RUM page ranks (rum_ts_score). The GIN index stays: it gives the bitmap of
the matches for counting and filtering (search.0014).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from config.sqlfiles import living_files
from search.management.commands.generate_catalogue import (
    TRACK_DOCUMENTS,
    TRACK_POSTINGS,
    TRACK_SHARE,
)


class Command(BaseCommand):
    help = "Use the RUM index for search (after postgresql-<major>-rum was installed)."

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT FROM pg_available_extensions"
                           " WHERE name = 'rum')")
            if not cursor.fetchone()[0]:
                raise CommandError("The server has no rum extension: install "
                                   "postgresql-<major>-rum (python -m search.rum BINDIR).")
            with transaction.atomic():
                cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
                cursor.execute("CREATE INDEX IF NOT EXISTS search_document_rum"
                               " ON search_resourcedocument USING rum (document rum_tsvector_ops)")
                living = living_files()
                cursor.execute(living["search_rum_page"])
                cursor.execute("SELECT search_documents_narrow()")
                rewritten = cursor.fetchone()[0]
                cursor.execute(living["search_term_score"])  # now rum_ts_score
                cursor.execute("SELECT search_terms_track(%s, %s, %s)",
                               [TRACK_SHARE, TRACK_DOCUMENTS, TRACK_POSTINGS])
        self.stdout.write(f"Search uses RUM; {rewritten} documents rewritten.")
