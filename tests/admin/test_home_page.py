"""``/``, where the admin's "View site" leads: a small page in English or Portuguese, never
Django's debug page listing the URL patterns."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_links_the_admin_the_api_docs_and_health(client):
    response = client.get("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/admin/"' in body
    assert f'href="{reverse("docs")}"' in body and client.get(reverse("docs")).status_code == 200
    assert 'href="/health/ready"' in body
    assert "urlpatterns" not in body and "Using the URLconf" not in body


def test_it_speaks_portuguese_to_a_portuguese_browser(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9").content.decode()

    assert '<html lang="pt">' in body
    assert "Documentação da API" in body and "Administração" in body


@pytest.mark.parametrize("debug", [True, False])
def test_it_answers_with_debug_on_or_off(client, settings, debug):
    settings.DEBUG = debug

    assert client.get("/").status_code == 200


def test_the_admins_view_site_link_leads_there(staff_client):
    body = staff_client.get(reverse("admin:index")).content.decode()

    assert '<a href="/">' in body
