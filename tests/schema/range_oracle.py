"""The oracle of the range round-trip tests: PostgreSQL's own constructors and operators.

A `Raw` range is what a client writes (bounds spelt as text, flags, isEmpty); `oracle()`
gives the range PostgreSQL builds from that same text, or the error code the API must
answer with. Strategies draw raw ranges of every kind and filter conditions.
"""

import contextlib
import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

from django.db import DataError, connection, transaction
from hypothesis import strategies as st

from schema.common import (
    DateRange,
    DateRangeInput,
    DateTimeRange,
    DateTimeRangeInput,
    DecimalRange,
    DecimalRangeInput,
    IntRange,
    IntRangeInput,
    parse_datetime,
)

UTC = dt.UTC
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1


# --- the kinds of range and the oracle ---------------------------------------------------


@dataclass(frozen=True)
class Kind:
    sql: str  # the PostgreSQL range type
    element: str  # its element type
    input: type
    output: type


DATETIME = Kind("tstzrange", "timestamptz", DateTimeRangeInput, DateTimeRange)
DATE = Kind("daterange", "date", DateRangeInput, DateRange)
INT = Kind("int4range", "int4", IntRangeInput, IntRange)
DECIMAL = Kind("numrange", "numeric", DecimalRangeInput, DecimalRange)


@dataclass(frozen=True)
class Raw:
    """A range as a client writes it; `*_text` is how the bound is spelt on the wire."""

    lower: Any = None
    upper: Any = None
    lower_inc: bool = True
    upper_inc: bool = False
    is_empty: bool = False
    lower_text: str | None = None
    upper_text: str | None = None

    def to_input(self, kind: Kind):
        return kind.input(lower=self.lower, upper=self.upper, lower_inc=self.lower_inc,
                          upper_inc=self.upper_inc, is_empty=self.is_empty)

    def variables(self, kind: Kind, *, omit_defaults: bool = False) -> dict:
        value = {"lower": _wire(kind, self.lower, self.lower_text),
                 "upper": _wire(kind, self.upper, self.upper_text),
                 "lowerInc": self.lower_inc, "upperInc": self.upper_inc,
                 "isEmpty": self.is_empty}
        if omit_defaults:
            defaults = {"lower": None, "upper": None, "lowerInc": True, "upperInc": False,
                        "isEmpty": False}
            value = {k: v for k, v in value.items() if v != defaults[k]}
        return value

    @property
    def texts(self) -> list[str | None]:
        """The bounds as PostgreSQL reads them; NULL is unbounded."""
        return [_text(self.lower, self.lower_text), _text(self.upper, self.upper_text)]

    @property
    def bounds(self) -> str:
        return ("[" if self.lower_inc else "(") + ("]" if self.upper_inc else ")")


def _wire(kind: Kind, value, text):
    if value is None or kind is INT:
        return value
    return text if text is not None else str(value)


def _text(value, text):
    return None if value is None else (text if text is not None else str(value))


@dataclass(frozen=True)
class Built:
    """PostgreSQL built a range from the client's text: `sql` with `params` is it."""

    sql: str
    params: list


@dataclass(frozen=True)
class Refused:
    code: str


def oracle(kind: Kind, raw: Raw) -> Built | Refused:
    """What the API must do with `raw`: PostgreSQL's range, or the error code."""
    if raw.is_empty:
        if raw.lower is not None or raw.upper is not None:
            return Refused("invalid_range")
        return Built(f"'empty'::{kind.sql}", [])
    if any(isinstance(v, dt.datetime) and v.tzinfo is None for v in (raw.lower, raw.upper)):
        return Refused("naive_datetime")  # PostgreSQL would guess the session's zone
    if any(isinstance(v, decimal.Decimal) and v.is_nan() for v in (raw.lower, raw.upper)):
        return Refused("invalid_range")  # PostgreSQL sorts NaN above all; we refuse it
    built = Built(f"{kind.sql}(%s::{kind.element}, %s::{kind.element}, %s)",
                  [*raw.texts, raw.bounds])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {built.sql}", built.params)
    except DataError as exc:
        # 22000: "range lower bound must be less than or equal to range upper bound";
        # 22003: int4range's canonical [) form overflows.
        return Refused({"22000": "invalid_range", "22003": "out_of_range"}[
            exc.__cause__.sqlstate])
    return built


def parts(expression: str) -> str:
    """SQL for the five things a range is, in the order of `api_parts`."""
    e = expression
    return f"lower({e}), upper({e}), lower_inc({e}), upper_inc({e}), isempty({e})"


def sql_one(sql: str, params=()) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def sql_all(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def api_parts(kind: Kind, value: dict) -> tuple:
    """A range as the API printed it, with datetimes parsed (they must be in UTC)."""

    def parse(text):
        if text is None or kind in (INT, DECIMAL) and not isinstance(text, str):
            return text
        if kind is DATETIME:
            instant = dt.datetime.fromisoformat(text)
            assert instant.utcoffset() == dt.timedelta(0), f"not UTC: {text}"
            return instant
        if kind is DATE:
            return dt.date.fromisoformat(text)
        return decimal.Decimal(text)

    return (parse(value["lower"]), parse(value["upper"]), value["lowerInc"],
            value["upperInc"], value["isEmpty"])


def object_parts(value) -> tuple:
    return (value.lower, value.upper, value.lower_inc, value.upper_inc, value.is_empty)


def as_dict(value) -> dict:
    return {"lower": value.lower, "upper": value.upper, "lowerInc": value.lower_inc,
            "upperInc": value.upper_inc, "isEmpty": value.is_empty}


@contextlib.contextmanager
def rolled_back():
    """For one hypothesis example: what it writes is rolled back at the end."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- strategies ---------------------------------------------------------------------------

OFFSETS = [dt.timedelta(0), dt.timedelta(hours=5, minutes=45), -dt.timedelta(hours=3, minutes=30),
           dt.timedelta(hours=14), -dt.timedelta(hours=12), dt.timedelta(hours=1)]
BASE = dt.datetime(2030, 3, 30, 22, 0, tzinfo=UTC)
FAR_INSTANTS = [dt.datetime(1970, 1, 1, tzinfo=UTC), dt.datetime(2100, 12, 31, 23, tzinfo=UTC)]


def instants(base: dt.datetime, *, far: bool = True) -> st.SearchStrategy[dt.datetime]:
    """Instants 10 minutes apart (so ranges meet, nest and coincide), some 1 µs later."""
    near = st.builds(lambda k, micro: base + k * dt.timedelta(minutes=10)
                     + dt.timedelta(microseconds=micro),
                     st.integers(-1, 8), st.sampled_from([0, 0, 0, 1, 999999]))
    return near | st.sampled_from(FAR_INSTANTS) if far else near


@st.composite
def spelt(draw, instant: st.SearchStrategy, *, naive: bool = True,
          nanos: bool = True) -> tuple[dt.datetime, str]:
    """An instant in some UTC offset, spelt like a client might (sometimes without an
    offset, or with nanoseconds as .NET and Go print them), and the value the API reads."""
    value = draw(instant).astimezone(dt.timezone(draw(st.sampled_from(OFFSETS))))
    if naive and draw(st.integers(0, 11)) == 0:
        value = value.replace(tzinfo=None)
    date, time, offset = value.date().isoformat(), value.time().isoformat(), ""
    if value.tzinfo is not None:
        offset = value.isoformat()[-6:]
        style = draw(st.sampled_from(["extended", "basic", "zulu"]))
        if style == "basic":
            offset = offset.replace(":", "")  # +05:45 -> +0545
        elif style == "zulu" and offset == "+00:00":
            offset = "Z"
    if nanos and draw(st.integers(0, 3)) == 0:
        # 7 to 9 digits: PostgreSQL rounds them to microseconds; so must the API.
        time = time[:8] + "." + draw(st.sampled_from(["0000000", "4999999", "5000000",
                                                       "9999999", "0000005", "123456789"]))
    text = f"{date}T{time}{offset}"
    return parse_datetime(text), text


@st.composite
def raw_ranges(draw, kind: Kind, elements: st.SearchStrategy) -> Raw:
    """Any range a client may write, valid or not. `elements` draws (value, text)."""
    shape = draw(st.sampled_from(["range"] * 6 + ["empty", "empty with bounds"]))
    lower, lower_text = draw(st.none().map(lambda _: (None, None)) | elements)
    upper, upper_text = draw(st.none().map(lambda _: (None, None)) | elements)
    if shape == "empty":
        return Raw(is_empty=True, lower_inc=draw(st.booleans()), upper_inc=draw(st.booleans()))
    if shape == "empty with bounds" and lower is None and upper is None:
        lower, lower_text = draw(elements)
    return Raw(lower, upper, draw(st.booleans()), draw(st.booleans()),
               shape == "empty with bounds", lower_text, upper_text)


def plain(values: st.SearchStrategy) -> st.SearchStrategy:
    return values.map(lambda v: (v, str(v)))


DATETIMES = spelt(instants(BASE))
DATES = plain(st.builds(lambda k: dt.date(2030, 3, 28) + dt.timedelta(days=k), st.integers(-1, 6))
              | st.sampled_from([dt.date(1, 1, 1), dt.date(1999, 12, 31), dt.date(9999, 12, 30)]))
INTS = plain(st.integers(-1, 9) | st.sampled_from([INT4_MIN, INT4_MIN + 1, INT4_MAX - 1,
                                                   INT4_MAX]))
DECIMALS = plain(st.sampled_from([decimal.Decimal(v) for v in (
    "-2.5", "0", "0.000001", "0.5", "1", "1.00", "1.000001", "2", "1E+3", "Infinity",
    "-Infinity", "NaN")]))
ELEMENTS = {DATETIME: DATETIMES, DATE: DATES, INT: INTS, DECIMAL: DECIMALS}



# --- filter conditions ----------------------------------------------------------------------

# The PostgreSQL operator of each filter, from the documentation (not from schema/common.py):
# https://www.postgresql.org/docs/current/functions-range.html
OPERATORS = {"overlaps": "&&", "contains": "@>", "containedBy": "<@", "adjacentTo": "-|-",
             "strictlyLeftOf": "<<", "strictlyRightOf": ">>", "notExtendsLeftOf": "&>",
             "notExtendsRightOf": "&<"}
PREDICATES = {"isEmpty": "isempty", "lowerInf": "lower_inf", "upperInf": "upper_inf"}


@dataclass(frozen=True)
class Condition:
    """One filter operator and its value, as GraphQL variables and as PostgreSQL SQL."""

    operator: str
    raw: Raw | None = None  # for the range operators
    element: tuple | None = None  # (value, text) for containsElement
    flag: bool | None = None  # for the predicates
    omit_defaults: bool = False

    def variables(self, kind: Kind):
        if self.raw is not None:
            return {self.operator: self.raw.variables(kind, omit_defaults=self.omit_defaults)}
        if self.element is not None:
            return {self.operator: _wire(kind, *self.element)}
        return {self.operator: self.flag}

    def to_filter(self, kind: Kind, filter_type):
        name = {"containedBy": "contained_by", "adjacentTo": "adjacent_to",
                "strictlyLeftOf": "strictly_left_of", "strictlyRightOf": "strictly_right_of",
                "notExtendsLeftOf": "not_extends_left_of",
                "notExtendsRightOf": "not_extends_right_of", "containsElement": "contains_element",
                "isEmpty": "is_empty", "lowerInf": "lower_inf", "upperInf": "upper_inf"
                }.get(self.operator, self.operator)
        value = (self.raw.to_input(kind) if self.raw is not None
                 else self.element[0] if self.element is not None else self.flag)
        return filter_type(**{name: value})

    def where(self, kind: Kind, column: str) -> Built | Refused:
        """The WHERE clause PostgreSQL evaluates for this condition, or the error code."""
        if self.raw is not None:
            built = oracle(kind, self.raw)
            if isinstance(built, Refused):
                return built
            return Built(f"{column} {OPERATORS[self.operator]} {built.sql}", built.params)
        if self.element is not None:
            value, text = self.element
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                return Refused("naive_datetime")
            return Built(f"{column} @> %s::{kind.element}", [text])
        return Built(f"{PREDICATES[self.operator]}({column}) = %s", [self.flag])


@st.composite
def conditions(draw, kind: Kind) -> Condition:
    operator = draw(st.sampled_from([*OPERATORS, "containsElement", *PREDICATES]))
    if operator in OPERATORS:
        return Condition(operator, raw=draw(raw_ranges(kind, ELEMENTS[kind])),
                         omit_defaults=draw(st.booleans()))
    if operator == "containsElement":
        return Condition(operator, element=draw(ELEMENTS[kind]))
    return Condition(operator, flag=draw(st.booleans()))


def describe(where: Built | Refused) -> str:
    return where.code if isinstance(where, Refused) else "accepted"


def matching(table: str, key: str, where: Built, extra: str = "TRUE") -> set:
    rows = sql_all(f"SELECT {key} FROM {table} WHERE {extra} AND {where.sql}", where.params)
    return {row[0] for row in rows}
