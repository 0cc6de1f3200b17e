# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.
#
# The first snapshots: the RunSQL migrations before this one installed these same
# definitions (checked on a fresh database and on rangebook and rangebook_bench), so
# unapplying this migration keeps them (reverse='keep').

from django.db import migrations

from config.sqlfunctions import InstallSQL

SEARCH_DOCUMENT_REFRESH = r'''-- search_document_refresh(): nothing; rewrites the search documents of p_resource_ids (and
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
'''

SEARCH_DOCUMENTS_NARROW = r'''-- Rewrite every document row into the narrow form; how many rows it rewrote.
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
'''

SEARCH_FEWER_MATCHES = r'''-- Whether p_query finds fewer than p_few active documents (then the selector falls back to
-- its any-word query). A tracked term knows its count. Otherwise the first p_few matches,
-- from a plain index scan where the index has one (RUM): a bitmap scan (GIN's only kind)
-- collects every match first, 80 ms for a word in half of a 1M catalogue.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_fewer_matches(p_query tsquery, p_few integer)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
    SELECT CASE
        WHEN f.documents IS NOT NULL THEN f.documents < p_few
        ELSE (SELECT count(*) < p_few
              FROM (SELECT FROM search_resourcedocument d
                    WHERE d.document @@ p_query AND d.is_active LIMIT p_few) AS found)
    END
    FROM (SELECT (SELECT f.documents FROM search_term t
                  JOIN search_termfacet f ON f.term_id = t.id AND f.kind = 0 AND f.value = ''
                  WHERE t.key = p_query::text) AS documents) AS f
$$;
'''

SEARCH_LEXEME = r'''-- The lexeme of one word in search_english, NULL for a stop word or a word that makes
-- several.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_lexeme(p_word text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN cardinality(a) = 1 THEN a[1] END
    FROM tsvector_to_array(to_tsvector('search_english', p_word)) AS a
$$;
'''

SEARCH_LEXEME_PRESENT = r'''-- Whether a document has p_lexeme (the selector leaves out of a word's alternatives the
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
'''

SEARCH_RUM_PAGE = r'''-- search_rum_page(): the top p_limit active documents matching p_query and the filters,
-- in the RUM index's order (distance = 1 / rum_ts_score, then the index's own order of
-- equal scores), numbered from 1. Needs the rum extension; created only where it is.
-- PostgreSQL >= 14 and the rum extension (postgresql-<major>-rum); search_use_rum installs
-- it later on a database migrated without rum.
--
-- Why a function: the planner estimates `document @@ query` without knowing the query and,
-- past a LIMIT of a few hundred, prefers ranking a bitmap of all matches (reading every
-- document from TOAST) to the ordered index scan. That is slower, and it would order equal
-- scores differently, so pages continued at an offset could repeat or skip hits. Turning
-- bitmap and sequential scans off for this one query keeps the ordered index scan.
-- Filters are NULL when not used; p_exclude drops the documents it matches.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'rum') THEN
        RETURN;
    END IF;
    EXECUTE $function$
    CREATE OR REPLACE FUNCTION search_rum_page(
        p_query tsquery, p_limit integer, p_categories bigint[], p_venues bigint[],
        p_cities text[], p_amenities bigint[], p_party integer, p_price_at timestamptz,
        p_max_price numeric, p_currency text, p_exclude tsquery)
    RETURNS TABLE (resource_id bigint, score real, ord bigint)
    LANGUAGE sql STABLE
    SET enable_bitmapscan = off
    SET enable_seqscan = off
    AS $body$
        SELECT ranked.resource_id, ranked.score, row_number() OVER ()
        FROM (
            SELECT d.resource_id, rum_ts_score(d.document, p_query) AS score
            FROM search_resourcedocument d
            WHERE d.document @@ p_query AND d.is_active
              AND (p_categories IS NULL OR d.category_id = ANY (p_categories))
              AND (p_venues IS NULL OR d.venue_id = ANY (p_venues))
              AND (p_cities IS NULL OR d.city = ANY (p_cities))
              AND (p_amenities IS NULL OR d.amenity_ids @> p_amenities)
              AND (p_party IS NULL OR d.capacity @> p_party)
              AND (p_max_price IS NULL OR EXISTS (
                  SELECT FROM booking_rate rt JOIN booking_venue rv ON rv.id = d.venue_id
                  WHERE rt.resource_id = d.resource_id
                    AND rt.valid_during @> (p_price_at AT TIME ZONE rv.timezone)::date
                    AND rt.price_per_hour <= p_max_price
                    AND (p_currency IS NULL OR rt.currency = p_currency)))
              AND (p_exclude IS NULL OR NOT d.document @@ p_exclude)
            ORDER BY d.document <=> p_query
            LIMIT p_limit
        ) AS ranked
    $body$
    $function$;
END
$$;
'''

SEARCH_TERM_SCORE = r'''-- search_term_score(document, query): the score the ranked page orders by: rum_ts_score
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
'''

SEARCH_TERM_TRUNCATE = r'''-- TRUNCATE of the documents (Django's flush) empties the counts and postings; the terms
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
'''

SEARCH_TERMS_TRACK = r'''-- Track the terms matching at least p_min_share of the active documents (and at least
-- p_min_documents of them): count their facets and write their postings from scratch;
-- how many terms are tracked. Prefixes (any terms) are those of vocabulary words, from 3
-- letters, completed as search/vocabulary.py completes them (the prefix and its 24 most
-- frequent continuations). Takes a SHARE lock on the documents: writers wait until it
-- commits, and it counts everything they committed before. Needs READ COMMITTED.
-- PostgreSQL >= 14.
--
-- A *term* is one exact tsquery, identified by its text (`key`), of one of three shapes
-- the selector builds:
--   lexeme   'eight'                 a word (a typo whose corrections leave one lexeme)
--   any      'head' | 'headphon'     a word being typed with its completions, as lexemes
--                                   in some document, distinct, sorted
--   phrase   'meet' <-> 'room'       two or three quoted words
CREATE OR REPLACE FUNCTION search_terms_track(p_min_share real, p_min_documents integer,
                                              p_postings integer DEFAULT 1000)
RETURNS integer
LANGUAGE plpgsql
SET work_mem = '256MB'
SET client_min_messages = warning
AS $$
DECLARE
    floor_ integer;
    tracked integer;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'search_terms_track() needs READ COMMITTED';
    END IF;
    LOCK TABLE search_resourcedocument IN SHARE MODE;
    TRUNCATE search_termposting, search_termfacet, search_termlexeme, search_term;
    SELECT greatest(p_min_documents, ceil(p_min_share * count(*)))::integer INTO floor_
    FROM search_resourcedocument WHERE is_active;

    DROP TABLE IF EXISTS pg_temp.search_stat, pg_temp.search_candidate, pg_temp.search_match,
        pg_temp.search_position, pg_temp.search_phrase, pg_temp.search_class;
    -- Documents per lexeme, in one pass (ts_stat, in C). All documents, as the selector
    -- counts a word's documents: it leaves out only lexemes no document has.
    CREATE TEMP TABLE search_stat (lexeme text PRIMARY KEY, ndoc integer) ON COMMIT DROP;
    INSERT INTO search_stat
    SELECT word, ndoc FROM ts_stat('SELECT document FROM search_resourcedocument');
    ANALYZE search_stat;
    CREATE TEMP TABLE search_candidate (
        key text COLLATE "C" PRIMARY KEY, query tsquery, shape text, lexemes text[]
    ) ON COMMIT DROP;

    INSERT INTO search_candidate
    SELECT q::text, q, 'lexeme', ARRAY[lexeme]
    FROM search_stat CROSS JOIN LATERAL CAST(quote_literal(lexeme) AS tsquery) AS q
    WHERE ndoc >= floor_ AND lexeme ~ '^[[:alnum:]]+$';

    -- Phrases: adjacent pairs of frequent lexemes in floor_ documents or more (a phrase in
    -- that many documents has its words in as many), then triples made of two such pairs,
    -- from the positions as <-> reads them. The rarest word of a phrase is its way in.
    CREATE TEMP TABLE search_position ON COMMIT DROP AS
    SELECT d.resource_id, u.lexeme, n.p
    FROM search_resourcedocument d
    CROSS JOIN LATERAL unnest(d.document) AS u
    CROSS JOIN LATERAL unnest(u.positions) AS n(p)
    WHERE d.is_active AND u.lexeme IN (
        SELECT lexeme FROM search_stat WHERE ndoc >= floor_ AND lexeme ~ '^[[:alnum:]]+$');
    ANALYZE search_position;
    CREATE TEMP TABLE search_phrase (a text, b text, c text) ON COMMIT DROP;
    INSERT INTO search_phrase
    SELECT a, b, NULL
    FROM (SELECT DISTINCT x.resource_id, x.lexeme AS a, y.lexeme AS b
          FROM search_position x
          JOIN search_position y ON y.resource_id = x.resource_id AND y.p = x.p + 1) AS pair
    GROUP BY a, b HAVING count(*) >= floor_;
    ANALYZE search_phrase;
    INSERT INTO search_phrase
    SELECT a, b, c
    FROM (SELECT DISTINCT x.resource_id, x.lexeme AS a, y.lexeme AS b, z.lexeme AS c
          FROM search_position x
          JOIN search_position y ON y.resource_id = x.resource_id AND y.p = x.p + 1
          JOIN search_phrase ab ON ab.c IS NULL AND ab.a = x.lexeme AND ab.b = y.lexeme
          JOIN search_position z ON z.resource_id = x.resource_id AND z.p = x.p + 2
          JOIN search_phrase bc ON bc.c IS NULL AND bc.a = y.lexeme AND bc.b = z.lexeme
         ) AS triple
    GROUP BY a, b, c HAVING count(*) >= floor_;
    INSERT INTO search_candidate
    SELECT q::text, q, 'phrase', ARRAY[(
        SELECT s.lexeme FROM search_stat s WHERE s.lexeme IN (p.a, p.b, p.c)
        ORDER BY s.ndoc, s.lexeme LIMIT 1)]
    FROM search_phrase p
    CROSS JOIN LATERAL CAST(concat_ws(' <-> ', quote_literal(p.a), quote_literal(p.b),
                                      quote_literal(p.c)) AS tsquery) AS q
    ON CONFLICT DO NOTHING;

    -- Words being typed: each prefix (3 letters or more) of a vocabulary word, with its
    -- completions as the selector reads them; kept when it makes two lexemes or more and
    -- its words' documents could add up to the floor.
    INSERT INTO search_candidate
    SELECT DISTINCT ON (q::text) q::text, q, 'any', c.lexemes
    FROM (
        SELECT DISTINCT left(v.word, n) AS prefix
        FROM search_vocabularyword v
        CROSS JOIN LATERAL generate_series(3, length(v.word)) AS n
        WHERE v.documents >= floor_ / 24
    ) AS p
    CROSS JOIN LATERAL (
        SELECT array_agg(DISTINCT l.lexeme COLLATE "C" ORDER BY l.lexeme COLLATE "C")
                   AS lexemes,
               sum(w.documents) AS documents
        FROM (
            SELECT p.prefix AS word, 0 AS documents
            UNION ALL
            (SELECT v.word, v.documents FROM search_vocabularyword v
             WHERE v.word > p.prefix AND v.word < p.prefix || chr(1114111)
             ORDER BY v.documents DESC, v.word LIMIT 24)
        ) AS w
        JOIN search_stat l ON l.lexeme = search_lexeme(w.word)
    ) AS c
    CROSS JOIN LATERAL CAST(array_to_string(ARRAY(
        SELECT quote_literal(x) FROM unnest(c.lexemes) AS x), ' | ') AS tsquery) AS q
    WHERE cardinality(c.lexemes) >= 2 AND c.documents >= floor_
      AND NOT EXISTS (SELECT FROM unnest(c.lexemes) AS x WHERE x !~ '^[[:alnum:]]+$')
    ON CONFLICT DO NOTHING;

    INSERT INTO search_term (key, query, shape, min_score)
    SELECT key, query, shape, 0 FROM search_candidate ORDER BY key;
    IF NOT FOUND THEN
        RETURN 0;  -- nothing to count: no pass over the documents
    END IF;
    ANALYZE search_term;
    INSERT INTO search_termlexeme (lexeme, term_id)
    SELECT DISTINCT l, t.id
    FROM search_candidate c JOIN search_term t ON t.key = c.key
    CROSS JOIN LATERAL unnest(c.lexemes) AS l;
    ANALYZE search_termlexeme;

    -- The facet values of a document, as a class (category, city, amenity set) shared by
    -- many documents; counted per class, then per value.
    CREATE TEMP TABLE search_class ON COMMIT DROP AS
    SELECT row_number() OVER ()::integer AS class_id, category_id, city, amenity_ids
    FROM (SELECT DISTINCT category_id, city, amenity_ids
          FROM search_resourcedocument WHERE is_active) AS c;
    ANALYZE search_class;

    -- Every (term, match, class, score), reading each document once.
    CREATE TEMP TABLE search_match ON COMMIT DROP AS
    SELECT x.term_id, d.resource_id, d.class_id, search_term_score(d.document, t.query) AS score
    FROM (
        SELECT d.resource_id, c.class_id, d.document || ''::tsvector AS document
        FROM search_resourcedocument d
        JOIN search_class c ON c.category_id = d.category_id AND c.city = d.city
                           AND c.amenity_ids = d.amenity_ids
        WHERE d.is_active OFFSET 0
    ) AS d
    CROSS JOIN LATERAL (
        SELECT DISTINCT tl.term_id
        FROM unnest(tsvector_to_array(d.document)) AS l(lexeme)
        JOIN search_termlexeme tl ON tl.lexeme = l.lexeme
    ) AS x
    JOIN search_term t ON t.id = x.term_id
    WHERE d.document @@ t.query;

    ANALYZE search_match;

    -- Too few matches after all (an any term's words share documents): not tracked.
    DELETE FROM search_term WHERE id NOT IN (
        SELECT term_id FROM search_match GROUP BY term_id HAVING count(*) >= floor_);

    INSERT INTO search_termfacet (term_id, kind, value, documents)
    WITH per_class AS (
        SELECT m.term_id, m.class_id, count(*)::integer AS n
        FROM search_match m WHERE m.term_id IN (SELECT id FROM search_term)
        GROUP BY m.term_id, m.class_id
    )
    SELECT term_id, 0, '', sum(n)::integer FROM per_class GROUP BY term_id
    UNION ALL
    SELECT p.term_id, 1, c.category_id::text, sum(p.n)::integer
    FROM per_class p JOIN search_class c USING (class_id) GROUP BY p.term_id, c.category_id
    UNION ALL
    SELECT p.term_id, 2, c.city, sum(p.n)::integer
    FROM per_class p JOIN search_class c USING (class_id) GROUP BY p.term_id, c.city
    UNION ALL
    SELECT p.term_id, 3, a::text, sum(p.n)::integer
    FROM per_class p JOIN search_class c USING (class_id)
    CROSS JOIN LATERAL unnest(c.amenity_ids) AS a GROUP BY p.term_id, a;

    -- min_score: 0 (every match) for a term with at most p_postings matches; else the
    -- lowest score that keeps its postings within 2 * p_postings and gives at least 100
    -- (equal scores are many: a tie is kept whole or not at all), else the p_postings-th
    -- best score (with all its ties).
    UPDATE search_term t SET min_score = s.score
    FROM (
        SELECT term_id,
               coalesce(min(score) FILTER (
                            WHERE above BETWEEN least(100, p_postings) AND 2 * p_postings),
                        max(score) FILTER (WHERE above >= p_postings)) AS score
        FROM (SELECT term_id, score,
                     sum(count(*)) OVER (PARTITION BY term_id ORDER BY score DESC) AS above
              FROM search_match GROUP BY term_id, score) AS level
        GROUP BY term_id
        HAVING max(above) > p_postings
    ) AS s
    WHERE t.id = s.term_id;
    -- Written without the index, which is then built in one sort.
    DROP INDEX search_termposting_page;
    INSERT INTO search_termposting (term_id, score, resource_id)
    SELECT m.term_id, m.score, m.resource_id
    FROM search_match m JOIN search_term t ON t.id = m.term_id
    WHERE m.score >= t.min_score;
    CREATE UNIQUE INDEX search_termposting_page
        ON search_termposting (term_id, score DESC, resource_id);

    SELECT count(*) INTO tracked FROM search_term;
    RETURN tracked;
END
$$;
'''

SEARCH_UNACCENT = r'''-- unaccent() is only STABLE (its dictionary is looked up by search_path); with the
-- dictionary named, it is safe to declare IMMUTABLE, so it may appear in indexes.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_unaccent(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, p_text) $$;
'''

SEARCH_WORDS = r'''-- The words a text is made of, as the vocabulary keeps them: lower case, unaccented,
-- letters only, at least three of them.
-- PostgreSQL >= 14.
CREATE OR REPLACE FUNCTION search_words(p_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT coalesce(array_agg(w ORDER BY w), '{}')
    FROM unnest(tsvector_to_array(to_tsvector('simple', search_unaccent(p_text)))) AS w
    WHERE w ~ '^[[:alpha:]]{3,}$'
$$;
'''


class Migration(migrations.Migration):
    dependencies = [('search', '0006_tracked_terms')]

    operations = [
        InstallSQL('search_document_refresh', SEARCH_DOCUMENT_REFRESH,
                   sha='4eb9e1e994a779b3155cbc071a48fb94a1b731dc', reverse='keep'),
        InstallSQL('search_documents_narrow', SEARCH_DOCUMENTS_NARROW,
                   sha='ec83cd8906f30d50268f3e7ccb8c2ad3230450ee', reverse='keep'),
        InstallSQL('search_fewer_matches', SEARCH_FEWER_MATCHES,
                   sha='d0dc2c63a6494ba29bbef62d4608f1712f45de35', reverse='keep'),
        InstallSQL('search_lexeme', SEARCH_LEXEME,
                   sha='e668d6b0f9c7d3af0f2d8978066456998e47e3cb', reverse='keep'),
        InstallSQL('search_lexeme_present', SEARCH_LEXEME_PRESENT,
                   sha='0ccc9dbccb430220089a4d3fff2d8d13e4d21d36', reverse='keep'),
        InstallSQL('search_rum_page', SEARCH_RUM_PAGE,
                   sha='24bf469e97bcb5cc196aeb5a6827d5337984e1c0', reverse='keep'),
        InstallSQL('search_term_score', SEARCH_TERM_SCORE,
                   sha='2da55354930d6aa21bdbd0e63c1480ba999177bb', reverse='keep'),
        InstallSQL('search_term_truncate', SEARCH_TERM_TRUNCATE,
                   sha='f5096d34c508c5674bc5aa04c32f7c8e3d29a386', reverse='keep'),
        InstallSQL('search_terms_track', SEARCH_TERMS_TRACK,
                   sha='170084fe761618736b34fcf225a800b793abc263', reverse='keep'),
        InstallSQL('search_unaccent', SEARCH_UNACCENT,
                   sha='8eae19fbaf53c647514e3b7788a2bf4f7f50c098', reverse='keep'),
        InstallSQL('search_words', SEARCH_WORDS,
                   sha='9ff1beb8296011601ef027a593b1107d6b2c9eaf', reverse='keep'),
    ]
