"""The archive's event code kept on the gathering: found by a search in the admin, once only."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_it_finds_a_gathering_by_its_event_code_in_the_admin(staff_client):
    factories.make_retreat(name="Spring teachings", event_code="20250426_27-JKR-PP4-CCA")
    factories.make_retreat(name="Autumn teachings", event_code="20251101_03-KPS-ENS-HSA")

    page = staff_client.get(reverse("admin:retreats_retreat_changelist"), {"q": "JKR-PP4"})

    assert b"Spring teachings" in page.content and b"Autumn teachings" not in page.content


def test_an_event_code_belongs_to_one_gathering_only():
    factories.make_retreat(event_code="20250426_27-JKR-PP4-CCA")
    factories.make_retreat(event_code="")
    factories.make_retreat(event_code="")  # no code: as many as need be

    with pytest.raises(IntegrityError):
        factories.make_retreat(event_code="20250426_27-JKR-PP4-CCA")
