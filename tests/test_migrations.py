from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import DigestSubscription, LocalPush


@pytest.mark.django_db
def test_it_has_a_migration_for_every_model_change():
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)


BEFORE_THE_MOVE = [("accounts", "0003_notifications"), ("notifications", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([target for target in targets if target[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_the_notification_models_move_to_their_app_with_their_rows_and_permissions():
    """A database migrated before the models left ``accounts`` keeps its tables, rows and
    permissions; only the migration state and the content types change."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE_THE_MOVE)
    try:
        User = old.get_model("accounts", "User")
        OldType = old.get_model("contenttypes", "ContentType")
        OldPermission = old.get_model("auth", "Permission")
        OldGroup = old.get_model("auth", "Group")
        user = User.objects.create(email="old@example.org", password="!")
        old.get_model("accounts", "DigestSubscription").objects.create(user=user)
        old.get_model("accounts", "LocalPush").objects.create(platform="ios", token="t", title="T", body="B")
        content_type, _ = OldType.objects.get_or_create(app_label="accounts", model="localpush")
        permission, _ = OldPermission.objects.get_or_create(
            content_type=content_type, codename="view_localpush", defaults={"name": "Can view local push"}
        )
        OldGroup.objects.create(name="Editors").permissions.add(permission)
    finally:
        _migrate(latest)
        ContentType.objects.clear_cache()

    assert DigestSubscription.objects.get().user.email == "old@example.org"
    assert LocalPush.objects.get().title == "T"
    assert ContentType.objects.get(pk=content_type.pk).app_label == "notifications"
    assert Group.objects.get(name="Editors").permissions.get() == Permission.objects.get(
        content_type__app_label="notifications", codename="view_localpush"
    )


BEFORE_AUDIENCES = [("retreats", "0003_transcript_checksum")]
WITH_AUDIENCES = [("retreats", "0004_audiences")]


@pytest.mark.django_db(transaction=True)
def test_the_visibilities_become_audiences_with_their_gatherings():
    """Each gathering's visibility maps onto its audience (public -> free-anyone, members ->
    retreat-group-members, subscribers -> free-subscribers), and the six audiences are seeded."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE_AUDIENCES)
    try:
        OldRetreat = old.get_model("retreats", "Retreat")
        for visibility in ("public", "members", "subscribers"):
            OldRetreat.objects.create(
                name=visibility,
                slug=f"old-{visibility}",
                start_date="2024-03-01",
                end_date="2024-03-03",
                visibility=visibility,
                required_plan="premium" if visibility == "subscribers" else "basic",
            )
        new = _migrate(WITH_AUDIENCES)
        Retreat, Audience = new.get_model("retreats", "Retreat"), new.get_model("retreats", "Audience")
        mapped = dict(Retreat.objects.filter(slug__startswith="old-").values_list("name", "audience_id"))
        seeded = list(Audience.objects.order_by("order").values_list("slug", "name", "name_pt"))
        premium = Retreat.objects.get(name="subscribers").required_plan
    finally:
        _migrate(latest)

    assert mapped == {
        "public": "free-anyone",
        "members": "retreat-group-members",
        "subscribers": "free-subscribers",
    }
    assert premium == "premium"  # the plan stays
    assert [slug for slug, _name, _pt in seeded] == [
        "free-anyone",
        "free-subscribers",
        "retreat-group-members",
        "event-participants",
        "available-on-request-only",
        "received-initiation",
    ]
    assert all(name and pt for _slug, name, pt in seeded)


WITH_ONE_SPEAKER = [("retreats", "0004_audiences")]
WITH_SPEAKER_LISTS = [("retreats", "0006_track_languages_speakers")]


@pytest.mark.django_db(transaction=True)
def test_each_track_language_becomes_its_set_and_its_speaker_its_main_speaker():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(WITH_ONE_SPEAKER)
    try:
        Retreat, Session = old.get_model("retreats", "Retreat"), old.get_model("retreats", "Session")
        Track, Teacher = old.get_model("retreats", "Track"), old.get_model("retreats", "Teacher")
        retreat = Retreat.objects.create(name="R", slug="old-tracks", start_date="2024-03-01", end_date="2024-03-03")
        session = Session.objects.create(retreat=retreat, name="S", order=1)
        jkr = Teacher.objects.create(name="Jigme Khyentse", abbreviation="JKR")
        original = Track.objects.create(session=session, title="Refuge", order=1, language="tib", speaker=jkr)
        Track.objects.create(session=session, title="Refúgio", order=1, language="pt", original=original)
        new = _migrate(WITH_SPEAKER_LISTS)
        NewTrack, NewTrackSpeaker = new.get_model("retreats", "Track"), new.get_model("retreats", "TrackSpeaker")
        moved = {
            title: (original_language, languages)
            for title, original_language, languages in NewTrack.objects.values_list(
                "title", "original_language", "languages"
            )
        }
        speakers = list(NewTrackSpeaker.objects.values_list("track__title", "teacher__abbreviation", "position"))
        back = _migrate(WITH_ONE_SPEAKER)
        speaker_back = back.get_model("retreats", "Track").objects.get(title="Refuge").speaker.abbreviation
    finally:
        _migrate(latest)

    assert moved == {"Refuge": ("tib", ["tib"]), "Refúgio": ("tib", ["pt"])}
    assert speakers == [("Refuge", "JKR", 0)]
    assert speaker_back == "JKR"
