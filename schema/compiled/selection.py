"""Field collection as GraphQL's CollectFields algorithm defines it (spec §6.3.2).

The response keys of a selection on an object type, in the order GraphQL answers them
(first appearance), with fragments and inline fragments opened when their type condition
applies, and @skip/@include decided. Used at compile time only.
"""

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    VariableNode,
    is_abstract_type,
)


class Unsupported(Exception):
    """The compiler does not cover this document: it goes the existing path, unchanged."""


def collect(schema, fragments: dict, variables: dict, type_name: str,
            selection_sets) -> dict[str, list[FieldNode]]:
    """{response key: [field nodes]} for `selection_sets` merged, on object `type_name`."""
    fields: dict[str, list[FieldNode]] = {}
    runtime = schema.get_type(type_name)
    visited: set[str] = set()
    stack = [iter(s.selections) for s in reversed(selection_sets) if s is not None]
    while stack:
        selection = next(stack[-1], None)
        if selection is None:
            stack.pop()
            continue
        if not included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            fields.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if _applies(schema, selection.type_condition, runtime):
                stack.append(iter(selection.selection_set.selections))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in visited or fragment is None:
                continue
            visited.add(name)
            if _applies(schema, fragment.type_condition, runtime):
                stack.append(iter(fragment.selection_set.selections))
    return fields


def included(node, variables: dict) -> bool:
    """False when @skip(if: true) or @include(if: false) leaves the node out."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        value = directive.arguments[0].value
        if isinstance(value, VariableNode):
            condition = variables.get(value.name.value)
        elif isinstance(value, BooleanValueNode):
            condition = value.value
        else:
            raise Unsupported("directive argument")
        if (name == "skip") == bool(condition):
            return False
    return True


def directive_variables(document) -> frozenset[str]:
    """Names of the variables that any @skip/@include of the document reads."""
    names, stack = set(), [d for d in document.definitions if hasattr(d, "selection_set")]
    while stack:
        node = stack.pop()
        for directive in getattr(node, "directives", None) or ():
            for argument in directive.arguments or ():
                if isinstance(argument.value, VariableNode):
                    names.add(argument.value.name.value)
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack += selection_set.selections
    return frozenset(names)


def _applies(schema, condition, runtime: GraphQLObjectType) -> bool:
    if condition is None:
        return True
    target = schema.get_type(condition.name.value)
    if target is runtime:
        return True
    return is_abstract_type(target) and schema.is_sub_type(target, runtime)
