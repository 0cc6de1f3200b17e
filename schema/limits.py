"""Limits of one GraphQL request, each checked in time linear in the document's size.

One extension owns the document from text to execution:

1. Parsing, cached by text: at most MAX_QUERY_CHARS characters and MAX_TOKENS tokens.
2. Before graphql-core validates it: depth (MAX_DEPTH) and aliases (MAX_ALIASES), with each
   fragment measured once. strawberry's limiters walked a fragment again at every spread:
   `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } …` doubled their work at each level
   (45 s of CPU for 892 bytes). graphql-core's check of overlapping fields, quadratic in
   the fields of one name, is stopped at OVERLAP_BUDGET comparisons. Validation results
   are cached by text too.
3. Before execution, with the variables: input nesting (MAX_INPUT_DEPTH) and the cost,
   the number of objects the answer may hold (`estimate_cost`, lists multiply), at most
   MAX_COST.

Every refusal is an error with a code: query_too_large, too_many_tokens, query_too_deep,
too_many_aliases, query_too_complex, input_too_deep, query_too_costly.
"""

import datetime as dt
import functools
import math
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    parse,
    value_from_ast_untyped,
)
from graphql.error import GraphQLSyntaxError
from graphql.validation import (
    NoUndefinedVariablesRule,
    NoUnusedVariablesRule,
    VariablesInAllowedPositionRule,
)
from graphql.validation.rules import overlapping_fields_can_be_merged
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.base import get_object_definition

from schema.common import parse_datetime

MAX_QUERY_CHARS = 20_000
MAX_TOKENS = 2_000
MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_SELECTIONS = 100  # fields and fragments side by side in one selection set
MAX_FRAGMENTS = 25  # fragment definitions (graphql-core walks each again per variable rule)
MAX_INPUT_DEPTH = 16
MAX_COST = 50_000
# graphql-core's check that fields of one response name can merge compares them in pairs;
# it aborts the validation after this many steps (about 4 µs each here; its default,
# 500,000, took 0.3-0.5 s on a 2,000-token document). The README's and the benchmarks'
# documents and the GraphiQL introspection query take 0 to 21.
OVERLAP_BUDGET = 2_000
CACHE_SIZE = 256  # distinct document texts whose parse and validation are kept

overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = OVERLAP_BUDGET


def limit_error(message: str, code: str, nodes=None, **extensions) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": code, **extensions})


class DocumentLimits(SchemaExtension):
    """Parse, limit, validate (both cached by text) and estimate the cost of a request."""

    def on_parse(self) -> Iterator[None]:
        self.execution_context.graphql_document = parse_document(self.execution_context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = validation_errors(
            context.query, graphql_schema(context.schema), tuple(context.validation_rules))
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        check_input_depth(context.variables)
        cost = estimate_cost(graphql_schema(context.schema), context.graphql_document,
                             context.operation_name, context.variables or {})
        if cost > MAX_COST:
            raise limit_error(
                f"This request could return {cost:,} objects; at most {MAX_COST:,} are "
                "allowed. Ask for smaller pages, fewer resources or a shorter window.",
                "query_too_costly", cost=cost, maxCost=MAX_COST)
        yield


@functools.cache
def graphql_schema(schema) -> GraphQLSchema:
    """graphql-core's schema of a strawberry schema, by public ways (strawberry keeps its own
    private): a GraphQLSchema of the very graphql-core types strawberry's schema converter
    made for it, gathered from its root types as strawberry gathers them. Validation and
    the cost estimate see the objects strawberry executes with (scalars' parsers, the
    type definitions strawberry's own validation rules read); about 1 ms, once per schema.

    It holds graphql-core's specified directives, which are all this schema has;
    tests/abuse/test_public_schema.py checks it introspects and validates as strawberry's.
    """
    converter = schema.schema_converter

    def root(type_):
        return converter.from_object(get_object_definition(type_, strict=True)) if type_ else None

    return GraphQLSchema(query=root(schema.query), mutation=root(schema.mutation),
                         subscription=root(schema.subscription))


# --- 1. parsing ------------------------------------------------------------------------


@functools.lru_cache(maxsize=CACHE_SIZE)
def parse_document(text: str) -> DocumentNode:
    """The parsed document; a GraphQLError with a code when it is too large or too deep."""
    if len(text) > MAX_QUERY_CHARS:
        raise limit_error(f"The document has {len(text):,} characters; at most "
                          f"{MAX_QUERY_CHARS:,} are allowed.", "query_too_large")
    try:
        return parse(text, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError as error:
        # graphql-core stops at MAX_TOKENS, and at a nesting its recursion could not take.
        if "tokens. Parsing aborted" in error.message:
            raise limit_error(f"The document has more than {MAX_TOKENS:,} tokens.",
                              "too_many_tokens") from None
        if "nested too deeply" in error.message:
            raise limit_error("The document is nested too deeply.", "query_too_deep") from None
        raise
    except RecursionError:
        raise limit_error("The document is nested too deeply.", "query_too_deep") from None


def operation_summary(text: str | None, name: str | None) -> tuple[str | None, str]:
    """The name and type (query, mutation, subscription) of the operation a request runs;
    type "invalid" when the document does not parse or names no single operation."""
    try:
        operation = _operation(parse_document(text or ""), name)
    except GraphQLError:
        return name, "invalid"
    if operation is None:
        return name, "invalid"
    return name or (operation.name.value if operation.name else None), operation.operation.value


# --- 2. shape and validation -----------------------------------------------------------


@functools.lru_cache(maxsize=CACHE_SIZE)
def validation_errors(text: str, schema: GraphQLSchema, rules: tuple) -> list[GraphQLError]:
    """The document's limit errors if any, else graphql-core's validation errors."""
    document = parse_document(text)
    errors = shape_errors(document)
    if errors:
        return errors
    if "$" not in text:  # no variable anywhere: nothing for the rules on variables to find
        rules = tuple(rule for rule in rules if rule not in VARIABLE_RULES)
    return [_coded_abort(error) for error in validate_document(schema, document, rules)]


# Each walks every fragment of an operation again with a TypeInfo visitor (about 1 ms a
# fragment here) to collect variable usages: half the validation of a fragment-heavy
# document that has no variables at all.
VARIABLE_RULES = frozenset({NoUndefinedVariablesRule, NoUnusedVariablesRule,
                            VariablesInAllowedPositionRule})


def _coded_abort(error: GraphQLError) -> GraphQLError:
    if not isinstance(error, ValidationAbortedError):
        return error
    return limit_error("The document has too many fields of the same name to check.",
                       "query_too_complex")


def shape_errors(document: DocumentNode) -> list[GraphQLError]:
    """Limit errors of a document's shape (any document: invalid ones too): fragments,
    selections side by side (graphql-core compares those of one name in pairs), aliases,
    depth."""
    fragments = sum(isinstance(d, FragmentDefinitionNode) for d in document.definitions)
    if fragments > MAX_FRAGMENTS:
        return [limit_error(f"The document defines {fragments} fragments; at most "
                            f"{MAX_FRAGMENTS} are allowed.", "query_too_complex")]
    widest = max((len(s.selections) for s in _selection_sets(document)), default=0)
    if widest > MAX_SELECTIONS:
        return [limit_error(f"A selection set has {widest} selections; at most "
                            f"{MAX_SELECTIONS} are allowed.", "query_too_complex")]
    aliases = sum(1 for s in _selection_sets(document) for node in s.selections
                  if isinstance(node, FieldNode) and node.alias)
    if aliases > MAX_ALIASES:
        return [limit_error(f"{aliases} aliases found. Allowed: {MAX_ALIASES}",
                            "too_many_aliases")]
    depths = _FragmentDepths(document)
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            depth = depths.of(operation.selection_set)
            if depth > MAX_DEPTH:
                name = operation.name.value if operation.name else "anonymous"
                return [limit_error(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}",
                                    "query_too_deep", [operation])]
    return []


def _selection_sets(document: DocumentNode) -> Iterator[SelectionSetNode]:
    """Every selection set of the document, each once (an explicit stack: no recursion)."""
    stack = [d.selection_set for d in document.definitions
             if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)]
    while stack:
        selection_set = stack.pop()
        yield selection_set
        stack += [selection.selection_set for selection in selection_set.selections
                  if getattr(selection, "selection_set", None) is not None]


class _FragmentDepths:
    """Depth as strawberry's QueryDepthLimiter counts it (a field with a selection set is
    1 + the depth of that set; leaves and introspection fields are 0), with the depth of
    each fragment computed once, fragments first (spreads of unknown or cyclic fragments,
    which validation refuses, count 0)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.known: dict[str, int] = {}
        for name in self._dependencies_first():
            self.known[name] = self.of(self.fragments[name].selection_set)

    def _dependencies_first(self) -> list[str]:
        order, state = [], {}  # state: 1 while being visited, 2 when done
        for root in self.fragments:
            stack = [(root, False)]
            while stack:
                name, done = stack.pop()
                if done:
                    state[name] = 2
                    order.append(name)
                elif name in self.fragments and name not in state:
                    state[name] = 1
                    stack.append((name, True))
                    stack += [(spread, False) for spread in
                              _spreads(self.fragments[name].selection_set)]
        return order

    def of(self, selection_set: SelectionSetNode) -> int:
        """Depth of a selection set; stops counting past MAX_DEPTH + 1."""
        deepest, stack = 0, [(selection_set, 0)]
        while stack:
            current, above = stack.pop()
            for selection in current.selections:
                if isinstance(selection, FieldNode):
                    if selection.selection_set is None or selection.name.value.startswith("__"):
                        continue
                    deepest = max(deepest, above + 1)
                    if above + 1 <= MAX_DEPTH:
                        stack.append((selection.selection_set, above + 1))
                elif isinstance(selection, InlineFragmentNode):
                    stack.append((selection.selection_set, above))
                elif isinstance(selection, FragmentSpreadNode):
                    deepest = max(deepest, above + self.known.get(selection.name.value, 0))
        return deepest


def _spreads(selection_set: SelectionSetNode) -> list[str]:
    """Names of the fragments spread anywhere inside a selection set."""
    names, stack = [], [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif selection.selection_set is not None:
                stack.append(selection.selection_set)
    return names


# --- 3. input depth and cost -----------------------------------------------------------


def check_input_depth(variables: dict | None) -> None:
    """Refuse variables nested deeper than MAX_INPUT_DEPTH lists and objects."""
    stack = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_INPUT_DEPTH:
                raise limit_error(f"Variables may nest at most {MAX_INPUT_DEPTH} levels.",
                                  "input_too_deep")
            children = value.values() if isinstance(value, dict) else value
            stack += [(child, depth + 1) for child in children]


# The number of items a list field may hold, per (parent type, field): from the field's
# arguments (`args`), or from the window and page of the root field above it (`scope`).
# Every list field of the schema is here (tests/abuse/test_limits.py checks it).
MAX_PAGE = 100
RELATED = 25  # a resource's amenities, weekly opening rules or rates: no constraint caps them
FACETS = 50  # values of one search facet (categories, cities or amenities) counted
MAX_WINDOW_DAYS = 92


def _page(args: dict, *_) -> int:
    pagination = args.get("pagination") if isinstance(args.get("pagination"), dict) else {}
    sizes = {**args, **pagination}
    size = next((sizes[name] for name in ("limit", "first", "last") if name in sizes), MAX_PAGE)
    return _bounded(size, MAX_PAGE)


def _per_id(args: dict, *_) -> int:
    ids = args.get("resourceIds")
    return len(ids) if isinstance(ids, list) else MAX_PAGE


def _fixed(size: int):
    return lambda *_: size


def _window_days(args: dict) -> float:
    window = args.get("window")
    try:
        lower, upper = (parse_datetime(window[bound]) for bound in ("lower", "upper"))
        days = (upper - lower) / dt.timedelta(days=1)
    except (TypeError, KeyError, ValueError, OverflowError):
        return MAX_WINDOW_DAYS  # not a usable window: the field itself will refuse it
    return min(max(days, 0), MAX_WINDOW_DAYS)


def _slots(args: dict, scope: dict) -> int:
    """Slots of one resource: the window divided by the step (or the duration)."""
    minutes = _window_days(scope) * 24 * 60
    step = scope.get("stepMinutes") or scope.get("durationMinutes", 60)
    return math.ceil(minutes / step) + 1 if isinstance(step, int) and step > 0 else 1


def _occupancy(args: dict, *_) -> int:
    days = 7 if args.get("bucket") == "WEEK" else 1
    return _per_id(args) * (math.ceil(_window_days(args) / days) + 1)


def _bounded(value, most: int) -> int:
    return min(max(value, 0), most) if isinstance(value, int) else most


LIST_SIZES = {
    ("Query", "venues"): _page,
    ("Query", "categories"): _page,
    ("Query", "amenities"): _page,
    ("Query", "resources"): _page,
    ("Query", "availability"): _per_id,
    ("Query", "firstFreeSlot"): _per_id,
    ("Query", "occupancy"): _occupancy,
    ("ResourceAvailability", "slots"): _slots,
    ("ResourceAvailability", "freePeriods"): lambda args, scope: (
        2 * math.ceil(_window_days(scope)) + 1),
    ("AvailabilityChange", "freePeriods"): lambda args, scope: (
        2 * math.ceil(_window_days(scope)) + 1),
    ("SearchResult", "hits"): lambda args, scope: _bounded(scope.get("first", 20), MAX_PAGE),
    ("Facets", "category"): _fixed(FACETS),
    ("Facets", "city"): _fixed(FACETS),
    ("Facets", "amenity"): _fixed(FACETS),
    ("Resource", "amenities"): _fixed(RELATED),
    ("Resource", "openingHours"): _fixed(RELATED),
    ("Resource", "rates"): _fixed(RELATED),
}
# Relay connections hold a page: the connection field multiplies, its `edges` list does not.
CONNECTION_FIELDS = {("Query", "resourceConnection"), ("Query", "myBookings"),
                     ("Query", "bookings")}
# Root fields whose arguments set the size of lists below them (their `scope`).
SCOPES = {("Query", "availability"), ("Query", "search"),
          ("Subscription", "availabilityChanged")}


def estimate_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: dict) -> int:
    """The number of objects the answer to the operation may hold, at most: each object
    counts 1, and a list multiplies the cost of what it holds by its size (LIST_SIZES).
    Fragments spread at one level count once, as execution merges them; scalar values are
    free. Linear in the document: each fragment is costed once per scope."""
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    root = {"query": schema.query_type, "mutation": schema.mutation_type,
            "subscription": schema.subscription_type}[operation.operation.value]
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    return _Coster(schema, fragments, variables).selections(operation.selection_set, root,
                                                            _Scope())


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class _Coster:
    def __init__(self, schema: GraphQLSchema, fragments: dict, variables: dict) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.memo: dict = {}
        self.level_spreads: dict[str, list[str]] = {}

    def selections(self, selection_set: SelectionSetNode | None, parent, scope: "_Scope") -> int:
        """Cost of a selection set on `parent`; each fragment spread at this level (also
        through other fragments) counts once, as execution merges them."""
        if selection_set is None:
            return 0
        fields, spreads = self._level(selection_set, parent)
        total = sum(self.field(node, field_parent, scope) for node, field_parent in fields)
        return total + sum(self._fragment(name, parent, scope) for name in self._closure(spreads))

    def _fragment(self, name: str, parent, scope: "_Scope") -> int:
        key = (name, scope.key)
        if key not in self.memo:
            fragment = self.fragments[name]
            fields, _ = self._level(fragment.selection_set, self._type(fragment, parent))
            self.memo[key] = 0  # while costing it: a cycle (refused by validation) adds nothing
            self.memo[key] = sum(self.field(node, p, scope) for node, p in fields)
        return self.memo[key]

    def _closure(self, names: list[str]) -> set[str]:
        """The fragments spread at one level: these, and those they spread, transitively."""
        found, todo = set(), list(names)
        while todo:
            name = todo.pop()
            if name in found or name not in self.fragments:
                continue
            found.add(name)
            if name not in self.level_spreads:
                fragment = self.fragments[name]
                self.level_spreads[name] = self._level(fragment.selection_set, None)[1]
            todo += self.level_spreads[name]
        return found

    def _level(self, selection_set: SelectionSetNode, parent):
        """The fields of one level of a selection set (inline fragments opened) with their
        parent types, and the names of the fragments spread at that level."""
        fields, spreads, stack = [], [], [(selection_set, parent)]
        while stack:
            current, current_parent = stack.pop()
            for selection in current.selections:
                if isinstance(selection, FieldNode):
                    fields.append((selection, current_parent))
                elif isinstance(selection, InlineFragmentNode):
                    stack.append((selection.selection_set,
                                  self._type(selection, current_parent)))
                else:
                    spreads.append(selection.name.value)
        return fields, spreads

    def _type(self, fragment, parent):
        condition = fragment.type_condition
        return self.schema.get_type(condition.name.value) if condition else parent

    def field(self, node: FieldNode, parent, scope: "_Scope") -> int:
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:  # __typename, or a field of a union (only __typename)
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        key = (parent.name, node.name.value)
        args = {argument.name.value: value_from_ast_untyped(argument.value, self.variables)
                for argument in node.arguments or ()}
        if key in SCOPES:
            scope = _Scope(args)
        inner = 1 + self.selections(node.selection_set, named, scope)
        if key in CONNECTION_FIELDS:
            return _page(args) * inner
        if node.name.value == "edges" and "pageInfo" in parent.fields:
            return inner  # a connection's page: counted at the connection field
        if _is_list(definition.type):
            return LIST_SIZES.get(key, _fixed(MAX_PAGE))(args, scope.args) * inner
        return inner


class _Scope:
    """The arguments of the nearest root field in SCOPES, and a key for memoizing."""

    def __init__(self, args: dict | None = None) -> None:
        self.args = args or {}
        self.key = repr(sorted(self.args.items()))


def _is_list(graphql_type) -> bool:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)
