"""Random documents (selections.py) answer the same through the compiled path as through
the existing path, for anonymous callers, customers and staff, in one statement per root
field; connections' cursors are the existing path's own, of the drawn ordering or another."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema.compiled.selection import Unsupported
from tests.schema.compiled.conftest import compiled, existing, plan_for, root_fields
from tests.schema.compiled.selections import CursorOf, documents

USERS = [None, "ada", "bob", "staff"]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_answer_equals_existing(catalogue, data, django_assert_num_queries):
    document, variables = data.draw(documents(catalogue))
    user = catalogue["users"].get(data.draw(st.sampled_from(USERS)))
    variables = {name: cursor_of(value, user) if isinstance(value, CursorOf) else value
                 for name, value in variables.items()}
    expected = existing(document, variables, user)
    if "errors" in expected:  # refused (a permission, a document limit): the existing path's
        # A document over a limit (say 21 aliases, counting a fragment's each time it is
        # spread) has no plan at all; a permission is refused when the plan runs.
        if plan_for(document, "Drawn") is not None:
            with pytest.raises(Unsupported):
                compiled(document, variables, user, "Drawn")
        return

    with django_assert_num_queries(root_fields(document, variables, "Drawn", user)):
        answer = compiled(document, variables, user, "Drawn")

    assert answer == expected, document


def cursor_of(of: CursorOf, user) -> str | None:
    """The cursor `of` names, as the existing path writes it for this user."""
    node = "Resource" if of.field == "resourceConnection" else "Booking"
    answer = existing(f"query ($o: [{node}Order!]!) {{ c: {of.field}(first: 100, "
                      "ordering: $o) { edges { cursor } } }", {"o": of.ordering}, user)
    edges = (answer["data"] or {}).get("c", {}).get("edges") if answer["data"] else None
    return edges[of.index % len(edges)]["cursor"] if edges else None
