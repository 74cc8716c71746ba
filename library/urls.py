from padmakara.api.routing import slash_optional

from . import api

urlpatterns = [
    *slash_optional("content/books", api.BookListView.as_view(), "content-books"),
    *slash_optional("content/books/<uuid:book_id>", api.BookDetailView.as_view(), "content-book"),
    *slash_optional("content/books/<uuid:book_id>/pdf", api.BookURLView.as_view(), "content-book-pdf"),
]
