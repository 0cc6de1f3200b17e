-- Rewrite every document row into the narrow form; how many rows it rewrote.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_documents_narrow() RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    rewritten bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'rum') THEN
        RETURN 0;
    END IF;
    UPDATE search_resourcedocument SET toast_seed = repeat('.', 2100);
    GET DIAGNOSTICS rewritten = ROW_COUNT;
    UPDATE search_resourcedocument SET toast_seed = NULL WHERE toast_seed IS NOT NULL;
    RETURN rewritten;
END
$$;
