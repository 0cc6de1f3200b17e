from strawberry.django.views import AsyncGraphQLView

from schema.context import Context


class GraphQLView(AsyncGraphQLView):
    """The async endpoint; its context resolves the caller lazily (schema/context.py)."""

    async def get_context(self, request, response) -> Context:
        return Context(request=request, response=response)
