from django.contrib import admin
from django.urls import path

from schema import schema
from schema.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # GraphQL clients authenticate with tokens, not cookies (see the API issue); GraphiQL
    # for humans at the same address.
    path("graphql", graphql_view(schema)),
]
