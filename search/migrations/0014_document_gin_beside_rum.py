from django.db import migrations

# The documents' GIN index, beside RUM where RUM is there (without RUM it is the only one,
# made by 0001). RUM keeps each match's positions, so it is the index that can rank
# (`ORDER BY document <=> query`); GIN keeps only the matches, so it gives their bitmap for
# counting and filtering at about half the cost: "soundproof" (206,149 of 1M documents)
# 51 -> 24 ms. The planner takes GIN for bitmaps and RUM for ranked pages. Without a
# pending list: documents are written one by one, and a search would read through it.
# CONCURRENTLY: documents go on being written while it builds (38 s over 1M documents).
GIN = """CREATE INDEX CONCURRENTLY IF NOT EXISTS search_document_gin ON search_resourcedocument
         USING gin (document) WITH (fastupdate = off)"""
# Back to one index: GIN goes only where RUM is.
WITHOUT = """DO $$
BEGIN
    IF to_regclass('search_document_rum') IS NOT NULL THEN
        DROP INDEX IF EXISTS search_document_gin;
    END IF;
END
$$"""


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("search", "0013_vocabulary_variants")]

    operations = [migrations.RunSQL(sql=GIN, reverse_sql=WITHOUT)]
