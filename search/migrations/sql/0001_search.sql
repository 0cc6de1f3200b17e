-- Full-text search of the catalogue: the `search_english` text-search configuration
-- (English stemming over unaccented words), search_unaccent(), the document refresh that
-- the triggers call, the full-text index (RUM when the extension is available, else GIN),
-- the vocabulary's trigram index, and the documents of the resources that exist already.
-- PostgreSQL >= 14. Needs the unaccent and pg_trgm extensions (created by the migration
-- before this file); uses rum (postgresql-<major>-rum) when it can be created.
-- Read by search/migrations/0001_initial.py; never edit: add a new file instead.

CREATE TEXT SEARCH CONFIGURATION search_english (COPY = pg_catalog.english);
-- asciiword and friends are plain ASCII already; only words with other letters need it.
ALTER TEXT SEARCH CONFIGURATION search_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

-- unaccent() is only STABLE (its dictionary is looked up by search_path); with the
-- dictionary named, it is safe to declare IMMUTABLE, so it may appear in indexes.
CREATE OR REPLACE FUNCTION search_unaccent(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, p_text) $$;

-- The words a text is made of, as the vocabulary keeps them: lower case, unaccented,
-- letters only, at least three of them.
CREATE OR REPLACE FUNCTION search_words(p_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT coalesce(array_agg(w ORDER BY w), '{}')
    FROM unnest(tsvector_to_array(to_tsvector('simple', search_unaccent(p_text)))) AS w
    WHERE w ~ '^[[:alpha:]]{3,}$'
$$;

-- Rebuild the documents of `p_resource_ids` from the booking tables (deleting those of
-- resources that no longer exist) and move the vocabulary's counts by the difference.
--
-- Locks first, then reads with a new snapshot: a writer of a venue, category or amenity
-- and a writer of one of these documents wait for each other, so the last one to commit
-- builds the document from everything committed before it.
CREATE OR REPLACE FUNCTION search_document_refresh(p_resource_ids bigint[]) RETURNS void
LANGUAGE plpgsql
AS $$
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
             document, words)
        SELECT id, category_id, venue_id, city, amenity_ids, capacity, is_active, document,
               words
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
END
$$;

-- The document is read whole only for the returned page; keep it out of the heap so that
-- scans for facets and counts read narrow rows.
ALTER TABLE search_resourcedocument ALTER COLUMN document SET STORAGE EXTERNAL;
ALTER TABLE search_resourcedocument ALTER COLUMN words SET STORAGE EXTERNAL;
ALTER TABLE search_resourcedocument SET (toast_tuple_target = 128);

-- RUM keeps lexeme positions in the index, so `ORDER BY document <=> query LIMIT k`
-- comes ranked from the index instead of ranking every match. Without it: GIN.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'rum') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS rum;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'rum is available but this role may not create it: using GIN';
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'rum') THEN
        CREATE INDEX search_document_rum ON search_resourcedocument
            USING rum (document rum_tsvector_ops);
    ELSE
        CREATE INDEX search_document_gin ON search_resourcedocument USING gin (document);
    END IF;
END
$$;

-- Nearest words by trigram distance (`<->` ordering needs GiST, not GIN).
CREATE INDEX search_vocab_trgm ON search_vocabularyword USING gist (word gist_trgm_ops);

SELECT search_document_refresh(ARRAY(SELECT id FROM booking_resource ORDER BY id));
