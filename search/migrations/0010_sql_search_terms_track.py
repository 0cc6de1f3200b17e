# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.

from django.db import migrations

from config.sqlfunctions import InstallSQL

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
        pg_temp.search_position, pg_temp.search_phrase, pg_temp.search_class,
        pg_temp.search_document_class;
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
    -- many documents; counted per class, then per value. Numbered in one sorted pass: a
    -- join back on the three values lets the planner probe the GIN index of amenity_ids
    -- with `=` once per class (hours for 1M documents).
    CREATE TEMP TABLE search_document_class ON COMMIT DROP AS
    SELECT resource_id, category_id, city, amenity_ids,
           dense_rank() OVER (ORDER BY category_id, city, amenity_ids)::integer AS class_id
    FROM search_resourcedocument WHERE is_active;
    CREATE TEMP TABLE search_class ON COMMIT DROP AS
    SELECT DISTINCT ON (class_id) class_id, category_id, city, amenity_ids
    FROM search_document_class ORDER BY class_id;
    ANALYZE search_class;
    ANALYZE search_document_class;

    -- Every (term, match, class, score), reading each document once.
    CREATE TEMP TABLE search_match ON COMMIT DROP AS
    SELECT x.term_id, d.resource_id, d.class_id, search_term_score(d.document, t.query) AS score
    FROM (
        SELECT d.resource_id, c.class_id, d.document || ''::tsvector AS document
        FROM search_resourcedocument d
        JOIN search_document_class c ON c.resource_id = d.resource_id
        OFFSET 0
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


class Migration(migrations.Migration):
    dependencies = [('search', '0009_synonyms')]

    operations = [
        InstallSQL('search_terms_track', SEARCH_TERMS_TRACK,
                   sha='c0526a43cec97aadc91bfe7ea93e548f97371133', reverse='0007_sql_functions'),
    ]
