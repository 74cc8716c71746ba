"""docs/compat-api.md under ``/api/``: no trailing slash, none added by redirect."""

from django.urls import path

from . import accounts, catalogue, content, media, testing

app_name = "compat"

urlpatterns = [
    # Accounts
    path("auth/request-magic-link", accounts.RequestMagicLinkView.as_view()),
    path("auth/request-approval", accounts.RequestApprovalView.as_view()),
    path("auth/activate/<str:token>", accounts.ActivateLinkView.as_view(), name="activate"),
    path("auth/device/discover", accounts.DiscoverView.as_view()),
    path("auth/auto-activate", accounts.AutoActivateView.as_view()),
    path("auth/device/deactivate", accounts.DeactivateView.as_view()),
    path("auth/devices", accounts.DeviceListView.as_view()),
    path("auth/refresh", accounts.RefreshView.as_view()),
    path("auth/user", accounts.UserView.as_view()),
    path("auth/user/delete", accounts.UserDeleteView.as_view()),
    # Catalogue
    path("events/public", catalogue.PublicEventListView.as_view()),
    path("events/featured", catalogue.FeaturedEventView.as_view()),
    path("events/public/<int:event_id>", catalogue.PublicEventDetailView.as_view()),
    path("events/public/<int:event_id>/request-download", media.PublicDownloadRequestView.as_view()),
    path("events/sessions/<int:session_id>", catalogue.SessionDetailView.as_view()),
    path("events/tracks/<int:track_id>", catalogue.TrackDetailView.as_view()),
    path("events", catalogue.EventListView.as_view()),
    path("events/<int:event_id>", catalogue.EventDetailView.as_view()),
    path("events/<int:event_id>/request-download", media.DownloadRequestView.as_view()),
    path("groups", catalogue.GroupListView.as_view()),
    path("groups/<str:key>/events", catalogue.GroupEventListView.as_view()),
    path("teachers", catalogue.TeacherListView.as_view()),
    path("teachers/<str:abbreviation>", catalogue.TeacherDetailView.as_view()),
    path("publications", catalogue.PublicationListView.as_view()),
    path("publications/<uuid:publication_id>", catalogue.PublicationDetailView.as_view()),
    path("publications/<uuid:publication_id>/pdf", catalogue.PublicationPDFView.as_view()),
    path("sync/versions", catalogue.SyncVersionsView.as_view()),
    path("search", catalogue.SearchView.as_view()),
    # Listening and bookmarks
    path("content/progress", content.ProgressView.as_view()),
    path("content/progress/<int:track_id>", content.TrackProgressView.as_view()),
    path("content/last-played", content.LastPlayedView.as_view()),
    path("content/track-bookmarks", content.TrackBookmarkListView.as_view()),
    path("content/track-bookmarks/<int:track_id>", content.TrackBookmarkDetailView.as_view()),
    path("content/event-bookmarks", content.EventBookmarkListView.as_view()),
    path("content/event-bookmarks/<int:event_id>", content.EventBookmarkDetailView.as_view()),
    # Media and downloads
    path("media/audio/<int:track_id>", media.AudioURLView.as_view()),
    path("media/transcript/<int:transcript_id>", media.TranscriptView.as_view()),
    path("media/readalong/<int:track_id>", media.ReadAlongView.as_view()),
    path("download-requests/<uuid:request_id>/status", media.DownloadStatusView.as_view()),
    path("download-requests/<uuid:request_id>/download", media.DownloadFileView.as_view()),
    # Test support: 404 unless COMPAT_TEST_SUPPORT (never in production).
    path("test/user-by-email", testing.UserByEmailView.as_view()),
    path("test/token", testing.TokenView.as_view()),
    path("test/dataset", testing.DatasetView.as_view()),
]
