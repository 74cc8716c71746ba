"""``padmakara.precompiled``: a queryset compiled once, run with each request's values (used on
PostgreSQL only: elsewhere the driver's raw values differ from the fields' and the ORM is used)."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from padmakara.precompiled import Precompiled
from retreats.models import RetreatGroup

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.usefixtures("postgres")]


@pytest.fixture
def groups():
    return [RetreatGroup.objects.create(name=f"Group {i}", slug=f"group-{i}", order=i) for i in range(5)]


def test_it_runs_the_compiled_sql_with_each_requests_values(groups):
    by_uuid = Precompiled(
        lambda _variant, group_uuid: RetreatGroup.objects.filter(uuid=group_uuid).values("id", "name"),
        group_uuid=uuid.UUID,
    )
    assert by_uuid.rows(group_uuid=groups[1].uuid) == [{"id": groups[1].id, "name": "Group 1"}]
    assert by_uuid.rows(group_uuid=groups[3].uuid) == [{"id": groups[3].id, "name": "Group 3"}]
    assert by_uuid.rows(group_uuid=uuid.uuid4()) == []


def test_it_compiles_once_per_variant_and_pages_with_parameters(groups):
    built = []

    def build(descending, first_id):
        built.append(descending)
        return (
            RetreatGroup.objects.filter(pk__gte=first_id).order_by("-order" if descending else "order").values("name")
        )

    paged = Precompiled(build, paged=True, first_id=int)
    assert paged.rows(False, first_id=groups[1].pk, limit=2, offset=0) == [{"name": "Group 1"}, {"name": "Group 2"}]
    assert paged.rows(False, first_id=groups[1].pk, limit=2, offset=2) == [{"name": "Group 3"}, {"name": "Group 4"}]
    assert paged.rows(True, first_id=groups[3].pk, limit=10, offset=0) == [{"name": "Group 4"}, {"name": "Group 3"}]
    assert built == [False, True]
    with CaptureQueriesContext(connection) as queries:
        paged.rows(False, first_id=groups[0].pk, limit=1, offset=4)
    assert len(queries) == 1 and queries[0]["sql"].endswith("LIMIT 1 OFFSET 4")


def test_an_array_parameter_takes_any_number_of_ids(groups):
    in_ids = Precompiled(
        lambda _variant, ids: (
            RetreatGroup.objects.extra(where=["id = ANY(%s)"], params=[ids]).order_by("order").values("name")
        ),
        ids=list,
    )
    assert in_ids.rows(ids=[groups[0].id, groups[4].id]) == [{"name": "Group 0"}, {"name": "Group 4"}]
    assert in_ids.rows(ids=[g.id for g in groups]) == [{"name": f"Group {i}"} for i in range(5)]


def test_a_value_the_query_never_uses_is_a_mistake_told_at_once(groups):
    forgetful = Precompiled(lambda _variant, group_id: RetreatGroup.objects.values("name"), group_id=int)
    with pytest.raises(ImproperlyConfigured, match="no parameter for group_id"):
        forgetful.rows(group_id=groups[0].id)
    # Nor may Django drop the condition: a negative probe against a positive field is "always
    # true" to it, and the compiled SQL would ignore the request's value.
    positive = Precompiled(
        lambda _variant, order: RetreatGroup.objects.filter(order__gte=order).values("name"), order=int
    )
    with pytest.raises(ImproperlyConfigured, match="no parameter for order"):
        positive.rows(order=2)


def test_instances_are_the_models_rows_as_the_orm_reads_them():
    from accounts.models import User
    from tests.factories import make_user

    user = make_user(cognito_sub="sub-1", revoked_sessions={"session": 2**40})
    by_sub = Precompiled(lambda _variant, sub: User.objects.filter(cognito_sub=sub)[:1], sub=str)
    [found] = by_sub.instances(sub="sub-1")
    expected = User.objects.get(pk=user.pk)
    assert [getattr(found, f.attname) for f in User._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in User._meta.concrete_fields
    ]
    assert found.revoked_sessions == {"session": 2**40} and found.date_joined.tzinfo is not None
    assert not found._state.adding and found._state.db == "default"
    assert by_sub.instances(sub="nobody") == []
    values = Precompiled(lambda _variant, sub: User.objects.filter(cognito_sub=sub).values("email"), sub=str)
    with pytest.raises(ImproperlyConfigured, match="own fields"):
        values.instances(sub="sub-1")
