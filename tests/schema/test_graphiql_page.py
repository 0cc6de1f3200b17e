"""GET /graphql: strawberry's GraphiQL page with its scripts served by this server."""

import json

import pytest
from django.conf import settings

from schema import views


@pytest.fixture
def assets(tmp_path, settings):
    """A fake schema/graphiql/node_modules holding React 18.2.0's script only."""
    react = tmp_path / "react"
    (react / "umd").mkdir(parents=True)
    (react / "package.json").write_text(json.dumps({"version": "18.2.0"}))
    (react / "umd" / "react.production.min.js").write_text("/* react */")
    settings.GRAPHIQL_ASSETS = tmp_path
    views.graphiql_html.cache_clear()
    yield react
    views.graphiql_html.cache_clear()


def test_installed_files_are_served_here_and_the_rest_from_unpkg(assets):
    html = views.graphiql_html()

    assert 'src="/static/graphiql/react/umd/react.production.min.js"' in html
    assert "https://unpkg.com/react@18.2.0/" not in html
    # Not installed here: the page keeps its unpkg.com address.
    assert 'src="https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js"' in html


def test_another_installed_version_is_not_served(assets):
    (assets / "package.json").write_text(json.dumps({"version": "18.3.1"}))

    assert 'src="https://unpkg.com/react@18.2.0/umd/react.production.min.js"' in (
        views.graphiql_html())


@pytest.mark.skipif(not (settings.GRAPHIQL_ASSETS / "graphiql").is_dir(),
                    reason="schema/graphiql is not installed (npm ci; make test does)")
def test_the_page_needs_no_internet(client):
    views.graphiql_html.cache_clear()
    response = client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert b"unpkg.com" not in response.content
    assert b'src="/static/graphiql/graphiql/graphiql.min.js"' in response.content
