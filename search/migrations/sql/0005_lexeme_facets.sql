-- Facet counts kept per frequent lexeme, so that a search for one frequent word (the
-- costliest kind: it matches 10 % or more of the catalogue) reads its facets and total
-- instead of counting every match. PostgreSQL >= 14.
-- Read by search/migrations/0005_lexeme_facets.py; never edit: add a new file instead.
--
-- search_lexemefacet(lexeme, kind, value, documents): active documents containing the
-- lexeme, in all (kind 0, value ''), per category id (1), city (2) and amenity id (3).
-- A lexeme is *tracked* when it has its kind-0 row; only tracked lexemes are counted.
-- search_facets_track() chooses them (the frequent ones) and counts them from scratch;
-- from then on search_document_refresh() moves their counts in the same statement that
-- writes the documents, so they are exact in every transaction. Untracked lexemes cost
-- nothing to writers and are counted by the search itself.
--
-- Writers of documents sharing a tracked lexeme wait for each other on its counters, as
-- they already do on the vocabulary's word counts.

CREATE TABLE search_lexemefacet (
    lexeme text COLLATE "C" NOT NULL,
    kind smallint NOT NULL CHECK (kind BETWEEN 0 AND 3),
    value text NOT NULL,
    documents integer NOT NULL,
    PRIMARY KEY (lexeme, kind, value)
);
CREATE INDEX search_lexemefacet_unused ON search_lexemefacet (lexeme) WHERE documents <= 0;

CREATE OR REPLACE FUNCTION search_document_refresh(p_resource_ids bigint[]) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    narrow boolean := EXISTS (SELECT FROM pg_extension WHERE extname = 'rum');
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
    -- Conflicts with search_facets_track()'s SHARE lock: the statement below reads the
    -- tracked lexemes with a snapshot taken after any tracking that went before.
    LOCK TABLE search_resourcedocument IN ROW EXCLUSIVE MODE;

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
        SELECT d.resource_id, d.words, d.document, d.category_id, d.city, d.amenity_ids,
               d.is_active
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
    -- Facet counts of the tracked lexemes: -1 for each old active document, +1 for each
    -- new one, per lexeme and facet value (category, city, each amenity; '' = all).
    facet_delta AS (
        SELECT t.lexeme, k.kind, k.value, sum(c.n)::int AS n
        FROM (
            SELECT document, category_id, city, amenity_ids, 1 AS n FROM fresh WHERE is_active
            UNION ALL
            SELECT document, category_id, city, amenity_ids, -1 FROM old WHERE is_active
        ) AS c
        CROSS JOIN LATERAL unnest(tsvector_to_array(c.document)) AS l(lexeme)
        JOIN search_lexemefacet t ON t.lexeme = l.lexeme AND t.kind = 0
        CROSS JOIN LATERAL (
            SELECT 0 AS kind, '' AS value
            UNION ALL SELECT 1, c.category_id::text
            UNION ALL SELECT 2, c.city
            UNION ALL SELECT 3, a::text FROM unnest(c.amenity_ids) AS a
        ) AS k
        GROUP BY t.lexeme, k.kind, k.value
        HAVING sum(c.n) <> 0
    ),
    facet_saved AS (
        -- In key order, so two writers lock shared counters in the same order.
        INSERT INTO search_lexemefacet AS f (lexeme, kind, value, documents)
        SELECT lexeme, kind, value, n FROM facet_delta ORDER BY lexeme, kind, value
        ON CONFLICT (lexeme, kind, value) DO UPDATE SET documents = f.documents + excluded.documents
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
    DELETE FROM search_lexemefacet WHERE documents <= 0 AND kind > 0;

    -- New rows were inserted with a seed over 2 kB, so their document and words went to
    -- TOAST; dropping the seed keeps them there (see the top of this file).
    UPDATE search_resourcedocument SET toast_seed = NULL
    WHERE resource_id = ANY (p_resource_ids) AND toast_seed IS NOT NULL;
END
$$;


-- Track the lexemes in at least p_min_share of the active documents (and at least
-- p_min_documents of them), counting their facets from scratch; how many are tracked.
-- Takes a SHARE lock on the documents: writers wait until it commits, and it counts
-- everything they committed before. Needs READ COMMITTED (a new snapshot after the lock).
CREATE OR REPLACE FUNCTION search_facets_track(p_min_share real, p_min_documents integer)
RETURNS integer
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
DECLARE
    tracked integer;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'search_facets_track() needs READ COMMITTED';
    END IF;
    LOCK TABLE search_resourcedocument IN SHARE MODE;
    DELETE FROM search_lexemefacet;
    -- ts_stat counts documents per lexeme in one pass (in C).
    INSERT INTO search_lexemefacet (lexeme, kind, value, documents)
    SELECT s.word, 0, '', s.ndoc
    FROM ts_stat('SELECT document FROM search_resourcedocument WHERE is_active') AS s
    WHERE s.ndoc >= p_min_documents AND s.ndoc >= p_min_share * (
        SELECT count(*) FROM search_resourcedocument WHERE is_active);
    -- The facet values of the tracked lexemes. Amenities are grouped by set first (sets
    -- repeat), then spread over their amenities.
    INSERT INTO search_lexemefacet (lexeme, kind, value, documents)
    WITH counted AS (
        SELECT t.lexeme, d.category_id, d.city, d.amenity_ids,
               GROUPING(d.category_id, d.city, d.amenity_ids) AS g, count(*)::int AS n
        FROM search_resourcedocument d
        CROSS JOIN LATERAL unnest(tsvector_to_array(d.document)) AS l(lexeme)
        JOIN search_lexemefacet t ON t.lexeme = l.lexeme AND t.kind = 0
        WHERE d.is_active
        GROUP BY GROUPING SETS ((t.lexeme, d.category_id), (t.lexeme, d.city),
                               (t.lexeme, d.amenity_ids))
    )
    SELECT lexeme, 1, category_id::text, n FROM counted WHERE g = 3
    UNION ALL
    SELECT lexeme, 2, city, n FROM counted WHERE g = 5
    UNION ALL
    SELECT c.lexeme, 3, a::text, sum(c.n)::int
    FROM counted c CROSS JOIN LATERAL unnest(c.amenity_ids) AS a
    WHERE c.g = 6 GROUP BY c.lexeme, a;
    SELECT count(*) INTO tracked FROM search_lexemefacet WHERE kind = 0;
    RETURN tracked;
END
$$;

-- The tracked lexeme whose counts are those of p_query's matches, else NULL: p_query is
-- one lexeme, or an OR of a few lexemes (a word and its typo corrections) of which only
-- that one is in any document.
CREATE OR REPLACE FUNCTION search_facet_lexeme(p_query tsquery) RETURNS text
LANGUAGE sql STABLE
SET enable_seqscan = off
AS $$
    WITH operand AS (
        SELECT m[1] AS lexeme
        FROM regexp_matches(p_query::text, '''([[:alnum:]]+)''', 'g') AS m
    ),
    found AS (
        SELECT o.lexeme FROM operand o
        WHERE EXISTS (SELECT FROM search_lexemefacet f
                      WHERE f.lexeme = o.lexeme AND f.kind = 0 AND f.value = '')
           OR EXISTS (SELECT FROM search_resourcedocument d
                      WHERE d.document @@ ('''' || o.lexeme || '''')::tsquery)
    )
    SELECT f.lexeme
    FROM found JOIN search_lexemefacet f ON f.lexeme = found.lexeme AND f.kind = 0
                                         AND f.value = ''
    WHERE p_query::text ~ '^''[[:alnum:]]+''( \| ''[[:alnum:]]+''){0,3}$'
      AND (SELECT count(*) FROM found) = 1
$$;

-- TRUNCATE of the documents (Django's flush) empties the counts; the lexemes stay tracked.
CREATE OR REPLACE FUNCTION search_lexemefacet_truncate() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM search_lexemefacet WHERE kind > 0;
    UPDATE search_lexemefacet SET documents = 0 WHERE kind = 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_lexemefacet_truncate AFTER TRUNCATE ON search_resourcedocument
    FOR EACH STATEMENT EXECUTE FUNCTION search_lexemefacet_truncate();

-- The frequent lexemes of the documents that exist already (1 % of them, at least 1,000).
SELECT search_facets_track(0.01, 1000);
