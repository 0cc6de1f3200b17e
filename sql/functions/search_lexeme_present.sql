-- Whether a document has p_lexeme (the selector leaves out of a word's alternatives the
-- lexemes none has). Through the full-text index, never a scan of the documents.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_lexeme_present(p_lexeme text) RETURNS boolean
LANGUAGE sql STABLE
SET enable_seqscan = off
AS $$
    SELECT p_lexeme IS NOT NULL AND EXISTS (
        SELECT FROM search_resourcedocument d
        WHERE d.document @@ CAST(quote_literal(p_lexeme) AS tsquery))
$$;
