import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import AdminReadonlyField
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from progress.admin import UserProgressInline, track_progress_figures
from progress.models import Bookmark, Highlight
from progress.services import progress_sync
from retreats.models import Track
from tests.factories import make_user

from .events import event

pytestmark = pytest.mark.django_db


@pytest.fixture
def listened(user, track):
    now = timezone.now()
    progress_sync(user=user, events=[event(track, at=now, position=990, seconds=900)], now=now)
    progress_sync(user=make_user(), events=[event(track, at=now, position=10, seconds=900)], now=now)
    Bookmark.objects.create(user=user, track=track, position=5, note="n")
    Highlight.objects.create(user=user, track=track, page=1, text="t")
    return track


@pytest.mark.parametrize("model", ["trackprogress", "listeningsession", "bookmark", "highlight"])
def test_it_shows_progress_rows_to_staff(staff_client, listened, model):
    response = staff_client.get(f"/admin/progress/{model}/")

    assert response.status_code == 200
    assert f"/admin/progress/{model}/add/".encode() not in response.content  # read-only: nothing to add


def test_it_shows_listening_time_per_progress_row(staff_client, listened):
    assert b"0:15:00" in staff_client.get("/admin/progress/trackprogress/").content


@pytest.mark.parametrize("model", ["trackprogress", "listeningsession"])
def test_it_refuses_to_add_rows(staff_client, model):
    assert staff_client.get(f"/admin/progress/{model}/add/").status_code == 403


def test_it_lists_progress_in_the_same_queries_for_2_and_40_rows(
    staff_client, user, track, django_assert_max_num_queries
):
    from tests.factories import make_track

    now = timezone.now()
    progress_sync(user=user, events=[event(make_track(track.session), at=now, position=1) for _ in range(2)], now=now)
    with django_assert_max_num_queries(8) as few:
        staff_client.get("/admin/progress/trackprogress/")
    progress_sync(user=user, events=[event(make_track(track.session), at=now, position=1) for _ in range(38)], now=now)
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get("/admin/progress/trackprogress/")


def test_it_gives_per_track_completion_figures(listened):
    figures = str(track_progress_figures(listened))

    assert (
        "listeners — 2" in figures
        and "completed — 1" in figures
        and "50%" in figures
        and "time listened — 0:30:00" in figures
    )
    assert f"?track__id__exact={listened.pk}" in figures


def test_it_plugs_into_the_track_and_user_admins(staff, user, listened):
    site = admin.AdminSite(name="hooks")

    class TrackAdmin(admin.ModelAdmin):
        fields = ("title", track_progress_figures)
        readonly_fields = (track_progress_figures,)

    class UserAdmin(admin.ModelAdmin):
        fields = ("email",)
        inlines = [UserProgressInline]

    track_admin, user_admin = TrackAdmin(Track, site), UserAdmin(User, site)
    assert track_admin.check() == [] and user_admin.check() == []

    request = RequestFactory().get("/")
    request.user = staff
    form = track_admin.get_form(request, listened)(instance=listened)
    figures = AdminReadonlyField(form, track_progress_figures, is_first=False, model_admin=track_admin)
    [inline] = user_admin.get_inline_instances(request, user)
    formset = inline.get_formset(request, user)(instance=user, queryset=inline.get_queryset(request))

    assert figures.field["label"] == "listening progress"
    assert "listeners — 2" in figures.contents()
    assert [f.instance.track_id for f in formset.forms] == [listened.pk]
    assert not inline.has_add_permission(request, user) and not inline.has_change_permission(request, user)


def test_it_shows_nothing_for_a_track_not_yet_saved():
    assert track_progress_figures(Track()) == "—"


def test_it_ignores_listeners_of_other_tracks(track, second_track, user):
    now = timezone.now() - datetime.timedelta(minutes=1)
    progress_sync(user=user, events=[event(second_track, at=now, position=1)], now=now)

    assert "listeners — 0" in str(track_progress_figures(track))


def test_it_links_a_progress_row_to_its_listening_history(staff_client, user, listened):
    changelist = staff_client.get("/admin/progress/trackprogress/").content.decode()
    link = f"/admin/progress/listeningsession/?user__id__exact={user.pk}&amp;track__id__exact={listened.pk}"
    assert link in changelist

    history = staff_client.get(link.replace("&amp;", "&"))

    assert history.status_code == 200
    assert history.context["cl"].result_count == 1


def test_it_opens_the_listeners_of_one_track_from_the_figures(staff_client, listened):
    response = staff_client.get(f"/admin/progress/trackprogress/?track__id__exact={listened.pk}")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
