from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = _("Media")

    def ready(self):
        from padmakara import audit

        # Registers media's jobs with Celery in every process: media sends them by name
        # (media/jobs.py), so the modules that queue work never import the tasks.
        from . import tasks  # noqa: F401
        from .models import Upload

        # Staff's uploads: started, completed, aborted, saved. The S3 upload id is a credential of sorts.
        audit.register(Upload, exclude=["s3_upload_id"])
