"""catalogue.changed.v1 reaches exactly the connected users whose playable set changed."""

import pytest

from retreats import services
from tests import factories

from .conftest import listener, sign_in

pytestmark = pytest.mark.redis


def test_a_publish_reaches_only_those_who_may_play_it(live, devices, transactional_db):
    group = factories.make_group()
    gathering = factories.make_retreat(groups=[group], status="draft", audience="event-participants")
    participant, stranger = listener(), listener()
    factories.make_attendance(participant, gathering)
    staff = listener(is_staff=True, is_superuser=True)
    listening = {user.pk: devices(live, sign_in(user)["access"]) for user in (participant, stranger, staff)}
    for device in listening.values():
        device.wait_ready()

    services.retreat_publish(retreat=gathering)

    # Its audience also gets the notification of the publish (notification.created.v1).
    got = {event["type"]: event for event in listening[participant.pk].events(within=2.0)}
    assert got["catalogue.changed.v1"]["data"]["reason"] == "gathering_published"
    assert got["catalogue.changed.v1"]["data"]["gatheringIds"] == [str(gathering.uuid)]
    assert got["catalogue.changed.v1"]["data"]["catalogueVersion"]
    assert got["notification.created.v1"]["data"]["notification"]["type"] == "new_gathering"
    staff_got = [event["type"] for event in listening[staff.pk].events(within=0.5)]
    assert "catalogue.changed.v1" in staff_got  # staff play everything
    assert listening[stranger.pk].events(within=0.5) == []


def test_a_grant_reaches_only_the_user_it_opens_the_gathering_to(live, devices, transactional_db):
    gathering = factories.make_retreat(groups=[factories.make_group()], audience="available-on-request-only")
    granted, other = listener(), listener()
    staff = listener(is_staff=True, is_superuser=True)
    listening = {user.pk: devices(live, sign_in(user)["access"]) for user in (granted, other, staff)}
    for device in listening.values():
        device.wait_ready()

    services.access_grant(users=[granted], gatherings=[gathering], granted_by=staff)

    event = listening[granted.pk].receive(timeout=2)
    assert (event["type"], event["data"]["reason"]) == ("catalogue.changed.v1", "access_granted")
    assert listening[other.pk].events(within=1.0) == []
    assert listening[staff.pk].events(within=0.2) == []  # staff could play it already


def test_a_changed_audience_reaches_those_who_gained_or_lost_the_gathering(live, devices, transactional_db, rf):
    from django.contrib.admin.sites import site
    from django.forms.models import model_to_dict

    from retreats.models import Retreat

    gathering = factories.make_retreat(groups=[factories.make_group()], audience="event-participants")
    participant, subscriber, stranger = listener(), listener(), listener()
    factories.make_attendance(participant, gathering)
    factories.subscribe(subscriber)
    staff = listener(is_staff=True, is_superuser=True)
    listening = {user.pk: devices(live, sign_in(user)["access"]) for user in (participant, subscriber, stranger)}
    for device in listening.values():
        device.wait_ready()

    # What the gathering's admin page does on save: the form, then the related rows.
    model_admin = site._registry[Retreat]
    request = rf.post("/")
    request.user = staff
    data = {**model_to_dict(gathering), "audience": "free-subscribers"}
    data["groups"] = [group.pk for group in data["groups"]]
    form = model_admin.get_form(request, gathering, change=True)(data=data, instance=gathering)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, True)
    model_admin.save_related(request, form, [], True)

    for user in (participant, subscriber):  # the subscriber gained it, the participant lost it
        event = listening[user.pk].receive(timeout=2)
        assert (event["type"], event["data"]["reason"]) == ("catalogue.changed.v1", "access_changed")
    assert listening[stranger.pk].events(within=0.5) == []
