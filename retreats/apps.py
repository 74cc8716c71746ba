from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetreatsConfig(AppConfig):
    name = "retreats"
    verbose_name = _("Retreats")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from . import receivers, search_signals, signals  # noqa: F401

        self.register_audited_models()
        self.register_profile_section()
        post_migrate.connect(ensure_audiences, sender=self)
        post_migrate.connect(create_sqlite_access_triggers, sender=self)
        pre_migrate.connect(drop_sqlite_summary_triggers, sender=self)
        post_migrate.connect(create_sqlite_summary_triggers, sender=self)
        post_migrate.connect(ensure_sync_versions, sender=self)
        pre_migrate.connect(drop_sqlite_sync_triggers, sender=self)

    def register_profile_section(self):
        """``GET /user/profile`` lists the listener's grants and attendances as ``access``, the
        body of ``GET /user/access`` (one query)."""
        from accounts.shapes import register_profile_section

        from . import services, shapes

        register_profile_section(
            "access",
            field=lambda: shapes.UserAccess(help_text="The listener's grants and attendances, as GET /user/access."),
            build=lambda user: shapes.UserAccess.build(services.listener_access(user), user.language),
        )

    def register_audited_models(self):
        """Every content model staff edit, and attendance and grants, are audited (timestamps and
        search bookkeeping left out)."""
        from padmakara import audit

        from .models import Attendance, Place, Retreat, RetreatGroup, Session, Tag, Teacher, Track, Transcript

        stamps = ["created_at", "updated_at"]
        audit.register(RetreatGroup, exclude=stamps)
        audit.register(Retreat, exclude=stamps, m2m=["groups", "teachers", "places"])
        audit.register(Session, exclude=stamps)
        audit.register(Track, exclude=[*stamps, "search_hash"], m2m=["tags"])
        audit.register(Transcript, exclude=stamps)
        audit.register(Teacher, exclude=stamps)
        audit.register(Place, exclude=stamps)
        audit.register(Tag)
        # Attendance and grants: who may hear what (a grant's removal in the admin included).
        audit.register(Attendance, exclude=["created"])


def create_sqlite_access_triggers(*, using="default", **kwargs) -> None:
    """After a ``migrate`` or ``flush`` on SQLite: attendances and grants move their user's
    ``access_version`` (accounts/access_version.py; PostgreSQL has them from migrations)."""
    from django.db import connections

    from accounts.access_version import sqlite_create_triggers

    if connections[using].vendor == "sqlite":
        sqlite_create_triggers(connections[using], ("retreats_attendance",))


def drop_sqlite_summary_triggers(*, using="default", **kwargs) -> None:
    """Before a ``migrate`` on SQLite: its table rebuilds would drop the summary triggers."""
    from django.db import connections

    from .summaries import sqlite_drop_triggers

    if connections[using].vendor == "sqlite":
        sqlite_drop_triggers(connections[using])


def create_sqlite_summary_triggers(*, using="default", **kwargs) -> None:
    """After a ``migrate`` or ``flush`` on SQLite: the catalogue summaries' triggers
    (retreats/summaries.py; PostgreSQL has them from migrations)."""
    from django.db import connections

    from .summaries import sqlite_create_triggers

    if connections[using].vendor == "sqlite":
        sqlite_create_triggers(connections[using])


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


def ensure_sync_versions(*, using="default", **kwargs) -> None:
    """A ``SyncVersion`` row per namespace (after ``migrate``, and after a ``flush``), and on
    SQLite the triggers that move them (retreats/sync_versions.py)."""
    from django.db import connections

    from .models import SyncVersion
    from .sync_versions import NAMESPACES, sqlite_create_triggers

    existing = set(SyncVersion.objects.using(using).values_list("namespace", flat=True))
    SyncVersion.objects.using(using).bulk_create(
        SyncVersion(namespace=namespace) for namespace in NAMESPACES if namespace not in existing
    )
    if connections[using].vendor == "sqlite":
        sqlite_create_triggers(connections[using])


def drop_sqlite_sync_triggers(*, using="default", **kwargs) -> None:
    from django.db import connections

    from .sync_versions import sqlite_drop_triggers

    if connections[using].vendor == "sqlite":
        sqlite_drop_triggers(connections[using])
