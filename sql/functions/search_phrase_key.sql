-- search_phrase_key(): how a search compares phrases typed with the catalogue's names (a
-- city, a venue, a synonym): lower case, unaccented, every run of other characters than
-- letters and digits one space, trimmed. `Zürich-West` and `zurich west` are equal.
-- IMMUTABLE (search_unaccent names its dictionary), so expression indexes can use it.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_phrase_key(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT btrim(regexp_replace(lower(search_unaccent(p_text)), '[^[:alnum:]]+', ' ', 'g')) $$;
