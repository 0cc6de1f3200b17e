-- TRUNCATE of the documents (Django's flush) empties the counts and postings; the terms
-- stay tracked.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_term_truncate() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM search_termfacet;
    DELETE FROM search_termposting;
    RETURN NULL;
END
$$;
