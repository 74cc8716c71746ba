import datetime

import pytest
from django.utils import timezone

from accounts.models import Device
from notifications import services
from notifications.models import LocalPush, Notification, NotificationEvent, PushEndpoint
from retreats.services import retreat_publish
from tests.factories import (
    make_group,
    make_member,
    make_retreat,
    make_session,
    make_staff,
    make_track,
    make_user,
    subscribe,
)

pytestmark = pytest.mark.django_db


def _publish(retreat, capture):
    with capture(execute=True):
        assert retreat_publish(retreat=retreat)


def test_it_notifies_every_listener_of_a_public_gathering(django_capture_on_commit_callbacks):
    users = [make_user() for _ in range(3)]
    retreat = make_retreat(status="draft", audience="free-anyone")

    _publish(retreat, django_capture_on_commit_callbacks)

    assert set(Notification.objects.values_list("user_id", flat=True)) == {u.pk for u in users}
    event = NotificationEvent.objects.get()
    assert event.state == "sent" and event.notified_count == 3 and event.cursor == max(u.pk for u in users)


def test_it_leaves_out_users_who_turned_notifications_off(django_capture_on_commit_callbacks):
    make_user(notifications_enabled=False)
    listener = make_user()
    retreat = make_retreat(status="draft", audience="free-anyone")

    _publish(retreat, django_capture_on_commit_callbacks)

    assert list(Notification.objects.values_list("user_id", flat=True)) == [listener.pk]


def test_it_tells_only_members_about_a_members_gathering(django_capture_on_commit_callbacks):
    group, other_group = make_group(), make_group()
    member, outsider, other_member = subscribe(make_user()), subscribe(make_user()), subscribe(make_user())
    make_member(member, group)
    make_member(other_member, other_group)
    staff = make_staff()
    retreat = make_retreat(status="draft", audience="retreat-group-members", groups=[group])

    _publish(retreat, django_capture_on_commit_callbacks)

    assert set(Notification.objects.values_list("user_id", flat=True)) == {member.pk, staff.pk}
    assert outsider.pk not in set(Notification.objects.values_list("user_id", flat=True))


def test_it_tells_only_active_subscribers_with_the_plan(django_capture_on_commit_callbacks):
    now = timezone.now()
    premium = make_user(subscription_status="active", subscription_plan="premium")
    make_user(subscription_status="active", subscription_plan="basic")
    make_user(
        subscription_status="active",
        subscription_plan="premium",
        subscription_expires_at=now - datetime.timedelta(days=1),
    )
    make_user(subscription_status="inactive", subscription_plan="premium")
    retreat = make_retreat(status="draft", audience="free-subscribers", required_plan="premium")

    _publish(retreat, django_capture_on_commit_callbacks)

    assert list(Notification.objects.values_list("user_id", flat=True)) == [premium.pk]


def test_it_writes_each_notification_in_its_users_language(django_capture_on_commit_callbacks):
    en, pt = make_user(language="en"), make_user(language="pt")
    retreat = make_retreat(
        status="draft", audience="free-anyone", name="Spring Gathering", name_pt="Encontro da Primavera"
    )

    _publish(retreat, django_capture_on_commit_callbacks)

    assert Notification.objects.get(user=en).title == "New teachings: Spring Gathering"
    assert Notification.objects.get(user=pt).title == "Novos ensinamentos: Encontro da Primavera"


def test_it_notifies_once_when_publish_is_clicked_twice(django_capture_on_commit_callbacks):
    make_user()
    retreat = make_retreat(status="draft", audience="free-anyone")

    with django_capture_on_commit_callbacks(execute=True):
        first = retreat_publish(retreat=retreat)
        second = retreat_publish(retreat=retreat)

    assert (first, second) == (True, False)
    assert NotificationEvent.objects.count() == 1 and Notification.objects.count() == 1


def test_it_notifies_nobody_twice_when_republished(django_capture_on_commit_callbacks):
    from retreats.services import retreat_unpublish

    make_user()
    retreat = make_retreat(status="draft", audience="free-anyone")
    _publish(retreat, django_capture_on_commit_callbacks)
    retreat_unpublish(retreat=retreat)

    _publish(retreat, django_capture_on_commit_callbacks)

    assert Notification.objects.count() == 1


def test_it_queues_nothing_when_the_publishing_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    retreat = make_retreat(status="draft", audience="free-anyone")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        retreat_publish(retreat=retreat)
        raise RuntimeError

    assert not NotificationEvent.objects.exists()
    assert callbacks == []


def test_it_ignores_a_replayed_job(django_capture_on_commit_callbacks):
    from notifications.tasks import fan_out_event

    make_user()
    retreat = make_retreat(status="draft", audience="free-anyone")
    _publish(retreat, django_capture_on_commit_callbacks)

    assert fan_out_event.apply(args=[NotificationEvent.objects.get().pk]).get() is None

    assert Notification.objects.count() == 1 and LocalPush.objects.count() == 0


def test_it_resumes_after_the_last_committed_batch(settings):
    users = [make_user() for _ in range(5)]
    retreat = make_retreat(status="published", audience="free-anyone")
    event = NotificationEvent.objects.create(key="k", kind="new_gathering", retreat=retreat)
    # A first run that died after two users: their rows and the cursor were committed.
    for user in users[:2]:
        Notification.objects.create(user=user, event=event, event_key="k", type="new_gathering", title="t", message="m")
    NotificationEvent.objects.filter(pk=event.pk).update(
        state="inflight", cursor=users[1].pk, locked_until=timezone.now()
    )

    assert services.claim_event(event_id=event.pk)  # the lease ran out
    result = services.fan_out(event_id=event.pk, batch_size=2)

    assert result.users == 3 and result.batches == 2
    assert Notification.objects.count() == 5


def test_it_leaves_an_event_leased_by_another_worker_alone():
    retreat = make_retreat(status="published", audience="free-anyone")
    event = NotificationEvent.objects.create(
        key="k",
        kind="new_gathering",
        retreat=retreat,
        state="inflight",
        locked_until=timezone.now() + datetime.timedelta(minutes=5),
    )

    assert not services.claim_event(event_id=event.pk)


def test_it_pushes_to_each_enabled_device_once(django_capture_on_commit_callbacks):
    user = make_user()
    Device.objects.create(user=user, platform="ios", push_token="tok-a")
    dead = Device.objects.create(user=user, platform="android", push_token="tok-dead")
    PushEndpoint.objects.create(device=dead, disabled_at=timezone.now())
    retreat = make_retreat(status="draft", audience="free-anyone")

    _publish(retreat, django_capture_on_commit_callbacks)

    assert list(LocalPush.objects.values_list("token", flat=True)) == ["tok-a"]
    assert Notification.objects.get().push_state == "sent"


def test_it_announces_added_tracks_once(django_capture_on_commit_callbacks):
    make_user()
    retreat = make_retreat(status="published", audience="free-anyone")
    retreat.published_at = timezone.now() - datetime.timedelta(days=1)
    retreat.save()
    session = make_session(retreat)
    tracks = [make_track(session).pk for _ in range(2)]

    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify_tracks_added(retreat_id=retreat.pk, track_ids=tracks)
        again = services.notify_tracks_added(retreat_id=retreat.pk, track_ids=list(reversed(tracks)))

    assert first is not None and again is None
    notification = Notification.objects.get()
    assert notification.type == "new_tracks" and "2 new recording" in notification.message


def test_it_does_not_announce_tracks_of_a_draft_gathering():
    retreat = make_retreat(status="draft")
    track = make_track(make_session(retreat))

    assert services.notify_tracks_added(retreat_id=retreat.pk, track_ids=[track.pk]) is None


def test_it_counts_tracks_published_with_the_gathering_as_announced():
    retreat = make_retreat(status="draft")
    track = make_track(make_session(retreat))
    retreat_publish(retreat=retreat)

    assert services.notify_tracks_added(retreat_id=retreat.pk, track_ids=[track.pk]) is None


def test_it_resumes_an_event_whose_worker_died():
    make_user()
    retreat = make_retreat(status="published", audience="free-anyone")
    dead = NotificationEvent.objects.create(
        key="dead", kind="new_gathering", retreat=retreat, state="inflight",
        locked_until=timezone.now() - datetime.timedelta(seconds=1),
    )  # fmt: skip
    fresh = NotificationEvent.objects.create(key="fresh", kind="new_gathering", retreat=retreat)

    assert services.resume_stalled_events() == [dead.pk]  # eager here: the fan-out runs at once

    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert dead.state == "sent" and Notification.objects.filter(event=dead).count() == 1
    assert fresh.state == "queued"


def test_it_leaves_an_event_waiting_for_its_retry_to_the_retry():
    retreat = make_retreat(status="published", audience="free-anyone")
    event = NotificationEvent.objects.create(key="k", kind="new_gathering", retreat=retreat)
    assert services.claim_event(event_id=event.pk)

    services.release_event(event_id=event.pk, error="Expo down", final=False)

    assert services.resume_stalled_events() == []
    assert NotificationEvent.objects.get().state == "queued"
