"""What the catalogue's vocabulary says about the words of a query: one SQL statement.

For every token: whether the catalogue has it, its nearest words by trigram distance (typo
candidates, filtered here by edit distance), and for the token being typed the most frequent
words it begins (completions). The same statement reports which full-text index exists.
"""

from dataclasses import dataclass, field

from search.query import ParsedQuery, Token
from search.steps import Statement, Steps, run
from search.typos import slips, typo_budget, typo_distance
from search.understand import Place

NEAREST = 12  # trigram neighbours fetched per token
NEAR = 4 * NEAREST  # read from the index, in which equally near words have no order
CORRECTIONS = 3  # kept per token
# Words the typed word may become, most frequent first: they are the prefix match with
# RUM (see search/README.md, "Search as you type"); the first five are shown.
COMPLETIONS = 24

# Places and synonyms are looked up by phrase (search/understand.py lists the phrases), by
# the expression indexes on search_phrase_key(); `p.places` is false when the caller
# turned understanding off. The document count for term rarity is the planner's estimate
# (autovacuum keeps it current; load_demo and generate_catalogue analyze after loading).
_PHRASES = """
    WITH p AS (SELECT %s::text[] AS phrases, %s::boolean AS places),
    extra AS MATERIALIZED (SELECT
        (SELECT json_agg(json_build_array(g.phrase, c.city))
         FROM p, unnest(p.phrases) AS g(phrase)
         CROSS JOIN LATERAL (SELECT v.city FROM booking_venue v
                             WHERE search_phrase_key(v.city) = search_phrase_key(g.phrase)
                             LIMIT 1) AS c
         WHERE p.places) AS cities,
        (SELECT json_agg(json_build_array(g.phrase, v.id, v.name))
         FROM p, unnest(p.phrases) AS g(phrase)
         JOIN booking_venue v ON search_phrase_key(v.name) = search_phrase_key(g.phrase)
         WHERE p.places) AS venues,
        (SELECT json_agg(json_build_array(g.phrase, s.alternatives))
         FROM p, unnest(p.phrases) AS g(phrase)
         JOIN search_synonym s ON search_phrase_key(s.phrase) = search_phrase_key(g.phrase))
            AS synonyms,
        (SELECT reltuples FROM pg_class
         WHERE oid = 'search_resourcedocument'::regclass) AS documents)
"""

# A word is found by its primary key: as `word >= x AND word <= x`, because for `=` the
# planner costs the trigram index the same and took it (pg_trgm >= 1.6 serves `=`), which
# read 561 pages for one word at 100k (3.8 ms; the key: 0.06 ms). Words compare in the
# column's collation, "C", without which the key serves neither that nor the completions.
# Typo candidates of an unknown word: from 4 letters, the words one edit away, found by
# their deletion neighbourhoods (search_word_variants(), GIN; 0.25 ms at 100k), the
# commoner first; when there are none, its nearest words by trigram distance (`<->`,
# pg_trgm's 1 - similarity, served by the gist_trgm_ops index: 7-9 ms at 100k), which
# reach words two edits away; of equally near ones (often many: "garnd" is 0.8 from 19
# words, "grand" among them) the commoner first (of the NEAR nearest);
# for a 3-letter word, which has too few trigrams for that, the words one swap or one
# neighbouring key away (search/typos.py), looked up exactly. Not for a word being typed
# that begins catalogue words ("head"): it is not a typo (WordInfo.known), and its nearest
# words cost 9 ms at 100k.
# https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-OP-TABLE
_LOOKUP = _PHRASES + f"""
    SELECT t.i, u.word, k.documents,
           CASE WHEN k.documents > 0 THEN NULL
                WHEN cardinality(m.completions) > 0 THEN NULL
                WHEN length(u.word) >= 4 THEN (
               SELECT CASE WHEN cardinality(e.near) > 0 THEN e.near ELSE ARRAY(
                   SELECT json_build_array(v.word, v.documents, search_lexeme(v.word))
                   FROM (SELECT v.word, v.documents, v.word <-> u.word AS distance
                         FROM search_vocabularyword v WHERE v.word <> u.word
                         ORDER BY v.word <-> u.word LIMIT {NEAR}) AS v
                   ORDER BY v.distance, v.documents DESC, v.word LIMIT {NEAREST}) END
               FROM (SELECT ARRAY(
                   SELECT json_build_array(v.word, v.documents, search_lexeme(v.word))
                   FROM search_vocabularyword v
                   WHERE search_word_variants(v.word) && search_word_variants(u.word)
                     AND v.word <> u.word AND v.documents > 0
                   ORDER BY v.documents DESC, v.word LIMIT {NEAR}) AS near) AS e)
                ELSE ARRAY(
               SELECT json_build_array(v.word, v.documents, search_lexeme(v.word))
               FROM unnest(%s::integer[], %s::text[]) AS c(i, word)
               JOIN search_vocabularyword v
                 ON v.word >= c.word COLLATE "C" AND v.word <= c.word COLLATE "C"
               WHERE c.i = t.i) END,
           m.completions,
           to_regclass('search_document_rum') IS NOT NULL
               AND to_regproc('search_rum_page') IS NOT NULL,
           l.lexeme, CASE WHEN k.documents > 0 THEN true
                          ELSE search_lexeme_present(l.lexeme) END,
           e.cities, e.venues, e.synonyms, e.documents
    FROM unnest(%s::text[], %s::boolean[]) WITH ORDINALITY AS t(token, prefix, i)
    CROSS JOIN extra e
    CROSS JOIN LATERAL (SELECT lower(search_unaccent(t.token)) COLLATE "C" AS word) AS u
    CROSS JOIN LATERAL (SELECT coalesce(max(v.documents), 0) AS documents
                        FROM search_vocabularyword v
                        WHERE v.word >= u.word AND v.word <= u.word) AS k
    CROSS JOIN LATERAL (SELECT CASE WHEN t.prefix THEN ARRAY(
                            SELECT json_build_array(v.word, search_lexeme(v.word), v.documents)
                            FROM search_vocabularyword v
                            WHERE v.word > u.word AND v.word < u.word || chr(1114111)
                            ORDER BY v.documents DESC, v.word LIMIT {COMPLETIONS}) END
                        AS completions) AS m
    CROSS JOIN LATERAL (SELECT search_lexeme(t.token) AS lexeme) AS l
    ORDER BY t.i
"""


@dataclass
class WordInfo:
    token: Token
    word: str  # lower case, unaccented
    documents: int  # documents containing it; 0 = not a catalogue word
    corrections: list[tuple[str, int]] = field(default_factory=list)  # (word, documents)
    completions: list[tuple[str, int]] = field(default_factory=list)  # (word, documents)

    @property
    def best(self) -> str | None:
        return self.corrections[0][0] if self.corrections else None

    @property
    def known(self) -> bool:
        """A catalogue word, or the beginning of some (while being typed)."""
        return bool(self.documents or self.completions)


@dataclass
class Vocabulary:
    words: dict[Token, WordInfo]
    rum: bool
    # Per word (token keys, corrections, completions): its lexeme (None for a stop word)
    # and whether some document has it. See query.tsquery_text.
    lexemes: dict[str, tuple[str | None, bool]] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)  # phrase as typed -> place
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # phrase -> alternatives
    documents: int = 0  # in the catalogue (the planner's estimate)

    def alternatives(self) -> dict[str, list[str]]:
        """Corrections per token key, of the words the catalogue does not have: a word it
        has is what the user meant, however close to a commoner one."""
        return {info.token.key: [word for word, _ in info.corrections]
                for info in self.words.values() if info.corrections and not info.known}

    def replacements(self) -> dict[Token, str]:
        """The "did you mean" word per unknown token."""
        return {token: info.best for token, info in self.words.items()
                if info.best and not info.known}


def vocabulary_lookup(parsed: ParsedQuery, *, phrases: list[str] = (),
                      places: bool = True) -> Vocabulary:
    """Catalogue words near each token of `parsed`, and the places and synonyms among
    `phrases` (one SQL statement)."""
    return run(vocabulary_steps(parsed, phrases=phrases, places=places))


def vocabulary_steps(parsed: ParsedQuery, *, phrases: list[str] = (),
                     places: bool = True) -> Steps:
    """vocabulary_lookup's statement, yielded (search/steps.py), then its Vocabulary."""
    tokens = list(dict.fromkeys(parsed.positive_tokens))
    prefix = parsed.prefix_token
    if prefix is not None and prefix not in tokens:
        tokens.append(prefix)
    short = [(i, word) for i, t in enumerate(tokens, 1) if len(t.key) == 3
             for word in slips(t.key)]
    rows = yield Statement(_LOOKUP, [list(phrases), places, [i for i, _ in short],
                                     [w for _, w in short], [t.text for t in tokens] or [""],
                                     [t is prefix for t in tokens] or [False]],
                           generic=True)  # planning it took 3-5 ms, running it 1 ms
    return _vocabulary(tokens, rows)


def _vocabulary(tokens: list[Token], rows: list[tuple]) -> Vocabulary:
    vocabulary = Vocabulary({}, bool(rows and rows[0][5]))
    if rows:
        vocabulary.places = _places(*rows[0][8:10])
        vocabulary.synonyms = {phrase: alternatives for phrase, alternatives in rows[0][10] or []}
        vocabulary.documents = max(int(rows[0][11] or 0), 0)
    for token, row in zip(tokens, rows, strict=False):
        _, word, documents, near, completions, _, lexeme, present = row[:8]
        vocabulary.lexemes[token.key] = (lexeme, bool(present))
        # Catalogue words: in some document (its lexeme, unless a stop word).
        vocabulary.lexemes.update((w, (lx, lx is not None)) for w, _, lx in near or [])
        vocabulary.lexemes.update((w, (lx, lx is not None)) for w, lx, _ in completions or [])
        vocabulary.words[token] = WordInfo(
            token, word, documents, _corrections(word, [(w, n) for w, n, _ in near or []]),
            [(w, n) for w, _, n in completions or []])
    return vocabulary


def _places(cities, venues) -> dict[str, Place]:
    """Phrase -> place; a venue's name wins over a city of the same name."""
    out = {phrase: Place(city=city) for phrase, city in cities or []}
    for phrase, venue_id, name in venues or []:
        known = out.get(phrase)
        ids = known.venue_ids if known and known.venue_name else ()
        out[phrase] = Place(venue_ids=(*ids, venue_id), venue_name=name)
    return out


def _corrections(word: str, near: list) -> list[tuple[str, int]]:
    """Up to CORRECTIONS candidates within the word's budget: nearest first (slips count
    half), then the commonest."""
    budget = typo_budget(word)
    scored = [
        (distance, -documents, candidate)
        for candidate, documents in near
        if (distance := typo_distance(word, candidate, budget)) <= budget
    ]
    return [(candidate, -minus) for _, minus, candidate in sorted(scored)[:CORRECTIONS]]
