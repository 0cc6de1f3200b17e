"""User search text -> tsquery text, without ever failing.

The syntax is PostgreSQL's web-search syntax (`websearch_to_tsquery`): words are ANDed,
`"quoted words"` are a phrase, `-word` excludes, and `or` splits the query into
alternatives, each an AND of its terms (`a b or c` = `(a & b) | c`, as PostgreSQL
reads it). On top of it: the last word is a prefix while the user is still typing it (no
whitespace after it), and each word may carry alternatives (typo corrections, completions).

Operands are rendered from letter/digit runs only, each quoted, so the text handed to
`to_tsquery()` is well-formed whatever the user typed; `to_tsquery()` then applies the
configuration (unaccent, stemming, stop words) as it does to documents.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_CHARS = 1000
MAX_TOKENS = 24
MAX_TOKEN_CHARS = 48
TOKEN = re.compile(r"[^\W_]+")
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Token:
    """A run of letters and digits of the user's text, with where it was typed."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return self.text.lower()


@dataclass
class Term:
    tokens: list[Token]
    negated: bool = False
    quoted: bool = False
    prefix: bool = False  # the last token is a prefix (the word being typed)
    # Phrases the term also matches, word by word (search/understand.py's synonyms).
    synonyms: list[list[str]] = field(default_factory=list)


@dataclass
class ParsedQuery:
    text: str
    groups: list[list[Term]] = field(default_factory=list)  # OR of ANDs

    @property
    def tokens(self) -> list[Token]:
        return [t for group in self.groups for term in group for t in term.tokens]

    @property
    def positive_tokens(self) -> list[Token]:
        return [t for group in self.groups for term in group if not term.negated
                for t in term.tokens]

    @property
    def prefix_token(self) -> Token | None:
        for group in self.groups:
            for term in group:
                if term.prefix:
                    return term.tokens[-1]
        return None

    @property
    def has_positive(self) -> bool:
        return any(not term.negated for group in self.groups for term in group)


def query_parse(text: str) -> ParsedQuery:
    """The terms of `text`; anything that is not a letter or digit only separates."""
    text = (text or "")[:MAX_CHARS].replace("\x00", " ")
    parsed = ParsedQuery(text=text, groups=[[]])
    budget = MAX_TOKENS
    for match in re.finditer(r'(-*)"([^"]*)"?|(\S+)', text):
        if match.group(3) is not None and match.group(3).lower() == "or":
            if parsed.groups[-1]:
                parsed.groups.append([])
            continue
        negated, body_group = _term_parts(match)
        offset = match.start(body_group)
        tokens = [Token(m.group(), offset + m.start(), offset + m.end())
                  for m in TOKEN.finditer(match.group(body_group))
                  if len(m.group()) <= MAX_TOKEN_CHARS][:budget]
        if tokens:
            budget -= len(tokens)
            parsed.groups[-1].append(
                Term(tokens, negated=negated, quoted=match.group(2) is not None))
    parsed.groups = [group for group in parsed.groups if group]
    _mark_prefix(parsed)
    return parsed


def _term_parts(match: re.Match) -> tuple[bool, int]:
    if match.group(2) is not None:
        return bool(match.group(1)), 2
    word = match.group(3)
    return word.startswith("-"), 3


def _mark_prefix(parsed: ParsedQuery) -> None:
    """The last term is being typed if nothing (no space, no quote) follows it."""
    if not parsed.groups or not parsed.text or parsed.text[-1].isspace():
        return
    last = parsed.groups[-1][-1]
    if not last.quoted and not last.negated and last.tokens[-1].end == len(parsed.text):
        last.prefix = True


def tsquery_text(parsed: ParsedQuery, alternatives: Mapping[str, list[str]] | None = None,
                 completions: list[str] | None = None, *, any_term: bool = False,
                 prefix_operator: bool = True,
                 lexemes: Mapping[str, tuple[str | None, bool]] | None = None) -> str:
    """`to_tsquery()` input for `parsed`; `alternatives` are extra words per token key
    (positive terms only), `completions` extra words for the prefix token. With `any_term`,
    a document needs any one of the positive terms of a group instead of all of them.
    Without `prefix_operator` the typed word matches only itself and its completions.
    With `lexemes` (word -> its lexeme, and whether a document has it), a word's
    alternatives are written as tracked terms are: one word per lexeme, sorted by lexeme,
    leaving out those no document has. That matches the same documents."""
    alternatives = alternatives or {}
    render = (completions or [], prefix_operator, lexemes)
    groups = [_group(group, alternatives, render, any_term) for group in parsed.groups]
    return " | ".join(f"( {g} )" for g in groups if g)


def term_texts(parsed: ParsedQuery, alternatives: Mapping[str, list[str]] | None = None,
               completions: list[str] | None = None, *, prefix_operator: bool = True,
               lexemes: Mapping[str, tuple[str | None, bool]] | None = None,
               ) -> list[tuple[Term, str]]:
    """Each positive term of `parsed` (once) with its own `to_tsquery()` input, rendered as
    in tsquery_text: what term rarity weighs one by one."""
    render = (completions or [], prefix_operator, lexemes)
    out = {}
    for group in parsed.groups:
        for term in group:
            if not term.negated:
                out.setdefault(_term(term, alternatives or {}, render), term)
    return [(term, text) for text, term in out.items()]


def _group(group: list[Term], alternatives, completions, any_term: bool) -> str:
    terms = [_term(term, alternatives, completions) for term in group]
    if not any_term:
        return " & ".join(terms)
    wanted = [t for t, term in zip(terms, group, strict=True) if not term.negated]
    unwanted = [t for t, term in zip(terms, group, strict=True) if term.negated]
    if len(wanted) <= 1:  # any one of one term is that term: render it as without any_term
        return " & ".join(terms)
    return " & ".join([f"( {' | '.join(wanted)} )", *unwanted])


def _term(term: Term, alternatives, render) -> str:
    completions, prefix_operator, lexemes = render
    operands = []
    for i, token in enumerate(term.tokens):
        extra = [] if term.negated else alternatives.get(token.key, [])
        words = [token.key, *extra]
        if term.prefix and i == len(term.tokens) - 1:
            if prefix_operator:
                operands.append(" | ".join([_quote(token.key) + ":*",
                                            *map(_quote, [*extra, *completions])]))
                continue
            words = [*words, *completions]
        if lexemes is not None and not term.negated:
            words = _canonical(words, lexemes)
        operands.append(" | ".join(map(_quote, words)))
    rendered = " <-> ".join(f"( {o} )" for o in operands)
    if term.synonyms:
        phrases = [" <-> ".join(map(_quote, words)) for words in term.synonyms]
        rendered = " | ".join(f"( {p} )" for p in [rendered, *phrases])
    return f"!( {rendered} )" if term.negated else f"( {rendered} )"


def _canonical(words: list[str], lexemes: Mapping[str, tuple[str | None, bool]]) -> list[str]:
    """One word per lexeme that some document has, in lexeme order (as search_terms_track()
    writes a term); the words unchanged when one is not known or none is in a document."""
    if any(word not in lexemes for word in words):
        return words
    kept: dict[str, str] = {}
    for word in words:
        lexeme, present = lexemes[word]
        if lexeme is not None and present:
            kept.setdefault(lexeme, word)
    return [kept[lexeme] for lexeme in sorted(kept)] if kept else words


def _quote(word: str) -> str:
    # Tokens and vocabulary words hold letters and digits only; strip quotes all the same.
    return "'" + word.replace("'", "").replace("\\", "") + "'"


def negative_tsquery_text(parsed: ParsedQuery) -> str:
    """The excluded terms as one `|` query (for a query made only of exclusions)."""
    terms = [_term(Term(term.tokens, quoted=term.quoted), {}, ([], True, None))
             for group in parsed.groups for term in group if term.negated]
    return " | ".join(terms)


def query_rewrite(parsed: ParsedQuery, replacements: Mapping[Token, str]) -> str:
    """The user's text with some tokens replaced (case of the first letter kept)."""
    text, out, last = parsed.text, [], 0
    for token in sorted(replacements, key=lambda t: t.start):
        word = replacements[token]
        if token.text[:1].isupper():
            word = word[:1].upper() + word[1:]
        out += [text[last:token.start], word]
        last = token.end
    return SPACE.sub(" ", "".join([*out, text[last:]])).strip()
