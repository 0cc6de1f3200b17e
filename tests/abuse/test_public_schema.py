"""The schema the limits check documents against (schema/limits.py `graphql_schema`, made
by public ways) holds strawberry's own graphql-core types: it refuses and accepts what
strawberry's schema does, with the same messages, and costs every document the same.

strawberry's own schema is reached here only through graphql-core's public
GraphQLResolveInfo.schema (bench/api_floor.py `executing_schema`)."""

import pytest
from graphql import GraphQLError, get_introspection_query, graphql_sync, parse, specified_rules
from strawberry.schema.schema import validate_document

from bench.api_floor import executing_schema
from bench.api_operations import OPERATIONS
from bench.attacks import SHAPES
from schema import limits, schema

RULES = tuple(specified_rules)
BAD_LITERALS = [
    # Each custom scalar's parser refuses these: strawberry's schema at validation.
    '{ firstFreeSlot(resourceIds: ["UmVzb3VyY2U6MQ=="], after: "not a time") { resourceId } }',
    '{ firstFreeSlot(resourceIds: ["UmVzb3VyY2U6MQ=="], after: 17) { resourceId } }',
    '{ search(text: "x", maxPrice: "ten") { total } }',
    '{ occupancy(resourceIds: [], window: {lower: "2030-13-01T00:00:00Z",'
    ' upper: "2030-01-02T00:00:00Z"}) { resourceId } }',
    '{ availability(resourceIds: [], window: {lower: true, upper: null}) { resourceId } }',
]
GOOD_LITERALS = [
    '{ firstFreeSlot(resourceIds: ["UmVzb3VyY2U6MQ=="], after: "2030-01-01T10:00:00+01:00")'
    " { resourceId } }",
    '{ search(text: "x", maxPrice: "12.50") { total } }',
    '{ search(text: "x", maxPrice: 12.5) { total } }',
    '{ occupancy(resourceIds: [], window: {lower: "2030-01-01T00:00:00Z",'
    ' upper: "2030-01-02T00:00:00Z"}, bucket: WEEK) { resourceId } }',
]
OTHER_INVALID = [
    "{ occupancy(resourceIds: [], window: {}, bucket: YEAR) { resourceId } }",
    "{ resources(ordering: [{name: ASC, slug: DESC}]) { name } }",  # @oneOf
    "{ resources(ordering: [{}]) { name } }",
    "{ resources(limit: null) { name } }",
    '{ resources(limit: "3") { nme } }',
    "{ resource { venue } }",
    "query($n: String) { resources(limit: $n) { name } }",
    "query($n: Int) { resources { name } }",
    'mutation { book(input: {period: {lower: "x"}}) { __typename } }',
    "subscription { bookingChanged(resourceIds: []) { kind } availabilityChanged { x } }",
    "{ __type(name: 1) { name } }",
    "fragment F on Query { ...F } { ...F }",
]
DOCUMENTS = ([op.document for op in OPERATIONS] + [text for text, _ in SHAPES.values()]
             + BAD_LITERALS + GOOD_LITERALS + OTHER_INVALID + [get_introspection_query()])


@pytest.fixture(scope="module")
def schemas():
    return executing_schema(schema), limits.graphql_schema(schema)


def messages(errors) -> list:
    return [(error.message, error.locations) for error in errors]


def validated(text: str):
    """The document as validation gets it, or None when a limit refuses it before (those
    refusals read no schema)."""
    try:
        document = limits.parse_document(text)
    except GraphQLError:
        return None
    return None if limits.shape_errors(document) else document


# Those a limit refuses before validation (reading no schema) aside.
CHECKED = [text for text in DOCUMENTS if validated(text) is not None]


@pytest.mark.parametrize("text", CHECKED)
def test_validation_is_strawberry_s(schemas, text):
    strawberry_s, public = schemas
    document = validated(text)

    expected = messages(validate_document(strawberry_s, document, RULES))

    assert messages(validate_document(public, document, RULES)) == expected


def test_bad_scalar_literals_are_refused_at_validation(schemas):
    _, public = schemas

    refused = [text for text in BAD_LITERALS
               if validate_document(public, parse(text), RULES)]
    accepted = [text for text in GOOD_LITERALS
                if not validate_document(public, parse(text), RULES)]

    assert (refused, accepted) == (BAD_LITERALS, GOOD_LITERALS)


@pytest.mark.parametrize("text", CHECKED)
@pytest.mark.parametrize("variables", [{}, {"limit": 7, "first": 3, "window": {
    "lower": "2030-01-01T00:00:00Z", "upper": "2030-01-09T00:00:00Z"}}])
def test_cost_is_strawberry_s(schemas, text, variables):
    strawberry_s, public = schemas
    document = validated(text)

    expected = limits.estimate_cost(strawberry_s, document, None, variables)

    assert limits.estimate_cost(public, document, None, variables) == expected


def test_introspection_is_strawberry_s(schemas):
    strawberry_s, public = schemas
    query = get_introspection_query(descriptions=True, specified_by_url=True,
                                    directive_is_repeatable=True, schema_description=True,
                                    input_value_deprecation=True, one_of=True)

    expected = graphql_sync(strawberry_s, query)

    assert expected.errors is None
    assert graphql_sync(public, query) == expected


def test_it_holds_strawberry_s_types_and_directives(schemas):
    strawberry_s, public = schemas

    assert list(public.type_map) == list(strawberry_s.type_map)
    assert all(public.type_map[name] is graphql_type
               for name, graphql_type in strawberry_s.type_map.items())
    assert public.directives == strawberry_s.directives


def test_the_public_schema_is_built_once():
    assert limits.graphql_schema(schema) is limits.graphql_schema(schema)
