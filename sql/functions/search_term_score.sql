-- search_term_score(document, query): the score the ranked page orders by: rum_ts_score
-- where the rum extension is installed, else ts_rank_cd. PostgreSQL >= 14.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'rum') THEN
        CREATE OR REPLACE FUNCTION search_term_score(tsvector, tsquery) RETURNS real
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT rum_ts_score($1, $2)';
    ELSE
        CREATE OR REPLACE FUNCTION search_term_score(tsvector, tsquery) RETURNS real
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT ts_rank_cd($1, $2)';
    END IF;
END
$$;
