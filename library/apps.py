from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = _("Library")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from padmakara import audit
        from retreats import search as content_search

        from . import search
        from .models import Book

        audit.register(Book, exclude=["created_at", "updated_at"], m2m=["groups"])
        content_search.register_searcher(search.KIND, search.search_books)
        # A book published, withdrawn or opened to others changes search answers (cached per
        # catalogue version).
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import signals

        post_save.connect(signals.catalogue_changed, sender=Book, dispatch_uid="library.book.saved")
        post_delete.connect(signals.catalogue_changed, sender=Book, dispatch_uid="library.book.deleted")
        m2m_changed.connect(signals.catalogue_changed, sender=Book.groups.through, dispatch_uid="library.book.groups")
