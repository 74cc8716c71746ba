from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetreatsConfig(AppConfig):
    name = "retreats"
    verbose_name = _("Retreats")

    def ready(self):
        from . import search_signals, signals  # noqa: F401

        self.register_audited_models()

    def register_audited_models(self):
        """Every content model staff edit is audited (timestamps and search bookkeeping left out)."""
        from padmakara import audit

        from .models import Place, Retreat, RetreatGroup, Session, Tag, Teacher, Track, Transcript

        stamps = ["created_at", "updated_at"]
        audit.register(RetreatGroup, exclude=stamps)
        audit.register(Retreat, exclude=stamps, m2m=["groups", "teachers", "places"])
        audit.register(Session, exclude=stamps)
        audit.register(Track, exclude=[*stamps, "search_hash"], m2m=["tags"])
        audit.register(Transcript, exclude=stamps)
        audit.register(Teacher, exclude=stamps)
        audit.register(Place, exclude=stamps)
        audit.register(Tag)
