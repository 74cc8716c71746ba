"""The catalogue admin retreat staff work in: group → gatherings, gathering → sessions,
session → tracks, track → transcripts. Lists are annotated in one query (no per-row counts)
and the big tables (tracks, transcripts) never load every row as a choice or COUNT(*) them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.db import models
from django.db.models import Count, FloatField, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst, get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from padmakara.admin import LargeTablePaginator, api_id
from padmakara.api.formats import clock

from . import live, photos
from .access_admin import AttendanceFormsetSaving, GatheringAttendanceInline, grant_access_to_gatherings
from .actions import NO_GROUP_MESSAGE, NotPublishable, PublishRetreatAction, UnpublishRetreatAction
from .models import (
    LANGUAGE_CHOICES,
    Place,
    Retreat,
    RetreatGroup,
    Session,
    Tag,
    Teacher,
    Track,
    TrackSpeaker,
    Transcript,
)

NO_GROUP_PUBLISHED_WARNING = _(
    "“%(gathering)s” is published but in no retreat group: listeners do not see it in the app. "
    "Add it to a retreat group."
)


def _subquery_total(queryset, group_by: str, aggregate, output_field):
    """One correlated subquery per row instead of a JOIN, so filters on other relations
    (teachers, groups) cannot multiply the rows being counted or summed."""
    rows = queryset.order_by().values(group_by).annotate(total=aggregate).values("total")
    return Coalesce(Subquery(rows, output_field=output_field), Value(0), output_field=output_field)


def _session_count():
    return _subquery_total(Session.objects.filter(retreat=OuterRef("pk")), "retreat", Count("pk"), IntegerField())


def _track_count(prefix: str):
    return _subquery_total(Track.objects.filter(**{prefix: OuterRef("pk")}), prefix, Count("pk"), IntegerField())


def _track_duration(prefix: str):
    return _subquery_total(Track.objects.filter(**{prefix: OuterRef("pk")}), prefix, Sum("duration"), FloatField())


def date_span(start, end) -> str:
    """A date range as short as it reads clearly, month names in the active language."""
    if start is None:
        return "—"
    if end is None or end == start:
        return date_format(start, "j M Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{date_format(end, 'j M Y')}"
    if start.year == end.year:
        return f"{date_format(start, 'j M')} – {date_format(end, 'j M Y')}"
    return f"{date_format(start, 'j M Y')} – {date_format(end, 'j M Y')}"


class TrackTotalsColumns:
    """The "tracks" and "total duration" columns of an admin whose queryset is annotated with
    ``track_count`` (``_track_count``) and ``total_seconds`` (``_track_duration``)."""

    @admin.display(description=_("tracks"), ordering="track_count")
    def track_count(self, obj):
        return obj.track_count

    @admin.display(description=_("total duration"), ordering="total_seconds")
    def total_duration(self, obj):
        return clock(obj.total_seconds)


class VerboseUniqueFormSet(BaseInlineFormSet):
    """Names duplicate fields by their (translated) labels, not their attribute names."""

    labels: dict = {}  # for fields whose model label is not ours (auto-created through models)

    def get_unique_error_message(self, unique_check):
        names = [name for name in unique_check if name != self.fk.name]
        labels = [str(self.labels.get(name) or self.model._meta.get_field(name).verbose_name) for name in names]
        if len(labels) == 1:
            return gettext("Please correct the duplicate data for %(field)s.") % {"field": labels[0]}
        return gettext("Please correct the duplicate data for %(field)s, which must be unique.") % {
            "field": get_text_list(labels, gettext("and"))
        }


class GroupGatheringFormSet(VerboseUniqueFormSet):
    labels = {"retreat": _("gathering")}


# --- Teachers, places, tags ---------------------------------------------------------------


class PhotosAdminMixin:
    """Photo fields are checked and re-encoded within bounds on upload (retreats/photos.py)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        sizes = photos.photo_sizes()
        if isinstance(db_field, models.ImageField) and db_field.name in sizes:
            kwargs["form_class"] = photos.PhotoField
            kwargs["max_side"] = sizes[db_field.name]
            kwargs["stem"] = db_field.name
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Teacher)
class TeacherAdmin(PhotosAdminMixin, admin.ModelAdmin):
    list_display = ["name", "abbreviation", "aliases"]
    search_fields = ["name", "abbreviation", "aliases"]
    fieldsets = [
        (None, {"fields": ["name", "abbreviation", "aliases", "bio"]}),
        (_("Photos"), {"fields": ["avatar", "hero"]}),
    ]


@admin.register(Place)
class PlaceAdmin(PhotosAdminMixin, admin.ModelAdmin):
    list_display = ["name", "abbreviation", "location"]
    search_fields = ["name", "abbreviation", "location"]
    fieldsets = [
        (None, {"fields": ["name", "abbreviation", "location"]}),
        (_("Photos"), {"fields": ["photo"]}),
    ]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "name_pt", "slug"]
    search_fields = ["name", "name_pt", "slug"]
    prepopulated_fields = {"slug": ["name"]}


# --- Retreat groups -----------------------------------------------------------------------


class GroupGatheringInline(admin.TabularInline):
    model = Retreat.groups.through
    formset = GroupGatheringFormSet
    autocomplete_fields = ["retreat"]
    extra = 0
    verbose_name = _("gathering")
    verbose_name_plural = _("gatherings")

    class Media:
        # The through model has no readable name; its rows are labelled by the gathering field.
        css = {"all": ["retreats/admin/inlines.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("retreat").order_by("-retreat__start_date")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "retreat":
            # The auto-created through model's field is called "retreat", in English only.
            kwargs["label"] = capfirst(_("gathering"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RetreatGroup)
class RetreatGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "name_pt", "slug", "order", "gathering_count"]
    list_editable = ["order"]
    search_fields = ["name", "name_pt", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [api_id, "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "name_pt", "slug", "order", "image"]}),
        (_("Description"), {"fields": ["description", "description_pt"]}),
        (_("Record"), {"fields": [api_id, "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [GroupGatheringInline]

    def get_queryset(self, request):
        links = Retreat.groups.through.objects.filter(retreatgroup=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(gathering_count=_subquery_total(links, "retreatgroup", Count("pk"), IntegerField()))
        )

    @admin.display(description=_("gatherings"), ordering="gathering_count")
    def gathering_count(self, obj):
        return obj.gathering_count


# --- Gatherings ---------------------------------------------------------------------------


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Retreat.objects.dates("start_date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(start_date__year=int(value))
        return queryset


class RetreatForm(forms.ModelForm):
    class Meta:
        model = Retreat
        fields = [
            "name",
            "name_pt",
            "slug",
            "event_code",
            "groups",
            "start_date",
            "end_date",
            "season",
            "places",
            "teachers",
            "status",
            "audience",
            "required_plan",
            "description",
            "description_pt",
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            # A field error here also keeps the database constraint's generic message away.
            self.add_error("end_date", _("The end date cannot be before the start date."))
        if cleaned.get("status") == Retreat.Status.PUBLISHED and "groups" in cleaned and not cleaned["groups"]:
            # Checked here for a readable field error; PublishRetreatAction refuses it too. A
            # gathering published before this rule with no group can still be edited (the
            # change page warns about it instead).
            legacy = (
                self.instance.pk
                and self.initial.get("status") == Retreat.Status.PUBLISHED
                and not self.instance.groups.exists()
            )
            if not legacy:
                name = cleaned.get("name") or self.instance.name
                self.add_error("groups", NO_GROUP_MESSAGE % {"gathering": name})
        return cleaned


class SessionInline(admin.TabularInline):
    model = Session
    formset = VerboseUniqueFormSet
    fields = ["order", "name", "name_pt", "type", "date", "part_number", "track_count"]
    readonly_fields = ["track_count"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # select_related: each row is labelled "gathering · session".
        return super().get_queryset(request).select_related("retreat").annotate(track_count=_track_count("session"))

    @admin.display(description=_("tracks"))
    def track_count(self, obj):
        return getattr(obj, "track_count", 0)


@admin.register(Retreat)
class RetreatAdmin(AttendanceFormsetSaving, TrackTotalsColumns, admin.ModelAdmin):
    form = RetreatForm
    list_display = [
        "name",
        "dates",
        "status",
        "audience",
        "session_count",
        "track_count",
        "total_duration",
    ]
    list_filter = ["groups", YearListFilter, "season", "status", "audience", "teachers"]
    search_fields = ["name", "name_pt", "slug", "event_code"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["groups", "teachers", "places"]
    readonly_fields = [api_id, "published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "name_pt", "slug", "event_code", "groups"]}),
        (_("When and where"), {"fields": ["start_date", "end_date", "season", "places", "teachers"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "audience", "required_plan"]}),
        (_("Description"), {"fields": ["description", "description_pt"]}),
        (_("Record"), {"fields": [api_id, "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [SessionInline, GatheringAttendanceInline]
    actions = ["publish", "unpublish", grant_access_to_gatherings]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                session_count=_session_count(),
                track_count=_track_count("session__retreat"),
                total_seconds=_track_duration("session__retreat"),
            )
        )

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj):
        return obj.session_count

    @admin.display(description=_("dates"), ordering="start_date")
    def dates(self, obj):
        """One short column ("12–14 Apr 2024") instead of two long dates: the list fits 1366 px."""
        return date_span(obj.start_date, obj.end_date)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            retreat = Retreat.objects.filter(pk=object_id, status=Retreat.Status.PUBLISHED, groups=None).first()
            if retreat is not None:
                self.message_user(request, NO_GROUP_PUBLISHED_WARNING % {"gathering": retreat.name}, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # Publishing goes through its action (audit entry, signal, version stamp) like the admin
        # actions do: the row is saved in its previous state, then the action makes the change
        # once its groups are saved too (save_related), since publishing needs a group.
        obj._wanted_status = obj.status
        obj.status = form.initial.get("status", Retreat.Status.DRAFT) if change else Retreat.Status.DRAFT
        if change and obj.status == Retreat.Status.PUBLISHED and obj._wanted_status == obj.status:
            # Who may play it can change with its audience, plan or groups: those connected
            # before and after are compared once everything is saved (save_related).
            obj._audience_before = live.audience_now(retreat_id=obj.pk)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        wanted, previous = getattr(obj, "_wanted_status", obj.status), obj.status
        # A new gathering may be created published by whoever may add one (the admin checked that).
        if wanted == Retreat.Status.PUBLISHED and previous != wanted:
            PublishRetreatAction(obj, user=request.user).execute(skip_permission_checks=not change)
        elif wanted == Retreat.Status.DRAFT and previous != wanted:
            UnpublishRetreatAction(obj, user=request.user).execute()
        elif hasattr(obj, "_audience_before"):
            live.tell_access_changed_on_commit(retreat_id=obj.pk, before=obj._audience_before)

    @admin.action(description=_("Publish the selected gatherings"), permissions=["change"])
    def publish(self, request, queryset):
        changed, refused = 0, []
        for retreat in queryset:
            try:
                changed += PublishRetreatAction(retreat, user=request.user).execute()
            except NotPublishable as exc:
                refused.append(exc)
        for exc in refused:
            self.message_user(request, str(exc), messages.ERROR)
        if refused and not changed and len(refused) == len(queryset):
            return
        self._report(request, changed=changed, unchanged=len(queryset) - changed - len(refused), published=True)

    @admin.action(description=_("Unpublish the selected gatherings"), permissions=["change"])
    def unpublish(self, request, queryset):
        changed = sum(UnpublishRetreatAction(retreat, user=request.user).execute() for retreat in queryset)
        self._report(request, changed=changed, unchanged=len(queryset) - changed, published=False)

    def _report(self, request, *, changed: int, unchanged: int, published: bool) -> None:
        if published:
            done = ngettext("%(count)d gathering published.", "%(count)d gatherings published.", changed)
            already = ngettext("%(count)d was already published.", "%(count)d were already published.", unchanged)
            nothing = ngettext(
                "Nothing changed: the selected gathering was already published.",
                "Nothing changed: the %(count)d selected gatherings were already published.",
                unchanged,
            )
        else:
            done = ngettext("%(count)d gathering unpublished.", "%(count)d gatherings unpublished.", changed)
            already = ngettext("%(count)d was already a draft.", "%(count)d were already drafts.", unchanged)
            nothing = ngettext(
                "Nothing changed: the selected gathering was already a draft.",
                "Nothing changed: the %(count)d selected gatherings were already drafts.",
                unchanged,
            )
        if not changed:
            self.message_user(request, nothing % {"count": unchanged}, messages.WARNING)
            return
        message = done % {"count": changed}
        if unchanged:
            message = f"{message} {already % {'count': unchanged}}"
        self.message_user(request, message, messages.SUCCESS)


# --- Sessions -----------------------------------------------------------------------------


def languages_label(codes) -> str:
    """``["en", "pt"]`` as "EN + PT"."""
    return " + ".join(code.upper() for code in codes or ())


def speakers_label(track: Track) -> str:
    """The track's speakers by abbreviation, main one first (from a prefetch of ``track_speakers__teacher``)."""
    return ", ".join(link.teacher.abbreviation for link in track.track_speakers.all()) or "—"


def with_speakers(queryset):
    return queryset.prefetch_related(
        Prefetch("track_speakers", queryset=TrackSpeaker.objects.select_related("teacher").order_by("position"))
    )


class TrackInlineForm(forms.ModelForm):
    class Meta:
        model = Track
        fields = ["is_practice", "order", "part_number", "title", "language", "original"]

    def clean(self):
        cleaned = super().clean()
        original = cleaned.get("original")
        if original is not None and self.instance.pk and original.pk == self.instance.pk:
            self.add_error("original", _("A track cannot be its own original."))
        return cleaned


class PrefetchedRawIdWidget(ForeignKeyRawIdWidget):
    """Labels the chosen rows of a whole inline from one query instead of one per row."""

    def __init__(self, rel, admin_site, *, rows, attrs=None, using=None):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.rows = {str(row.pk): row for row in rows}

    def label_and_url_for_value(self, value):
        obj = self.rows.get(str(value))
        if obj is None:
            return super().label_and_url_for_value(value)
        opts = obj._meta
        url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        return Truncator(obj).words(14), url


class TrackInline(admin.TabularInline):
    model = Track
    form = TrackInlineForm
    formset = VerboseUniqueFormSet
    # Languages and speakers are sets and lists: they are edited on the track's own page.
    fields = [
        "is_practice",
        "order",
        "part_number",
        "title",
        "language",
        "original",
        "languages_display",
        "speakers_display",
        "duration_display",
    ]
    readonly_fields = ["languages_display", "speakers_display", "duration_display"]
    raw_id_fields = ["original"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return with_speakers(super().get_queryset(request))

    @admin.display(description=_("languages"))
    def languages_display(self, obj):
        return languages_label(obj.languages) if obj.pk else "—"

    @admin.display(description=_("speakers"))
    def speakers_display(self, obj):
        return speakers_label(obj) if obj.pk else "—"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        original = formset.form.base_fields.get("original")
        if obj is not None and original is not None:
            widget = original.widget
            original.widget = PrefetchedRawIdWidget(
                widget.rel,
                widget.admin_site,
                rows=Track.objects.filter(translations__session=obj).distinct(),
                attrs=widget.attrs,
                using=widget.db,
            )
        return formset

    @admin.display(description=_("duration"))
    def duration_display(self, obj):
        return clock(obj.duration)


@admin.register(Session)
class SessionAdmin(TrackTotalsColumns, admin.ModelAdmin):
    list_display = ["name", "retreat", "type", "date", "part_number", "order", "track_count", "total_duration"]
    list_filter = ["type", ("retreat", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["retreat"]
    search_fields = ["name", "name_pt", "retreat__name"]
    autocomplete_fields = ["retreat"]
    readonly_fields = [api_id, "created_at", "updated_at"]
    fields = [
        "retreat",
        "order",
        "name",
        "name_pt",
        "type",
        "date",
        "part_number",
        api_id,
        "created_at",
        "updated_at",
    ]
    inlines = [TrackInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("retreat")
            .annotate(track_count=_track_count("session"), total_seconds=_track_duration("session"))
        )


# --- Tracks -------------------------------------------------------------------------------


class TrackForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Every language heard on the recording; the main language is always one of them."),
    )

    class Meta:
        model = Track
        fields = [
            "session",
            "order",
            "part_number",
            "is_practice",
            "language",
            "languages",
            "original_language",
            "title",
            "description",
            "original",
            "tags",
            "audio_file",
        ]

    def clean(self):
        cleaned = super().clean()
        original = cleaned.get("original")
        if original is not None and self.instance.pk and original.pk == self.instance.pk:
            self.add_error("original", _("A track cannot be its own original."))
        session, language, number = cleaned.get("session"), cleaned.get("language"), cleaned.get("order")
        if session is not None and language and number is not None:
            taken = Track.objects.filter(session=session, language=language, order=number)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "order",
                    _("This session already has a track number %(number)d in %(language)s.")
                    % {"number": number, "language": Track(language=language).get_language_display()},
                )
        return cleaned


class TranscriptInline(admin.TabularInline):
    model = Transcript
    formset = VerboseUniqueFormSet
    fields = ["language", "pdf_file", "status", "page_count", "file_size"]
    readonly_fields = ["status", "page_count", "file_size"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # A transcript is labelled by its track's title.
        return super().get_queryset(request).select_related("track")


class TrackSpeakerInline(admin.TabularInline):
    model = TrackSpeaker
    formset = VerboseUniqueFormSet
    fields = ["position", "teacher"]
    autocomplete_fields = ["teacher"]
    extra = 0
    verbose_name = _("speaker")
    verbose_name_plural = _("speakers (position 0 is the main speaker)")


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    form = TrackForm
    list_display = [
        "title",
        "order",
        "languages_display",
        "session",
        "speakers_display",
        "duration_display",
    ]
    list_filter = ["language", "is_practice", "processing_status", "session__retreat", "speakers", "tags"]
    list_select_related = ["session__retreat"]
    search_fields = ["title"]
    # The original is chosen by its label (number, title, language), not typed in as a row id.
    autocomplete_fields = ["session", "tags", "original"]
    readonly_fields = [
        api_id,
        "duration_display",
        "file_size",
        "checksum",
        "processing_error",
        "renditions",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["session", "order", "part_number", "is_practice", "title", "description"]}),
        (
            _("Languages and translation"),
            {"fields": ["language", "languages", "original_language", "original", "tags"]},
        ),
        (
            _("Audio"),
            {
                "fields": [
                    "audio_file",
                    "duration_display",
                    "file_size",
                    "checksum",
                    "processing_error",
                    "renditions",
                ]
            },
        ),
        (_("Record"), {"fields": [api_id, "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [TrackSpeakerInline, TranscriptInline]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter choice over the whole table

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            # The selected session is shown as "gathering · session": fetch both at once.
            kwargs["queryset"] = Session.objects.select_related("retreat")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return with_speakers(super().get_queryset(request))

    @admin.display(description=_("languages"), ordering="language")
    def languages_display(self, obj):
        return languages_label(obj.languages)

    @admin.display(description=_("speakers"))
    def speakers_display(self, obj):
        return speakers_label(obj)

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, obj):
        return clock(obj.duration)


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["track", "language", "page_count", "file_size"]
    list_filter = ["language", "status"]
    list_select_related = ["track"]
    search_fields = ["track__title"]
    raw_id_fields = ["track"]
    readonly_fields = [
        api_id,
        "page_count",
        "file_size",
        "processing_error",
        "created_at",
        "updated_at",
    ]
    fields = [
        "track",
        "language",
        "pdf_file",
        "page_count",
        "file_size",
        "processing_error",
        api_id,
        "created_at",
        "updated_at",
    ]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter choice over the whole table

    def get_queryset(self, request):
        # A transcript's name is its track's title (change page, delete page, history).
        return super().get_queryset(request).select_related("track")
