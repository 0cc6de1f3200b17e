"""Stored text holding the highlight markers (\\x02, \\x03), as raw SQL or an import can
write it: the search's highlighted HTML marks only the matches."""

import pytest
from django.db import connection

from tests.abuse.conftest import query, send
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db(transaction=True)


def test_marker_characters_in_stored_text_make_no_marks(asgi_server, venue, category, probe):
    room = make_resource(venue, category, name="Quiet Room")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE booking_resource SET name = %s, description = %s WHERE id = %s",
                       ["Quiet \x02Room\x03", "A \x03calm\x02 room, quiet \x02 all day.", room.pk])

    with probe() as served:
        answer = send(asgi_server.url, query(
            '{ search(text: "quiet") { hits { name nameHtml snippetHtml } } }'))

    assert answer.json == {"data": {"search": {"hits": [{
        "name": "Quiet \x02Room\x03", "nameHtml": "<mark>Quiet</mark> Room",
        "snippetHtml": "calm room, <mark>quiet</mark>"}]}}}
    served.assert_served()
