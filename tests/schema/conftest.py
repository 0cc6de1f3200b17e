import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from schema import schema
from schema.context import Context


@pytest.fixture
def gql():
    """gql(query, variables=None, user=None) -> ExecutionResult, run as `user`."""

    def run(query: str, variables: dict | None = None, user=None):
        context = Context(request=RequestFactory().post("/graphql"), response=None)
        context._user = user or AnonymousUser()
        return schema.execute_sync(query, variable_values=variables, context_value=context)

    return run
