from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from schema import schema
from schema.views import GraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    # GraphQL clients authenticate with tokens, not cookies (see the API issue); GraphiQL
    # for humans at the same address.
    path("graphql", csrf_exempt(GraphQLView.as_view(schema=schema, graphql_ide="graphiql"))),
]
