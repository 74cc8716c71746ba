from padmakara.api.routing import slash_optional

from . import api

urlpatterns = [
    *slash_optional("progress/track", api.TrackProgressView.as_view(), "progress-track"),
    *slash_optional("progress/sync", api.SyncView.as_view(), "progress-sync"),
    *slash_optional("progress/user", api.UserProgressView.as_view(), "progress-user"),
    *slash_optional("progress/stats", api.StatsView.as_view(), "progress-stats"),
    *slash_optional("progress/bookmark", api.BookmarkCreateView.as_view(), "progress-bookmark-create"),
    *slash_optional("progress/bookmark/<uuid:bookmark_id>", api.BookmarkDetailView.as_view(), "progress-bookmark"),
    *slash_optional("progress/bookmarks", api.BookmarkListView.as_view(), "progress-bookmarks"),
    *slash_optional("progress/highlight", api.HighlightCreateView.as_view(), "progress-highlight-create"),
    *slash_optional("progress/highlight/<uuid:highlight_id>", api.HighlightDetailView.as_view(), "progress-highlight"),
    *slash_optional("progress/highlights", api.HighlightListView.as_view(), "progress-highlights"),
]
