from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetreatsConfig(AppConfig):
    name = "retreats"
    verbose_name = _("Retreats")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import search_signals, signals  # noqa: F401

        post_migrate.connect(ensure_audiences, sender=self)


def ensure_audiences(*, using="default", apps=None, **kwargs) -> None:
    """The six audiences the access rule knows, created where missing (after ``migrate``, and
    after a ``flush`` empties the tables; existing rows keep their names)."""
    from .models import Audience

    model = apps.get_model("retreats", "Audience") if apps is not None else Audience
    existing = set(model.objects.using(using).values_list("slug", flat=True))
    model.objects.using(using).bulk_create(
        model(slug=slug, name=name, name_pt=name_pt, order=order)
        for slug, name, name_pt, order in Audience.DEFAULTS
        if slug not in existing
    )
