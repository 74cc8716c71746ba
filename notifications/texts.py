"""What a notification says, in each app language.

Kept as plain strings per language rather than gettext catalogues: the worker writes the
text for thousands of users of both languages in one batch, and each row must hold the text
in its user's language, not the worker's.
"""

from retreats.models import pick_language

TEXTS = {
    "new_gathering": {
        "en": ("New teachings: {name}", "The recordings of {name} are now available in the app."),
        "pt": ("Novos ensinamentos: {name}", "As gravações de {name} já estão disponíveis na aplicação."),
    },
    "new_tracks": {
        "en": ("New recordings in {name}", "{count} new recording(s) were added to {name}."),
        "pt": ("Novas gravações em {name}", "Foram acrescentadas {count} gravação(ões) a {name}."),
    },
}


def render(kind: str, language: str, *, name_en: str, name_pt: str, count: int = 0) -> tuple[str, str]:
    """(title, message) of a notification of ``kind`` in ``language`` (English when unknown)."""
    language = language if language in ("en", "pt") else "en"
    title, message = TEXTS[kind][language]
    name = pick_language(name_en, name_pt, language)
    return title.format(name=name, count=count)[:200], message.format(name=name, count=count)
