from django.urls import path


def slash_optional(route: str, view, name: str) -> list:
    """Both ``route`` and ``route/`` resolve, and neither redirects: iOS does not follow a
    redirect on POST (docs/field-notes.md)."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(f"{route}/", view)]
