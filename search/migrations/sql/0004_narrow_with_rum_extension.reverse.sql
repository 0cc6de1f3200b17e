-- Undoes 0004_narrow_with_rum_extension.sql: the functions as 0002_narrow_documents.sql made
-- them.

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
