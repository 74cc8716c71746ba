import datetime

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from media.models import Upload
from media.tasks import abort_stale_uploads
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_aborts_uploads_left_unsaved(stored):
    session = factories.make_session(factories.make_retreat())
    old = Upload.objects.create(session=session, filename="a.mp3", size=3, key=stored("uploads/1/a.mp3", b"abc"))
    fresh = Upload.objects.create(session=session, filename="b.mp3", size=3, key=stored("uploads/1/b.mp3", b"abc"))
    Upload.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))

    assert abort_stale_uploads.delay().get() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("aborted", "uploading")
    assert not default_storage.exists(old.key) and default_storage.exists(fresh.key)
