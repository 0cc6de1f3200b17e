"""Root field arguments without graphql-core's coercion, for documents whose variables
are all scalars (Int, ID, String, Boolean): the common case of clients sending an id, a
page or a reference. graphql-core's get_variable_values/get_argument_values cost about
40 µs a request; these about 3 µs.

Decided at compile time: each argument of a root field is a constant (a literal coerced
once, or the argument's default) or a bare `$variable`; a literal holding a variable
(`filters: {name: {exact: $q}}`) or a variable of an input type leaves the document to
graphql-core. A value graphql-core would refuse (a string for an Int, null for a non-null
type, a list or object anywhere in the variables, which the input-depth limit checks)
raises Unsupported: the existing path answers it.
"""

from graphql import (
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    VariableNode,
    is_input_type,
    type_from_ast,
    value_from_ast,
    visit,
)
from graphql.execution.values import coerce_default_value
from graphql.language import Visitor

from schema.compiled.selection import Unsupported

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _int(value):
    if isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX:
        return value
    if isinstance(value, float) and value.is_integer() and INT_MIN <= value <= INT_MAX:
        return int(value)  # GraphQL's Int accepts 3.0
    raise Unsupported("Int")


def _id(value):
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise Unsupported("ID")


def _string(value):
    if isinstance(value, str):
        return value
    raise Unsupported("String")


def _boolean(value):
    if isinstance(value, bool):
        return value
    raise Unsupported("Boolean")


SCALARS = {"Int": _int, "ID": _id, "String": _string, "Boolean": _boolean}


def scalar_definitions(schema, operation) -> dict | None:
    """{variable: (coerce, non-null, default)} when every variable is a built-in scalar,
    else None."""
    out = {}
    for definition in operation.variable_definitions or ():
        graphql_type = type_from_ast(schema, definition.type)
        non_null = isinstance(graphql_type, GraphQLNonNull)
        named = graphql_type.of_type if non_null else graphql_type
        if not isinstance(named, GraphQLScalarType) or named.name not in SCALARS:
            return None
        default = Undefined
        if definition.default_value is not None:
            default = value_from_ast(definition.default_value, graphql_type)
            if default is Undefined:
                return None
        out[definition.variable.name.value] = (SCALARS[named.name], non_null, default)
    return out


def scalar_values(definitions: dict, raw: dict) -> dict | None:
    """The coerced variables; None when some value is a list or an object (graphql-core
    and the input-depth limit decide those)."""
    if any(isinstance(value, dict | list) for value in raw.values()):
        return None
    values = {}
    for name, (coerce, non_null, default) in definitions.items():
        if name not in raw:
            if default is not Undefined:
                values[name] = default
            elif non_null:
                raise Unsupported(f"${name} missing")
            continue
        value = raw[name]
        if value is None:
            if non_null:
                raise Unsupported(f"${name} null")
            values[name] = None
        else:
            values[name] = coerce(value)
    return values


def planned(definition, node):
    """A function of the coerced variables giving the field's arguments (as graphql-core's
    get_argument_values would), or None when a literal holds a variable."""
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    constants, variables = {}, {}
    for name, argument in definition.args.items():
        value = given.get(name)
        if isinstance(value, VariableNode):
            variables[name] = (value.name.value, _default(argument),
                               isinstance(argument.type, GraphQLNonNull))
        elif value is not None:
            if _has_variable(value) or not is_input_type(argument.type):
                return None
            constants[name] = value_from_ast(value, argument.type)
            if constants[name] is Undefined:
                return None
        elif (default := _default(argument)) is not Undefined:
            constants[name] = default

    def arguments(values: dict) -> dict:
        args = dict(constants)
        for name, (variable, default, non_null) in variables.items():
            if variable in values:
                if values[variable] is None and non_null:
                    raise Unsupported(f"{name} null")
                args[name] = values[variable]
            elif default is not Undefined:
                args[name] = default
            elif non_null:
                raise Unsupported(f"{name} missing")
        return args

    return arguments


def _default(argument):
    return coerce_default_value(argument) if argument.default is not None else Undefined


def _has_variable(value) -> bool:
    found = []

    class Finder(Visitor):
        def enter_variable(self, node, *_):
            found.append(node)

    visit(value, Finder())
    return bool(found)
