"""Read queries compiled to one SQL statement per root field, served on the event loop.

A GraphQL query whose every root field the compiler covers is answered without
strawberry's execution, the ORM or a thread: each root field becomes one statement that
builds the field's JSON inside PostgreSQL (json_build_object, json_agg over correlated
subqueries, the existing path's ordering, pages, filters and access rules), sent as a
prepared statement through psycopg's async pool; the answer is spliced from the JSON texts.

    selection.py    GraphQL's field collection (fragments, @skip/@include)
    types.py        covered object types: fields as SQL expressions, values as rendered
    filters.py      filter and ordering inputs as SQL conditions (parameters only)
    roots.py        root fields (resource, resources, venues, ...) as statements
    connections.py  cursor connections (bookings, myBookings, resourceConnection)
    cursors.py      strawberry-django's ordered cursors written in SQL, read back as keysets
    arguments.py    root arguments without graphql-core when variables are scalars
    driven.py       root fields answered by a selector's own statements (Driven, Shape)
    availability.py availability and firstFreeSlot as driven root fields
    search.py       `search`, driven: search/'s vocabulary look-up and search statement
    plan.py         a document to its plan, decided once per (text, operation)
    sessions.py     session-cookie callers: get_user()'s checks on the async pool
    serve.py        the async pool, the caller, timeouts, errors, the answer

Anything not covered (mutations, subscriptions, other fields, cursors the connection did
not write, sessions but a valid one of an active user, values the existing path answers
with an error) goes the existing path, unchanged.
tests/schema/compiled/ proves the answers equal on documented and generated documents.
"""
