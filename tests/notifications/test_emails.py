import datetime

import boto3
import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import DigestSubscription
from padmakara.mail import send_bundle_ready, send_password_reset_code, send_verification_code
from tests.factories import make_group, make_retreat, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_it_sends_the_verification_code_in_english():
    user = make_user(name="Ana", language="en")

    assert send_verification_code(user=user, code="123456") == 1

    message = mail.outbox[0]
    assert message.to == [user.email] and message.subject == "Your Padmakara verification code: 123456"
    assert "Hello,\n" in message.body and "valid for 24 hours" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "123456" in html and '<html lang="en">' in html
    assert message.extra_headers["Content-Language"] == "en"


def test_it_sends_the_verification_code_in_portuguese():
    user = make_user(name="Rita", language="pt")

    send_verification_code(user=user, code="654321")

    message = mail.outbox[0]
    assert message.subject == "O seu código de verificação Padmakara: 654321"
    assert "Olá,\n" in message.body and '<html lang="pt">' in message.alternatives[0][0]


@pytest.mark.parametrize("language", ["en", "pt"])
def test_it_keeps_the_name_out_of_the_verification_mail(language):
    # The name is whatever the registration said, and the address is not yet proven its owner's.
    user = make_user(name="Your account is suspended: call +1 555 0100", language=language)

    send_verification_code(user=user, code="123456")

    message = mail.outbox[0]
    assert "suspended" not in message.body and "suspended" not in message.alternatives[0][0]


@pytest.mark.parametrize(("language", "subject"), [("en", "password reset code"), ("pt", "redefinir a palavra-passe")])
def test_it_sends_the_password_reset_code(language, subject):
    send_password_reset_code(user=make_user(language=language), code="111222")

    assert subject in mail.outbox[0].subject and "111222" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("language", "words"), [("en", "ready to download (12 MB)"), ("pt", "prontas a transferir (12 MB)")]
)
def test_it_tells_the_user_their_bundle_is_ready(language, words):
    expires = datetime.datetime(2026, 12, 1, 10, 30, tzinfo=datetime.UTC)

    send_bundle_ready(
        user=make_user(language=language),
        bundle_url="https://x/b.zip",
        size=12_000_000,
        expires_at=expires,
        track_count=3,
    )

    body = mail.outbox[0].body
    assert words in body and "https://x/b.zip" in body and "10:30" in body


def test_it_sends_the_digest_only_to_subscribers_and_only_what_they_may_play():
    subscriber, member_only_gathering_group = make_user(language="pt"), make_group()
    make_user()  # not subscribed
    DigestSubscription.objects.create(user=subscriber)
    DigestSubscription.objects.filter(user=subscriber).update(created_at=timezone.now() - datetime.timedelta(days=7))
    make_retreat(audience="free-anyone", name="Open Gathering", name_pt="Encontro Aberto")
    make_retreat(audience="retreat-group-members", groups=[member_only_gathering_group], name="Members Only")

    assert services.send_new_content_digests() == 1

    (message,) = mail.outbox
    assert message.to == [subscriber.email] and "Encontro Aberto" in message.body and "Members Only" not in message.body


def test_it_sends_no_digest_twice_for_the_same_period():
    subscriber = make_user()
    DigestSubscription.objects.create(user=subscriber)
    DigestSubscription.objects.filter(user=subscriber).update(created_at=timezone.now() - datetime.timedelta(days=7))
    make_retreat(audience="free-anyone")

    assert services.send_new_content_digests() == 1
    assert services.send_new_content_digests() == 0
    assert len(mail.outbox) == 1


@pytest.mark.s3
def test_it_sends_through_ses_with_django_ses(settings, moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    settings.AWS_SES_REGION_ENDPOINT_URL = moto_endpoint
    settings.AWS_SES_AUTO_THROTTLE = None  # moto has no GetAccount to read the send rate from
    settings.DEFAULT_FROM_EMAIL = "no-reply@padmakara.example"
    ses = boto3.client("ses", region_name=settings.AWS_SES_REGION_NAME, endpoint_url=moto_endpoint)
    ses.verify_email_identity(EmailAddress="no-reply@padmakara.example")
    before = ses.get_send_quota()["SentLast24Hours"]

    assert send_verification_code(user=make_user(), code="123456") == 1

    # moto counts the recipient of a raw message twice (once given, once from its To: header).
    assert ses.get_send_quota()["SentLast24Hours"] > before
