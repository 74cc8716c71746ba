"""The index order of the admin site, apart from padmakara/admin.py: Django imports the site
class while it builds ``admin.site``, before the apps' admin modules (padmakara's included)
register their models on it. ``admin.site`` itself is accounts.admin_site.AdminSite (sign-in
slowed after failures, a TOTP second step), which builds on this one."""

from django.contrib import admin


class PadmakaraAdminSite(admin.AdminSite):
    """The admin site: the catalogue staff work in (gatherings, sessions, tracks) comes first on
    the index, then media, listening, notifications and accounts; any other app after those."""

    app_order = ["retreats", "media", "progress", "notifications", "accounts", "auth"]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: index for index, label in enumerate(self.app_order)}
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"].lower()))
