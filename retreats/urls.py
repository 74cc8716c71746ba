from padmakara.api.routing import slash_optional

from . import api, search_api

urlpatterns = [
    *slash_optional("content/retreats", api.RetreatListView.as_view(), "content-retreats"),
    *slash_optional("content/retreat/<uuid:group_id>", api.RetreatGroupDetailView.as_view(), "content-retreat"),
    *slash_optional("content/gathering/<uuid:gathering_id>", api.GatheringDetailView.as_view(), "content-gathering"),
    *slash_optional("content/track/<uuid:track_id>", api.TrackDetailView.as_view(), "content-track"),
    *slash_optional("content/teachers", api.TeacherListView.as_view(), "content-teachers"),
    *slash_optional("content/teachers/<str:abbreviation>", api.TeacherDetailView.as_view(), "content-teacher"),
    *slash_optional("content/search", search_api.SearchView.as_view(), "content-search"),
    *slash_optional("user/access", api.UserAccessView.as_view(), "user-access"),
]
