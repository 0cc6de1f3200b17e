from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import AsyncGraphQLView

from schema import schema

urlpatterns = [
    path("admin/", admin.site.urls),
    # GraphQL clients authenticate with tokens, not cookies (see the API issue); GraphiQL
    # for humans at the same address.
    path("graphql", csrf_exempt(AsyncGraphQLView.as_view(schema=schema, graphql_ide="graphiql"))),
]
