"""The plans migration 0002 creates come back after a ``flush`` (as transactional tests and
``manage.py flush`` leave the tables), so the demo, the API and the admin always find them."""

from django.core.management import call_command

from subscriptions.models import Plan


def test_the_default_plans_come_back_after_a_flush(transactional_db):
    call_command("flush", "--noinput", verbosity=0)

    assert sorted(Plan.objects.values_list("code", "price")) == [("basic", 5), ("premium", 10)]


def test_existing_plans_are_left_as_staff_made_them(db):
    from subscriptions.apps import ensure_plans

    Plan.objects.filter(code="basic").update(price="6.00")

    ensure_plans()

    assert Plan.objects.get(code="basic").price == 6 and Plan.objects.count() == 2
