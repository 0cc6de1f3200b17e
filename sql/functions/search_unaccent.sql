-- unaccent() is only STABLE (its dictionary is looked up by search_path); with the
-- dictionary named, it is safe to declare IMMUTABLE, so it may appear in indexes.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_unaccent(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, p_text) $$;
