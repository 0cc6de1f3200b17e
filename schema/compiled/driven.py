"""Root fields answered by a selector's own statements, the JSON shaped in Python.

Availability and search are computed in PostgreSQL already (one statement; search two,
with Python reading the first before it writes the second) by selectors that also work in
Python around their statements. Such a root field is a `Driven`: its `steps(args, caller)`
is a generator that yields each statement as a `Query` and is sent that statement's rows
(a list of tuples), without doing any I/O itself, and returns the field's value as
JSON-ready Python: dicts keyed by the schema's field names, lists, str/int/float/bool/None
(ids, instants and decimals already rendered as the existing path renders them).
serve.py drives it on the async pool; the tests drive it on their own connection. A
`Shape`, compiled once per selection, picks and orders the selected keys (aliases,
fragments, __typename) from that value.

A step that finds a value the existing path answers with an error raises Unsupported: the
request then goes the existing path (reads have no side effects, so nothing is undone).
"""

from collections.abc import Callable, Generator
from dataclasses import dataclass

from graphql import FieldNode, get_named_type, is_object_type

from schema.compiled.selection import Unsupported


@dataclass(frozen=True)
class Query:
    """One statement of a driven root field, results in text or binary format. Prepared
    unless its text differs from request to request (values written into it); `generic`:
    planned once for any parameters (config/prepared.py)."""

    sql: str
    params: list | dict | None = None
    binary: bool = False
    prepare: bool = True
    generic: bool = False


Steps = Generator[Query, list[tuple], object]


@dataclass(frozen=True)
class Driven:
    """A covered root field answered by `steps(args, caller) -> Steps`; `type_name` is the
    named type of its value (a list when `many`), `nullable` whether null may answer."""

    type_name: str
    steps: Callable[[dict, object], Steps]
    many: bool = False
    nullable: bool = False
    # Named types whose selection a Shape may not open (an object the value cannot hold).
    closed: frozenset[str] = frozenset()
    # Whether steps also takes the field's Shape: steps(args, caller, shape).
    shaped: bool = False


class Shape:
    """A selection on a JSON-ready value of GraphQL object type `type_name`."""

    def __init__(self, compiler, type_name: str, nodes: list[FieldNode],
                 closed: frozenset[str] = frozenset()) -> None:
        self.type_name = type_name
        self.nodes, self.fragments = nodes, compiler.fragments  # as compiled, for steps
        self.keys: list[tuple[str, str, Shape | None]] = []  # (response key, field, shape)
        definition = compiler.schema.get_type(type_name)
        for key, field in compiler.fields(type_name, nodes).items():
            name = field[0].name.value
            if name == "__typename":
                self.keys.append((key, name, None))
                continue
            if any(node.arguments for node in field):
                raise Unsupported(f"arguments on {type_name}.{name}")
            named = get_named_type(definition.fields[name].type)
            if not is_object_type(named):
                self.keys.append((key, name, None))
            elif named.name in closed:
                raise Unsupported(f"{type_name}.{name}")
            else:
                self.keys.append((key, name, Shape(compiler, named.name, field, closed)))

    def render(self, value):
        """The selected part of `value` (an object, a list of them or None), in order."""
        if value is None:
            return None
        if isinstance(value, list):
            return [self.render(item) for item in value]
        return {key: (self.type_name if name == "__typename"
                      else shape.render(value[name]) if shape is not None else value[name])
                for key, name, shape in self.keys}


def drive(steps: Steps, run: Callable[[Query], list[tuple]]) -> object:
    """The value of `steps`, each query answered by `run` (synchronously: the tests)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(run(query))
    except StopIteration as done:
        return done.value


async def drive_async(steps: Steps, run) -> object:
    """The value of `steps`, each query answered by `await run(query)` (serve.py)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(await run(query))
    except StopIteration as done:
        return done.value


DRIVEN: dict[str, Driven] = {}  # root field name -> Driven (availability, search, ...)
