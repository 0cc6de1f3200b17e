-- The lexeme of one word in search_english, NULL for a stop word or a word that makes
-- several.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_lexeme(p_word text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN cardinality(a) = 1 THEN a[1] END
    FROM tsvector_to_array(to_tsvector('search_english', p_word)) AS a
$$;
