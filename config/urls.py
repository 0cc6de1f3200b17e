from django.contrib import admin
from django.urls import include, path

from schema import schema
from schema.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # Customers sign in here for a session (GraphiQL books as them); the admin is staff only.
    path("accounts/", include("accounts.urls")),
    # GraphQL clients authenticate with tokens, not cookies (see the API issue); GraphiQL
    # for humans at the same address.
    path("graphql", graphql_view(schema)),
]
