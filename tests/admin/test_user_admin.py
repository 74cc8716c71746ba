from django.urls import reverse

from accounts.models import GroupMembership, User
from tests import factories

ADD = reverse("admin:accounts_user_add")


def _add(client, email):
    return client.post(
        ADD,
        {
            "email": email,
            "usable_password": "true",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )


def test_it_adds_a_user_by_email(staff_client):
    response = _add(staff_client, "Ana.Silva@Example.org")

    assert response.status_code == 302
    user = User.objects.get(email="ana.silva@example.org")
    assert user.check_password("a-long-pass-phrase")


def test_it_refuses_an_email_taken_in_another_case(staff_client):
    factories.make_user(email="ana@example.org")

    response = _add(staff_client, "ANA@example.org")

    assert response.status_code == 200
    assert "A user with this email address already exists." in str(response.context["errors"])


def test_it_adds_a_group_membership_inline(staff_client, user):
    group = factories.make_group()
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = staff_client.get(url).context
    form = page["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    for inline in page["inline_admin_formsets"]:  # every inline posts its (empty) management form
        data.update({f"{inline.formset.prefix}-TOTAL_FORMS": 0, f"{inline.formset.prefix}-INITIAL_FORMS": 0})
    data.update(
        {
            "groups": [],
            "user_permissions": [],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 0,
            "memberships-0-group": group.pk,
        }
    )
    data.pop("date_joined")

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert GroupMembership.objects.get(user=user).group == group


def test_it_finds_users_by_name(staff_client, user, other_user):
    response = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "bruno"})

    assert list(response.context["cl"].result_list) == [other_user]


def test_it_filters_users_by_retreat_group(staff_client, user, other_user):
    group = factories.make_group()
    factories.make_member(user, group)
    factories.make_member(other_user, factories.make_group())

    response = staff_client.get(reverse("admin:accounts_user_changelist"), {"memberships__group__id__exact": group.pk})

    assert list(response.context["cl"].result_list) == [user]


def test_the_list_shows_plan_and_state_in_one_column(staff_client):
    import datetime

    from django.utils import timezone

    factories.make_user(email="current@example.org", subscription_plan="premium", subscription_status="active")
    factories.make_user(
        email="lapsed@example.org", subscription_plan="premium", subscription_status="active",
        subscription_expires_at=timezone.now() - datetime.timedelta(days=1),
    )  # fmt: skip

    response = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "example.org"})
    pt = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "current"}, HTTP_ACCEPT_LANGUAGE="pt")

    cells = [row for row in response.content.decode().split("<tr") if "@example.org" in row]
    assert any("current@" in row and 'field-subscription">Premium · Active<' in row for row in cells)
    assert any("lapsed@" in row and 'field-subscription">Premium · Expired<' in row for row in cells)
    assert 'field-subscription">Premium · Ativa<' in pt.content.decode()
