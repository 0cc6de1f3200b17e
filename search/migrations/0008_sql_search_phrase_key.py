# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.

from django.db import migrations

from config.sqlfunctions import InstallSQL

SEARCH_PHRASE_KEY = r'''-- search_phrase_key(): how a search compares phrases typed with the catalogue's names (a
-- city, a venue, a synonym): lower case, unaccented, every run of other characters than
-- letters and digits one space, trimmed. `Zürich-West` and `zurich west` are equal.
-- IMMUTABLE (search_unaccent names its dictionary), so expression indexes can use it.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_phrase_key(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT btrim(regexp_replace(lower(search_unaccent(p_text)), '[^[:alnum:]]+', ' ', 'g')) $$;
'''


class Migration(migrations.Migration):
    dependencies = [('search', '0007_sql_functions')]

    operations = [
        InstallSQL('search_phrase_key', SEARCH_PHRASE_KEY,
                   sha='f812c79f2164ef9b2867df16feec8845dc2c772f', reverse='drop'),
    ]
