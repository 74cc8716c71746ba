"""``{% load durations %}`` then ``{{ seconds|duration }}``: a duration as ``h:mm:ss``, the one
way the admin and the dashboard write durations (``padmakara.api.formats.clock``)."""

from django import template

from padmakara.api.formats import clock

register = template.Library()


@register.filter
def duration(seconds) -> str:
    if seconds in (None, ""):
        return "—"
    return clock(float(seconds))
