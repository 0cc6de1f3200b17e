"""Staff keep the search's synonyms in the admin."""

import pytest

from search.models import Synonym

pytestmark = pytest.mark.django_db
ADD = "/admin/search/synonym/add/"


@pytest.fixture
def admin(client, staff):
    client.force_login(staff)
    return client


def test_admin_adds_a_synonym(admin):
    response = admin.post(ADD, {"phrase": "Loo",
                                "alternatives": "toilet, wheelchair-accessible toilet"})

    assert response.status_code == 302
    assert Synonym.objects.get(phrase="Loo").alternatives == ["toilet",
                                                             "wheelchair-accessible toilet"]


def test_admin_refuses_a_phrase_that_has_synonyms_already(admin):
    # Compared as a search compares phrases: case, accents and punctuation aside.
    response = admin.post(ADD, {"phrase": "Event-Späce", "alternatives": "hall"})

    assert response.status_code == 200
    assert "This phrase has synonyms already." in response.content.decode()
    assert not Synonym.objects.filter(phrase="Event-Späce").exists()


def test_admin_lists_the_starting_synonyms(admin):
    response = admin.get("/admin/search/synonym/")

    assert response.status_code == 200
    assert "event hall, conference hall, auditorium" in response.content.decode()
