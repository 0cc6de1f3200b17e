-- search_document_refresh(): nothing; rewrites the search documents of p_resource_ids (and
-- the vocabulary, facet counts and postings of tracked terms) in the caller's transaction.
-- PostgreSQL >= 14.
--
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
--
-- search_terms_track() chooses the terms matching at least a share of the active
-- documents and counts them from scratch; from then on search_document_refresh() keeps,
-- in the same statement that writes the documents:
--   search_termfacet(term_id, kind, value, documents): active documents matching the term,
--       in all (kind 0), per category id (1), city (2) and amenity id (3);
--   search_termposting(term_id, score, resource_id): every active match whose score
--       (search_term_score(), the score the ranked page orders by) is at least the term's
--       min_score, chosen when tracking so that 100 to 2 * p_postings matches have one
--       where ties allow. Every match without a posting scores below every posting, so the
--       top k postings are the top k matches as long as k <= the term's postings (counted by
--       the search, up to k: no counter for concurrent writers to wait on, or deadlock over).
-- A search uses a term only when its query's text is the term's key; any other query (and
-- any query with filters) is counted and ranked from the documents as before. Untracked
-- queries are only slower, never wrong.
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
    -- Conflicts with search_terms_track()'s SHARE lock: the statement below reads the
    -- tracked terms with a snapshot taken after any tracking that went before.
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
        -- The document detoasted once (`||` makes a copy in memory): each tracked term
        -- it may match reads it twice.
        SELECT d.resource_id, d.words, d.document || ''::tsvector AS document,
               d.category_id, d.city, d.amenity_ids,
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
    -- Documents (old -1, new +1, active only) and the tracked terms they match, with the
    -- term's score: candidates through the terms' lexemes, then the term's own query.
    matched AS (
        SELECT c.n, c.resource_id, c.category_id, c.city, c.amenity_ids, t.id AS term_id,
               t.min_score, search_term_score(c.document, t.query) AS score
        FROM (
            SELECT id AS resource_id, document, category_id, city, amenity_ids, 1 AS n
            FROM fresh WHERE is_active
            UNION ALL
            SELECT resource_id, document, category_id, city, amenity_ids, -1
            FROM old WHERE is_active
        ) AS c
        CROSS JOIN LATERAL (
            SELECT DISTINCT tl.term_id
            FROM unnest(tsvector_to_array(c.document)) AS l(lexeme)
            JOIN search_termlexeme tl ON tl.lexeme = l.lexeme
        ) AS x
        JOIN search_term t ON t.id = x.term_id
        WHERE c.document @@ t.query
    ),
    -- Facet counts per term and value (category, city, each amenity; kind 0 = all).
    facet_delta AS (
        SELECT m.term_id, k.kind, k.value, sum(m.n)::int AS n
        FROM matched m
        CROSS JOIN LATERAL (
            SELECT 0 AS kind, '' AS value
            UNION ALL SELECT 1, m.category_id::text
            UNION ALL SELECT 2, m.city
            UNION ALL SELECT 3, a::text FROM unnest(m.amenity_ids) AS a
        ) AS k
        GROUP BY m.term_id, k.kind, k.value
        HAVING sum(m.n) <> 0
    ),
    facet_saved AS (
        -- In key order, so two writers lock shared counters in the same order.
        INSERT INTO search_termfacet AS f (term_id, kind, value, documents)
        SELECT term_id, kind, value, n FROM facet_delta ORDER BY term_id, kind, value
        ON CONFLICT (term_id, kind, value) DO UPDATE SET documents = f.documents + excluded.documents
    ),
    -- Postings: every match scoring at least the term's min_score. A document whose score
    -- did not change nets to nothing; one whose score changed has two keys.
    posting_delta AS (
        SELECT term_id, score, resource_id, sum(n)::int AS n
        FROM matched WHERE score >= min_score
        GROUP BY term_id, score, resource_id
        HAVING sum(n) <> 0
    ),
    posting_gone AS (
        DELETE FROM search_termposting p USING posting_delta x
        WHERE x.n < 0 AND p.term_id = x.term_id AND p.score = x.score
          AND p.resource_id = x.resource_id
    ),
    posting_new AS (
        INSERT INTO search_termposting (term_id, score, resource_id)
        SELECT term_id, score, resource_id FROM posting_delta WHERE n > 0
        ON CONFLICT DO NOTHING
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
    DELETE FROM search_termfacet WHERE documents <= 0 AND kind > 0;

    -- New rows were inserted with a seed over 2 kB, so their document and words went to
    -- TOAST; dropping the seed keeps them there (see the top of this file).
    UPDATE search_resourcedocument SET toast_seed = NULL
    WHERE resource_id = ANY (p_resource_ids) AND toast_seed IS NOT NULL;
END
$$;
