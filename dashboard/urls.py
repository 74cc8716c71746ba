from django.contrib import admin
from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    # admin_view: staff only, a login redirect for everyone else, never cached by the browser.
    path("", admin.site.admin_view(views.dashboard_view), name="index"),
]
