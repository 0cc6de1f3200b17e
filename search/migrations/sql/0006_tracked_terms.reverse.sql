-- Undoes 0006_tracked_terms.sql (the migration then runs 0005_lexeme_facets.sql again,
-- which brings back the facet counts per lexeme and its search_document_refresh()).

DROP TRIGGER IF EXISTS search_term_truncate ON search_resourcedocument;
DROP FUNCTION IF EXISTS search_term_truncate();
DROP FUNCTION IF EXISTS search_terms_track(real, integer, integer);
DROP FUNCTION IF EXISTS search_lexeme_present(text);
DROP FUNCTION IF EXISTS search_lexeme(text);
DROP FUNCTION IF EXISTS search_term_score(tsvector, tsquery);
DROP TABLE IF EXISTS search_termposting, search_termfacet, search_termlexeme, search_term;

CREATE OR REPLACE FUNCTION search_fewer_matches(p_query tsquery, p_few integer)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off
AS $$
    SELECT count(*) < p_few
    FROM (SELECT FROM search_resourcedocument d
          WHERE d.document @@ p_query AND d.is_active LIMIT p_few) AS found
$$;
