"""A GraphQL document to compiled statements, decided once per (document text, operation).

`plan_for(text, operation_name)` is None when the compiler does not cover the operation
(anything but a query of covered root fields and types, or a document that does not parse
or validate); the request then goes the existing path, unchanged. Otherwise the plan holds
each root field's selection compiled to SQL (recompiled only for other values of the
variables that @skip/@include read), and `Plan.statements(variables, caller)` turns a
request's variables into one statement per root field: argument coercion and the filters'
SQL, about 20-50 µs. Parsing and validation are schema/limits.py's, cached by text.
"""

import functools
from dataclasses import dataclass

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    specified_rules,
)
from graphql.execution.values import get_argument_values, get_variable_values

# availability registers its driven root fields.
from schema.compiled import arguments, availability, connections  # noqa: F401
from schema.compiled.connections import CONNECTIONS, Connection
from schema.compiled.driven import DRIVEN, Driven, Shape
from schema.compiled.roots import ROOTS, Caller, statement
from schema.compiled.search import search_steps  # noqa: F401 - registers DRIVEN["search"]
from schema.compiled.selection import Unsupported, collect, directive_variables
from schema.compiled.types import Compiler
from schema.limits import (
    CACHE_SIZE,
    MAX_COST,
    check_input_depth,
    estimate_cost,
    operation_summary,
    parse_document,
    validation_errors,
)

RULES = tuple(specified_rules)
MAX_VARIANTS = 16  # compiled selections kept per plan (values of @skip/@include variables)


@functools.cache
def graphql_schema():
    """graphql-core's schema of our SDL (the public way to it: strawberry's own is private).
    Validation against it is graphql-core's with the same rules strawberry adds."""
    from schema import schema  # noqa: PLC0415 - schema imports the views' modules

    return build_schema(schema.as_str())


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through a call
class Statement:
    """One root field's statement: its response key, field nodes (for error locations)
    and whether a null answer is allowed (else an error nulls the whole `data`). Its
    answer is `constant` (`__typename`), else the JSON text `sql` returns, else (a driven
    root field) the value `steps()` returns (driven.py), as `shape` selects it."""

    key: str
    nodes: tuple
    nullable: bool
    sql: object  # Sql, or None
    constant: str | None = None
    steps: object = None  # () -> driven.Steps
    shape: Shape | None = None


class Plan:
    def __init__(self, text: str, operation: OperationDefinitionNode, fragments: dict):
        self.text, self.operation, self.fragments = text, operation, fragments
        self.name = operation.name.value if operation.name else None
        document = parse_document(text)
        self.directive_variables = directive_variables(document)
        self.compiled = {}  # directive variables' values -> [(key, nodes, root, obj, alias)]
        # The cost with every page at its largest: no request of this document costs more.
        self.worst_cost = estimate_cost(graphql_schema(), document, self.name, {})
        # With only scalar variables, each root field's arguments without graphql-core.
        self.scalars = arguments.scalar_definitions(graphql_schema(), operation)
        self.scalar_arguments = {}

    def selection(self, variables: dict) -> list:
        """The root fields with their compiled selections, for these directive values."""
        key = tuple(variables.get(name) for name in sorted(self.directive_variables))
        compiled = self.compiled.get(key)
        if compiled is None:
            compiled = self._compile(variables)
            if len(self.compiled) < MAX_VARIANTS:  # 2**n of them for n directive variables
                self.compiled[key] = compiled
        return compiled

    def _compile(self, variables: dict) -> list:
        schema = graphql_schema()
        compiler = Compiler(schema, self.fragments, variables)
        roots = []
        fields = collect(schema, self.fragments, variables, "Query",
                         [self.operation.selection_set])
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append((key, nodes, None, None, None))
                continue
            alias = compiler.alias()
            if name in CONNECTIONS:
                root = CONNECTIONS[name]
                compiled = connections.compile_selection(compiler, root, alias, nodes)
            elif name in ROOTS:
                root = ROOTS[name]
                compiled = compiler.object(root.type_name, alias, nodes)
            elif name in DRIVEN:
                root = DRIVEN[name]
                compiled = Shape(compiler, root.type_name, nodes, root.closed)
            else:
                raise Unsupported(f"Query.{name}")
            roots.append((key, nodes, root, compiled, alias))
        return roots

    def statements(self, raw_variables: dict | None, caller: Caller) -> list[Statement]:
        """One statement per root field; Unsupported when the existing path must answer
        (variables it cannot read, limits exceeded, values its resolvers refuse)."""
        raw = raw_variables or {}
        variables, selection, args = self._scalar_arguments(raw) or self._coerced(raw)
        if self.worst_cost > MAX_COST and estimate_cost(
                graphql_schema(), parse_document(self.text), self.name, raw) > MAX_COST:
            raise Unsupported("query_too_costly")
        out = []
        for key, nodes, root, obj, alias in selection:
            if root is None:
                out.append(Statement(key, tuple(nodes), False, None, '"Query"'))
                continue
            if isinstance(root, Driven):
                shape = (obj,) if root.shaped else ()
                out.append(Statement(key, tuple(nodes), root.nullable, None,
                                     steps=functools.partial(root.steps, args[key], caller,
                                                             *shape),
                                     shape=obj))
                continue
            build = connections.statement if isinstance(root, Connection) else statement
            out.append(Statement(key, tuple(nodes), not root.many,
                                 build(root, obj, alias, args[key], caller)))
        return out

    def _scalar_arguments(self, raw: dict):
        """(variables, selection, {key: arguments}) without graphql-core when every
        variable is a scalar and no literal holds one, else None."""
        values = None if self.scalars is None else arguments.scalar_values(self.scalars, raw)
        if values is None:
            return None
        selection = self.selection(values)
        args = {}
        for key, nodes, root, *_ in selection:
            if root is None:  # __typename
                continue
            if key not in self.scalar_arguments:
                self.scalar_arguments[key] = arguments.planned(self._definition(nodes[0]),
                                                               nodes[0])
            if self.scalar_arguments[key] is None:
                return None
            args[key] = self.scalar_arguments[key](values)
        return values, selection, args

    def _coerced(self, raw: dict):
        """graphql-core's coercion of the variables and of each root field's arguments."""
        try:
            check_input_depth(raw)
        except GraphQLError:
            raise Unsupported("input_too_deep") from None
        coerced = get_variable_values(graphql_schema(), self.operation.variable_definitions
                                      or (), raw)
        if isinstance(coerced, list):  # errors
            raise Unsupported("variables")
        selection = self.selection(coerced.coerced)
        args = {key: get_argument_values(self._definition(nodes[0]), nodes[0], coerced)
                for key, nodes, root, *_ in selection if root is not None}
        return coerced.coerced, selection, args

    @staticmethod
    def _definition(node):
        return graphql_schema().query_type.fields[node.name.value]


@functools.lru_cache(maxsize=CACHE_SIZE)
def plan_for(text: str, operation_name: str | None) -> Plan | None:
    """The plan of a covered query operation, or None (the existing path answers)."""
    try:
        document = parse_document(text)
        if validation_errors(text, graphql_schema(), RULES):
            return None
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        return None
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    plan = Plan(text, operations[0], fragments)
    plan.summary = operation_summary(text, operation_name)  # (name, type) for metrics, logs
    try:
        if not plan.directive_variables:
            plan.selection({})  # compile now: an uncovered field is found once
    except Unsupported:
        return None
    return plan
