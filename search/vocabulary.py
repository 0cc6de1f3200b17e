"""What the catalogue's vocabulary says about the words of a query: one SQL statement.

For every token: whether the catalogue has it, its nearest words by trigram distance (typo
candidates, filtered here by edit distance), and for the token being typed the most frequent
words it begins (completions). The same statement reports which full-text index exists.
"""

from dataclasses import dataclass, field

from django.db import connection

from search.query import ParsedQuery, Token, edit_distance, typo_budget

NEAREST = 12  # trigram neighbours fetched per token
# Known words in more documents than this get no corrections: a typo is rarely a common
# word, and the nearest-word search is the costly part of the look-up.
RARE = 3
CORRECTIONS = 3  # kept per token
# Words the typed word may become, most frequent first: they are the prefix match with
# RUM (see search/README.md, "Search as you type"); the first five are shown.
COMPLETIONS = 24
COMMONER = 10  # how many times more documents a correction of a known word needs

# `<->` is pg_trgm's distance (1 - similarity), served by the gist_trgm_ops index.
# https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-OP-TABLE
_LOOKUP = f"""
    SELECT t.i, u.word, k.documents,
           CASE WHEN length(u.word) >= 4 AND k.documents <= {RARE} THEN ARRAY(
               SELECT json_build_array(v.word, v.documents, search_lexeme(v.word))
               FROM search_vocabularyword v
               WHERE v.word <> u.word ORDER BY v.word <-> u.word LIMIT {NEAREST}) END,
           CASE WHEN t.prefix THEN ARRAY(
               SELECT json_build_array(v.word, search_lexeme(v.word))
               FROM search_vocabularyword v
               WHERE v.word > u.word AND v.word < u.word || chr(1114111)
               ORDER BY v.documents DESC, v.word LIMIT {COMPLETIONS}) END,
           to_regclass('search_document_rum') IS NOT NULL
               AND to_regproc('search_rum_page') IS NOT NULL,
           l.lexeme, CASE WHEN k.documents > 0 THEN true
                          ELSE search_lexeme_present(l.lexeme) END
    FROM unnest(%s::text[], %s::boolean[]) WITH ORDINALITY AS t(token, prefix, i)
    CROSS JOIN LATERAL (SELECT lower(search_unaccent(t.token)) AS word) AS u
    CROSS JOIN LATERAL (SELECT coalesce(max(v.documents), 0) AS documents
                        FROM search_vocabularyword v WHERE v.word = u.word) AS k
    CROSS JOIN LATERAL (SELECT search_lexeme(t.token) AS lexeme) AS l
    ORDER BY t.i
"""


@dataclass
class WordInfo:
    token: Token
    word: str  # lower case, unaccented
    documents: int  # documents containing it; 0 = not a catalogue word
    corrections: list[tuple[str, int]] = field(default_factory=list)  # (word, documents)
    completions: list[str] = field(default_factory=list)

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

    def alternatives(self, *, known_too: bool) -> dict[str, list[str]]:
        """Corrections per token key: of unknown words, or of every word."""
        return {
            info.token.key: [word for word, _ in info.corrections]
            for info in self.words.values()
            if info.corrections and (known_too or not info.known)
        }

    def replacements(self, *, known_too: bool) -> dict[Token, str]:
        """The "did you mean" word per token: unknown words, and with `known_too` the words
        whose best correction is far more common (a rare word is likelier a typo)."""
        return {
            token: info.best
            for token, info in self.words.items()
            if info.best and (not info.known or (
                known_too and info.corrections[0][1] >= COMMONER * info.documents))
        }


def vocabulary_lookup(parsed: ParsedQuery) -> Vocabulary:
    """Catalogue words near each token of `parsed` (one SQL statement)."""
    tokens = list(dict.fromkeys(parsed.positive_tokens))
    prefix = parsed.prefix_token
    if prefix is not None and prefix not in tokens:
        tokens.append(prefix)
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP, [[t.text for t in tokens] or [""],
                                 [t is prefix for t in tokens] or [False]])
        rows = cursor.fetchall()
    words, rum, lexemes = {}, bool(rows and rows[0][5]), {}
    for token, row in zip(tokens, rows, strict=False):
        _, word, documents, near, completions, _, lexeme, present = row
        lexemes[token.key] = (lexeme, bool(present))
        # Catalogue words: in some document (its lexeme, unless a stop word).
        lexemes.update((w, (lx, lx is not None)) for w, _, lx in near or [])
        lexemes.update((w, (lx, lx is not None)) for w, lx in completions or [])
        words[token] = WordInfo(token, word, documents,
                                _corrections(word, [(w, n) for w, n, _ in near or []]),
                                [w for w, _ in completions or []])
    return Vocabulary(words, rum, lexemes)


def _corrections(word: str, near: list) -> list[tuple[str, int]]:
    budget = typo_budget(word)
    scored = [
        (distance, -documents, candidate)
        for candidate, documents in near
        if (distance := edit_distance(word, candidate, budget)) <= budget
    ]
    return [(candidate, -minus) for _, minus, candidate in sorted(scored)[:CORRECTIONS]]
