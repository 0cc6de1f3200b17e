from django.contrib import admin
from django.urls import include, path

from booking.admin.events import use_readable_events
from schema import schema
from schema.views import graphql_view

# The events page shows readable changes, not pghistory's raw JSON diffs.
use_readable_events(admin.site)

urlpatterns = [
    path("admin/", admin.site.urls),
    # Customers sign in here for a session (GraphiQL books as them); the admin is staff only.
    path("accounts/", include("accounts.urls")),
    # GraphQL clients authenticate with tokens, not cookies (see the API issue); GraphiQL
    # for humans at the same address.
    path("graphql", graphql_view(schema)),
]
