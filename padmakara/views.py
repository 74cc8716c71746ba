"""The site's own pages outside the API and the admin: the home page at ``/``."""

from django.template.response import TemplateResponse


def home(request):
    """Where the admin's "View site" leads: what this server is and where its parts are."""
    return TemplateResponse(request, "home.html")
