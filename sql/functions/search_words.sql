-- The words a text is made of, as the vocabulary keeps them: lower case, unaccented,
-- letters only, at least three of them.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_words(p_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT coalesce(array_agg(w ORDER BY w), '{}')
    FROM unnest(tsvector_to_array(to_tsvector('simple', search_unaccent(p_text)))) AS w
    WHERE w ~ '^[[:alpha:]]{3,}$'
$$;
