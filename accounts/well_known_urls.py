"""Mounted at the site root by padmakara/urls.py (no version prefix, as Cognito's)."""

from django.urls import path

from . import api

urlpatterns = [path(".well-known/jwks.json", api.jwks, name="jwks")]
