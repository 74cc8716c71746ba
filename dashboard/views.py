"""The staff dashboard, a page of the admin (staff only, like the rest of it)."""

import datetime

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from padmakara.api.formats import clock
from retreats.models import Audience, RetreatGroup

from . import charts, selectors


class FilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ModelChoiceField(
        label=_("Retreat group"), queryset=RetreatGroup.objects.order_by("name"), required=False,
        empty_label=_("All groups"),
    )  # fmt: skip
    # Each audience by its name in the reader's language (Audience.__str__), chosen by slug.
    audience = forms.ModelChoiceField(
        label=_("Audience"), queryset=Audience.objects.order_by("order", "slug"), to_field_name="slug",
        required=False, empty_label=_("All audiences"),
    )  # fmt: skip

    def filters(self) -> selectors.Filters:
        today = timezone.now().date()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - datetime.timedelta(days=29)
        if start > end:
            start, end = end, start
        # A year at most: the charts draw one bar a day.
        start = max(start, end - datetime.timedelta(days=selectors.MAX_DAYS - 1))
        group = data.get("group")
        audience = data.get("audience")
        return selectors.Filters(
            start=start, end=end, group_id=group.pk if group else None, audience=audience.slug if audience else None
        )


NO_SOURCE = _("No data source yet: this needs the listening-progress app.")
NO_BUNDLES = _("No data source yet: offline bundles are not installed.")


def _day(d: datetime.date) -> str:
    return date_format(d, "j M")  # month abbreviation in the active language ("3 Dec", "3 Dez")


def _hours(seconds) -> str:
    """Listening time reads as a duration, like every duration of the admin."""
    return clock(seconds)


def _hours_as_clock(hours: float) -> str:
    return clock(hours * 3600)


def _bundle_status(status: str) -> str:
    """The model's label of a bundle status ("ready" → "Ready", "Pronto"…), the raw value if unknown."""
    DownloadBundle = selectors._model("media.DownloadBundle")
    labels = dict(DownloadBundle.Status.choices) if DownloadBundle is not None else {}
    return str(labels.get(status, status))


def _money(value) -> str:
    return number_format(value, decimal_pos=2, force_grouping=True)


def _income_chart(rows: list[dict]):
    by_month: dict = {}
    for row in rows:
        by_month.setdefault(_as_month(row["month"]), 0)
        by_month[_as_month(row["month"])] += float(row["total"] or 0)
    return charts.column_chart(
        _("Income per month (EUR, refunds taken off)"),
        [(date_format(month, "M Y"), total) for month, total in sorted(by_month.items())],
        shown=_money,
    )


def _as_month(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def income_table(rows: list[dict]) -> dict:
    """Months down, sources across: ``{"sources": [label], "months": [(label, [amount], total)]}``."""
    from subscriptions.models import Subscription

    labels = dict(Subscription.Source.choices)
    sources = sorted({row["source"] for row in rows})
    months: dict = {}
    for row in rows:
        months.setdefault(_as_month(row["month"]), {})[row["source"]] = row["total"]
    return {
        "sources": [labels.get(source, source) for source in sources],
        "months": [
            (date_format(month, "M Y"), [_money(amounts.get(s, 0)) for s in sources], _money(sum(amounts.values())))
            for month, amounts in sorted(months.items())
        ],
    }


def build_charts(figures: dict) -> dict:
    listening, listeners = figures["listening"], figures["listeners"]
    tracks, gatherings, completion = figures["tracks"], figures["gatherings"], figures["completion"]
    bundles = figures["bundles"]
    return {
        "listening": charts.column_chart(
            _("Listening hours per day"),
            [(_day(d), v) for d, v in listening or []],
            shown=_hours_as_clock,
            empty="" if listening is not None else NO_SOURCE,
        ),
        "listeners": charts.column_chart(
            _("Active listeners per week"),
            [(_("wk of %(day)s") % {"day": _day(d)}, v) for d, v in listeners or []],
            empty="" if listeners is not None else NO_SOURCE,
            additive=False,
            counts=True,
        ),
        "sign_ups": charts.column_chart(
            _("New sign-ups per day"), [(_day(d), v) for d, v in figures["sign_ups"]], counts=True
        ),
        "tracks": charts.bar_chart(
            _("Most played tracks (hours)"),
            [
                (f"{t['track__title']} · {t['track__session__retreat__name']}", t["seconds"] or 0, _hours(t["seconds"]))
                for t in tracks or []
            ],
            empty="" if tracks is not None else NO_SOURCE,
        ),
        "gatherings": charts.bar_chart(
            _("Most played gatherings (hours)"),
            [(g["track__session__retreat__name"], g["seconds"] or 0, _hours(g["seconds"])) for g in gatherings or []],
            empty="" if gatherings is not None else NO_SOURCE,
        ),
        "completion": charts.bar_chart(
            _("Completion rate per gathering (tracks finished of tracks started)"),
            [
                (
                    c["track__session__retreat__name"],
                    100 * c["completed"] / c["started"],
                    _("%(percent).0f%% of %(started)d")
                    % {"percent": 100 * c["completed"] / c["started"], "started": c["started"]},
                )
                for c in completion or []
            ],
            maximum=100,
            empty="" if completion is not None else NO_SOURCE,
        ),
        "subscribers": charts.column_chart(
            _("Active subscribers (at the end of each week)"),
            [(_("wk of %(day)s") % {"day": _day(d)}, v) for d, v in figures["subscribers"]],
            additive=False,
            counts=True,
        ),
        "income": _income_chart(figures["income"]),
        "bundles": charts.bar_chart(
            _("Offline bundles by outcome"),
            [
                (_bundle_status(status), n, number_format(n, force_grouping=True))
                for status, n in sorted((bundles or {}).get("by_status", {}).items())
            ],
            empty="" if bundles is not None else NO_BUNDLES,
        ),
    }


def _admin_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # that model is not in this admin
        return None


def dashboard_view(request):
    form = FilterForm(request.GET or None)
    filters = form.filters()
    if not form.is_bound:
        form = FilterForm(initial={"start": filters.start, "end": filters.end})
    figures = selectors.dashboard(filters)
    for failure in figures["failures"]["latest"]:
        failure["url"] = _admin_url("admin:retreats_track_change", failure["id"])
    for member in figures["lapsing"]:
        member["url"] = _admin_url("admin:subscriptions_subscription_change", member["subscription_id"])
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "form": form,
        "filters": filters,
        "charts": build_charts(figures),
        "failures": figures["failures"],
        "bundles": figures["bundles"],
        "income": income_table(figures["income"]),
        "lapsing": figures["lapsing"],
    }
    return TemplateResponse(request, "dashboard/dashboard.html", context)
