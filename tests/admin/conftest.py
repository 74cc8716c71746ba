import pytest
from django.test import Client


@pytest.fixture
def admin_site_client(staff):
    """A browser session of a superuser on the admin, in English unless a test says otherwise."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    return client
