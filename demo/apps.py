from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo catalogue for a fresh database (management command ``demo_content``): the
    top of the app graph, since it fills every app's tables."""

    name = "demo"
