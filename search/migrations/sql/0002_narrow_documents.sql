-- Keep each document row narrow (about 150 bytes): the tsvector and the word list out of
-- line in TOAST, so that counting facets over 100,000 matches reads 60 rows per heap page
-- instead of 6. PostgreSQL moves values to TOAST only when a new row is over 2 kB
-- (TOAST_TUPLE_THRESHOLD; toast_tuple_target = 128, set by 0001, only sets how far it then
-- shrinks the row), or when the row already holds an out-of-line value. So a new document
-- row is inserted with `toast_seed`, a 2,100-byte filler stored EXTERNAL: the row is
-- toasted down to 128 bytes, document and words included; the refresh then sets the seed
-- to NULL, and as the row keeps out-of-line values, every later update of it is toasted
-- the same way. Rows written by other means (a restore with COPY) stay wide until
-- `SELECT search_documents_narrow()` rewrites them.
--
-- Only with the RUM index: it ranks from the index, so a search reads a document only for
-- the rows of its page. With GIN, ranking reads every matching document, which is faster
-- inline; then rows are written plainly.
-- PostgreSQL >= 14. Read by search/migrations/0002_narrow_documents.py; never edit.

ALTER TABLE search_resourcedocument ALTER COLUMN toast_seed SET STORAGE EXTERNAL;
-- Facet values must stay in the row: with a 128-byte target, TOAST would take them too.
ALTER TABLE search_resourcedocument ALTER COLUMN city SET STORAGE PLAIN;
ALTER TABLE search_resourcedocument ALTER COLUMN amenity_ids SET STORAGE PLAIN;
ALTER TABLE search_resourcedocument ALTER COLUMN capacity SET STORAGE PLAIN;

-- Whether active documents matching p_query number fewer than p_few. Through the index:
-- the planner does not know that reading a document from TOAST costs far more than its
-- heap row, and would scan the narrow heap for a frequent word.
CREATE OR REPLACE FUNCTION search_fewer_matches(p_query tsquery, p_few integer)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off
AS $$
    SELECT count(*) < p_few
    FROM (SELECT FROM search_resourcedocument d
          WHERE d.document @@ p_query AND d.is_active LIMIT p_few) AS found
$$;

CREATE OR REPLACE FUNCTION search_document_refresh(p_resource_ids bigint[]) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    narrow boolean := to_regclass('search_document_rum') IS NOT NULL;
BEGIN
    IF p_resource_ids IS NULL OR cardinality(p_resource_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM booking_venue WHERE id IN (
        SELECT venue_id FROM booking_resource WHERE id = ANY (p_resource_ids))
        ORDER BY id FOR SHARE;
    PERFORM 1 FROM booking_category WHERE id IN (
        SELECT category_id FROM booking_resource WHERE id = ANY (p_resource_ids))
        ORDER BY id FOR SHARE;
    PERFORM 1 FROM booking_amenity WHERE id IN (
        SELECT amenity_id FROM booking_resource_amenities WHERE resource_id = ANY (p_resource_ids))
        ORDER BY id FOR SHARE;
    PERFORM 1 FROM search_resourcedocument WHERE resource_id = ANY (p_resource_ids)
        ORDER BY resource_id FOR UPDATE;

    WITH fresh AS (
        SELECT r.id, r.category_id, r.venue_id, v.city, r.capacity, r.is_active,
               coalesce(am.ids, '{}') AS amenity_ids,
               setweight(to_tsvector('search_english', r.name), 'A')
               || setweight(to_tsvector('search_english',
                                        concat_ws(' ', c.name, am.names, v.name, v.city)), 'B')
               || setweight(to_tsvector('search_english', r.description), 'C') AS document,
               search_words(concat_ws(' ', r.name, c.name, am.names, v.name, v.city,
                                      r.description)) AS words
        FROM booking_resource r
        JOIN booking_venue v ON v.id = r.venue_id
        JOIN booking_category c ON c.id = r.category_id
        LEFT JOIN LATERAL (
            SELECT array_agg(a.id ORDER BY a.id) AS ids,
                   string_agg(a.name, ' ' ORDER BY a.name) AS names
            FROM booking_resource_amenities ra
            JOIN booking_amenity a ON a.id = ra.amenity_id
            WHERE ra.resource_id = r.id
        ) am ON true
        WHERE r.id = ANY (p_resource_ids)
    ),
    old AS (
        SELECT d.resource_id, d.words
        FROM search_resourcedocument d
        WHERE d.resource_id = ANY (p_resource_ids)
    ),
    gone AS (
        DELETE FROM search_resourcedocument d
        WHERE d.resource_id = ANY (p_resource_ids)
          AND NOT EXISTS (SELECT FROM fresh WHERE fresh.id = d.resource_id)
    ),
    saved AS (
        INSERT INTO search_resourcedocument AS d
            (resource_id, category_id, venue_id, city, amenity_ids, capacity, is_active,
             document, words, toast_seed)
        SELECT id, category_id, venue_id, city, amenity_ids, capacity, is_active, document,
               words, CASE WHEN narrow THEN repeat('.', 2100) END
        FROM fresh
        ON CONFLICT (resource_id) DO UPDATE SET
            category_id = excluded.category_id, venue_id = excluded.venue_id,
            city = excluded.city, amenity_ids = excluded.amenity_ids,
            capacity = excluded.capacity, is_active = excluded.is_active,
            document = excluded.document, words = excluded.words
    ),
    delta AS (
        SELECT word, sum(n)::int AS n
        FROM (
            SELECT unnest(words) AS word, 1 AS n FROM fresh
            UNION ALL
            SELECT unnest(words), -1 FROM old
        ) AS change
        GROUP BY word
        HAVING sum(n) <> 0
    )
    -- In word order, so two writers lock shared words in the same order.
    INSERT INTO search_vocabularyword AS v (word, documents)
    SELECT word, n FROM delta ORDER BY word
    ON CONFLICT (word) DO UPDATE SET documents = v.documents + excluded.documents;

    DELETE FROM search_vocabularyword WHERE documents <= 0;

    -- New rows were inserted with a seed over 2 kB, so their document and words went to
    -- TOAST; dropping the seed keeps them there (see the top of this file).
    UPDATE search_resourcedocument SET toast_seed = NULL
    WHERE resource_id = ANY (p_resource_ids) AND toast_seed IS NOT NULL;
END
$$;


-- Rewrite every document row into the narrow form; how many rows it rewrote.
CREATE OR REPLACE FUNCTION search_documents_narrow() RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    rewritten bigint;
BEGIN
    IF to_regclass('search_document_rum') IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE search_resourcedocument SET toast_seed = repeat('.', 2100);
    GET DIAGNOSTICS rewritten = ROW_COUNT;
    UPDATE search_resourcedocument SET toast_seed = NULL WHERE toast_seed IS NOT NULL;
    RETURN rewritten;
END
$$;

SELECT search_documents_narrow();
