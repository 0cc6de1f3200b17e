"""strawberry-django's ordered cursors (DjangoCursorConnection), written in SQL and read back.

A cursor is `base64("orderedcursor:" + json.dumps(values, separators=(",", ":")))` of a
row's order keys (the ordering, the primary key appended when it lacks it), each as
Django's `Field.value_to_string` renders it: text as is, the primary key in digits, an
instant as `isoformat()` in UTC, a range as `json.dumps({"bounds": "[)", "lower": ...,
"upper": ...})`; Python's json writes non-ASCII as `\\uXXXX` (ensure_ascii), which
`json_string_sql` repeats. `cursor_sql` writes a row's cursor byte for byte as the existing
path does.

`decode` reads back only what `cursor_sql` writes: a cursor that does not encode again to
itself (malformed, another prefix, another number or kind of keys, a value written
otherwise) raises Unsupported, and the existing path answers it (an error, or its reading
of the values). `keyset` is strawberry-django's build_tuple_compare over the same keys:
`k1 > v1 OR (k1 = v1 AND (k2 > v2 OR ...))`, `<` for DESC and for `before`. Its extra
`IS NULL` branches for keys it cannot prove NOT NULL (a joined column) hold for no row:
every order key here is NOT NULL (a booking's period bounded), and a cursor holding null
goes the existing path.
"""

import datetime as dt
import json

from strawberry.relay import from_base64, to_base64

from schema.common import BIGINT_MAX
from schema.compiled.filters import Sql
from schema.compiled.selection import Unsupported
from schema.compiled.types import datetime_sql

PREFIX = "orderedcursor"  # DjangoCursorEdge.CURSOR_PREFIX
RANGE_BOUNDS = ("[)", "(]", "()", "[]")
# Order keys by column name; any other column is text (names, slugs, cities, references).
KINDS = {"id": "int", "created_at": "instant", "period": "range"}


def kind_of(expression: str) -> str:
    """How the order key `expression` (a column, `alias.name`) is written in a cursor."""
    return KINDS.get(expression.rsplit(".", 1)[-1], "text")


def json_string_sql(expression: str) -> str:
    """Python's json.dumps of a text (ensure_ascii): PostgreSQL's to_json escapes the same
    ASCII characters the same way; non-ASCII and DEL become \\uXXXX (surrogate pairs past
    U+FFFF), character by character, only in texts that have any."""
    value = f"to_json(({expression})::text)::text"
    code = "ascii(c)"
    escaped = (f"CASE WHEN {code} < 127 THEN c "
               f"WHEN {code} < 65536 THEN '\\u' || lpad(to_hex({code}), 4, '0') "
               f"ELSE '\\u' || to_hex(55296 + (({code} - 65536) >> 10)) "
               f"|| '\\u' || to_hex(56320 + (({code} - 65536) & 1023)) END")
    return (f"(CASE WHEN octet_length({expression}) = char_length({expression}) "
            f"AND strpos({expression}, chr(127)) = 0 THEN {value} ELSE "
            f"(SELECT string_agg({escaped}, '' ORDER BY i) "
            f"FROM regexp_split_to_table({value}, '') WITH ORDINALITY AS s(c, i)) END)")


def _range_text_sql(expression: str) -> str:
    """RangeField.value_to_string of a tstzrange: json.dumps of bounds, lower, upper."""
    def bound(end: str) -> str:
        return f"COALESCE('\"' || {datetime_sql(f'{end}({expression})')} || '\"', 'null')"

    return (f"(CASE WHEN isempty({expression}) THEN '{{\"empty\": true}}' ELSE "
            f"'{{\"bounds\": \"' || CASE WHEN lower_inc({expression}) THEN '[' ELSE '(' END"
            f" || CASE WHEN upper_inc({expression}) THEN ']' ELSE ')' END"
            f" || '\", \"lower\": ' || {bound('lower')} || ', \"upper\": ' || {bound('upper')}"
            " || '}' END)")


def _value_sql(kind: str, expression: str) -> str:
    """The JSON of one order key in a cursor (null when the key is)."""
    if kind == "text":
        text = json_string_sql(expression)
    elif kind == "int":
        text = f"'\"' || ({expression})::text || '\"'"
    elif kind == "instant":
        text = f"'\"' || {datetime_sql(expression)} || '\"'"
    else:
        text = f"to_json({_range_text_sql(expression)})::text"  # ASCII: to_json is Python's
    return f"COALESCE({text}, 'null')"


def cursor_sql(keys: list[tuple[str, str]]) -> str:
    """The cursor of a row whose order keys are `keys` [(expression, kind)]."""
    values = " || ',' || ".join(_value_sql(kind, expression) for expression, kind in keys)
    text = f"'{PREFIX}:[' || {values} || ']'"
    # encode() breaks base64 lines after 76 characters; Python's b64encode does not.
    return f"translate(encode(convert_to({text}, 'UTF8'), 'base64'), chr(10), '')"


def decode(cursor: str, kinds: list[str]) -> list:
    """The order keys' values (as parameters) of a cursor that `cursor_sql` writes for keys
    of these kinds; Unsupported for any other."""
    try:
        prefix, text = from_base64(cursor)
        strings = json.loads(text)
    except (ValueError, RecursionError):
        raise Unsupported("malformed cursor") from None
    if (prefix != PREFIX or not isinstance(strings, list) or len(strings) != len(kinds)
            or not all(isinstance(value, str) for value in strings)
            or to_base64(PREFIX, json.dumps(strings, separators=(",", ":"))) != cursor):
        raise Unsupported("foreign cursor")
    return [_parse(kind, value) for kind, value in zip(kinds, strings, strict=True)]


def _parse(kind: str, text: str):
    if kind == "text":
        return text
    if kind == "int":
        if not (text.isascii() and text.isdigit()) or str(int(text)) != text \
                or int(text) > BIGINT_MAX:
            raise Unsupported("cursor key")
        return int(text)
    if kind == "instant":
        return _instant(text)
    return _range(text)


def _instant(text) -> dt.datetime:
    """An instant as isoformat() writes it in UTC, else Unsupported."""
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise Unsupported("cursor key") from None
    if value.utcoffset() != dt.timedelta(0) or value.isoformat() != text:
        raise Unsupported("cursor key")
    return value


def _range(text: str) -> str:
    """A bounded range as RangeField.value_to_string writes it, as a tstzrange's text."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Unsupported("cursor key") from None
    if (not isinstance(value, dict) or list(value) != ["bounds", "lower", "upper"]
            or value["bounds"] not in RANGE_BOUNDS or json.dumps(value) != text):
        raise Unsupported("cursor key")
    lower, upper = (_instant(value[end]) for end in ("lower", "upper"))
    if not lower < upper:  # empty or reversed: the existing path's to judge
        raise Unsupported("cursor key")
    bounds = value["bounds"]
    return f'{bounds[0]}"{lower.isoformat()}","{upper.isoformat()}"{bounds[1]}'


def keyset(order: list[tuple[str, str]], kinds: list[str], values: list,
           before: bool) -> Sql:
    """The rows after (or before) the cursor's values in `order` [(expression, direction)]."""
    current = None
    for (expression, direction), kind, value in reversed(list(zip(order, kinds, values,
                                                                  strict=True))):
        placeholder = "%s::tstzrange" if kind == "range" else "%s"
        operator = "<" if before ^ direction.startswith("DESC") else ">"
        compare = Sql(f"{expression} {operator} {placeholder}", [value])
        if current is None:
            current = compare
        else:
            current = Sql(f"({compare.text} OR ({expression} = {placeholder} AND "
                          f"{current.text}))", [value, value, *current.params])
    if len(order) > 1:
        # The same rows, with a bound on the first key an index can start from (the OR
        # alone is a filter on every row before the page: linear in the page's depth).
        current = Sql(f"{expression} {operator}= {placeholder} AND {current.text}",
                      [value, *current.params])
    return Sql(f"({current.text})", current.params)
