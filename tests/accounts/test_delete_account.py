from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.models import Device, EmailCode, LocalCredentials, RefreshToken, User
from accounts.services import user_foreign_keys
from tests.factories import make_group, make_member, make_user


def _rows_pointing_at(user_pk: int) -> dict:
    return {
        f"{field.model._meta.label}.{field.name}": field.model._base_manager.filter(**{field.attname: user_pk}).count()
        for field in user_foreign_keys()
    }


def test_it_finds_user_foreign_keys_by_introspection(db):
    labels = {f"{field.model._meta.label}.{field.name}" for field in user_foreign_keys()}
    assert {
        "accounts.Device.user",
        "accounts.RefreshToken.user",
        "accounts.EmailCode.user",
        "accounts.LocalCredentials.user",
        "accounts.GroupMembership.user",
        "admin.LogEntry.user",
    } <= labels


def test_it_leaves_no_personal_row(bearer, app_user, tokens, on_commit):
    make_member(app_user, make_group())
    bearer.post("/api/v1/user/devices", {"platform": "ios", "pushToken": "tok"})
    bearer.post("/api/v1/auth/mfa/setup")
    with on_commit():
        bearer.post("/api/v1/auth/forgot-password", {"email": app_user.email})
    LogEntry.objects.create(
        user=app_user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(app_user.pk),
        object_repr="x",
        action_flag=ADDITION,
    )
    before = _rows_pointing_at(app_user.pk)
    assert all(
        before[label] for label in ("accounts.Device.user", "accounts.RefreshToken.user", "accounts.EmailCode.user")
    )

    response = bearer.delete("/api/v1/user/account")

    assert response.status_code == 204
    assert not User.objects.filter(pk=app_user.pk).exists()
    leftovers = {label: count for label, count in _rows_pointing_at(app_user.pk).items() if count}
    assert leftovers == {}


def test_it_keeps_other_users_rows(bearer, app_user, db):
    other = make_user()
    Device.objects.create(user=other, platform="web", push_token="other")
    bearer.delete("/api/v1/user/account")
    assert Device.objects.filter(user=other).exists()


def test_it_makes_the_old_tokens_useless(bearer, app_user, tokens):
    bearer.delete("/api/v1/user/account")
    # The access token is still within its hour, but its subject is gone and is not recreated.
    assert bearer.get("/api/v1/user/profile").status_code == 401
    assert not User.objects.exists()
    assert bearer.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    assert (
        not RefreshToken.objects.exists() and not EmailCode.objects.exists() and not LocalCredentials.objects.exists()
    )


def test_it_deletes_the_access_request_that_made_the_account(db, staff):
    from accounts.models import AccessRequest
    from accounts.services import access_request_approve, access_request_create, user_delete_account

    request = access_request_create(email="rita@example.org", first_name="Rita", last_name="Sousa")
    rita = access_request_approve(access_request=request, by=staff)

    user_delete_account(user=rita)

    assert not AccessRequest.objects.exists()
