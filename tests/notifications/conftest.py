import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # PBKDF2 at full strength costs ~0.3 s a user; these tests make many users and never log in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
