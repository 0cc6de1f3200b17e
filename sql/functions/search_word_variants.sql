-- A word and the words one deletion makes of it (its deletion neighbourhood): two words
-- one edit apart share a variant, whatever the edit (a deletion, an insertion, a
-- substitution or a swap of neighbouring letters), so the GIN index on it finds a typo's
-- corrections with a few exact look-ups (the "symmetric delete" of SymSpell).
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_word_variants(p_word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT array_agg(DISTINCT v)
    FROM (SELECT p_word AS v
          UNION ALL
          SELECT overlay(p_word PLACING '' FROM i FOR 1)
          FROM generate_series(1, length(p_word)) AS i) AS s
$$;
