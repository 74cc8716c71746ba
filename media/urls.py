from django.urls import path

from padmakara.api.routing import slash_optional

from . import api, views

urlpatterns = [
    *slash_optional("media/audio/<uuid:track_id>", api.AudioURLView.as_view(), "media-audio"),
    *slash_optional("media/transcript/<uuid:track_id>", api.TranscriptURLView.as_view(), "media-transcript"),
    *slash_optional("content/track/<uuid:track_id>/read-along", api.ReadAlongView.as_view(), "content-read-along"),
    *slash_optional("media/download", api.DownloadCreateView.as_view(), "media-download"),
    *slash_optional("media/download/<uuid:download_id>", api.DownloadDetailView.as_view(), "media-download-detail"),
    # Local storage only: app-signed, expiring URLs (no token; the signature is the credential).
    path("media/file/<path:key>", views.signed_file, name="media-file"),
]
