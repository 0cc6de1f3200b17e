-- Undoes 0001_search.sql (the tables themselves go with the migration's models).
DROP INDEX IF EXISTS search_document_rum;
DROP INDEX IF EXISTS search_document_gin;
DROP INDEX IF EXISTS search_vocab_trgm;
DROP FUNCTION IF EXISTS search_document_refresh(bigint[]);
DROP FUNCTION IF EXISTS search_words(text);
DROP FUNCTION IF EXISTS search_unaccent(text);
DROP TEXT SEARCH CONFIGURATION IF EXISTS search_english;
