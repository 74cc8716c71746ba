"""The catalogue: retreat groups collect gatherings (``Retreat``), which hold sessions of
audio tracks with PDF transcripts. Every object the API exposes has a ``uuid``; the integer
primary keys stay for admin URLs and joins."""

import uuid

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User

LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("pt", _("Portuguese")),
    ("tib", _("Tibetan")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("de", _("German")),
]


LANGUAGE_CODES = tuple(code for code, _label in LANGUAGE_CHOICES)


def language_set(codes, main: str = "") -> list[str]:
    """``codes`` (and ``main``) as a track's ``languages``: known codes, once each, in the order
    of ``LANGUAGE_CHOICES``; unknown codes raise ``ValueError``."""
    wanted = {*(codes or ()), *([main] if main else [])}
    unknown = wanted - set(LANGUAGE_CODES)
    if unknown:
        raise ValueError(f"unknown language codes: {', '.join(sorted(unknown))}")
    return [code for code in LANGUAGE_CODES if code in wanted]


def pick_language(en: str, pt: str, language: str) -> str:
    """The Portuguese text when asked for and present, else English (docs/api.md fallback)."""
    return pt if language == "pt" and pt else en


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Teacher(TimeStamped):
    name = models.CharField(_("name"), max_length=150)
    abbreviation = models.CharField(
        _("abbreviation"), max_length=16, unique=True, help_text=_("As in file names: JKR, KPS…")
    )
    aliases = models.CharField(
        _("aliases"), max_length=200, blank=True, help_text=_("Other abbreviations, comma separated (TPWR for PWR).")
    )
    bio = models.TextField(_("biography"), blank=True)
    # Re-encoded within bounds on upload (retreats/photos.py): never the original file.
    avatar = models.ImageField(_("avatar"), upload_to="teachers/", max_length=300, blank=True)
    hero = models.ImageField(_("hero image"), upload_to="teachers/", max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")

    def __str__(self):
        return f"{self.name} ({self.abbreviation})"


class Place(TimeStamped):
    name = models.CharField(_("name"), max_length=150)
    abbreviation = models.CharField(_("abbreviation"), max_length=16, unique=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="places/", max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=80)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=80, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:80]
        super().save(*args, **kwargs)


class RetreatGroup(TimeStamped):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_pt = models.TextField(_("description (Portuguese)"), blank=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    image = models.ImageField(_("image"), upload_to="groups/", blank=True)
    order = models.PositiveIntegerField(_("order"), default=0, db_index=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("retreat group")
        verbose_name_plural = _("retreat groups")

    def __str__(self):
        return self.name


class Audience(models.Model):
    """Who may play a gathering (docs/architecture.md "The access rule"). The six rows are
    seeded by a migration and the rule in ``retreats.access`` knows each slug; staff may rename
    them, not add or remove them."""

    FREE_ANYONE = "free-anyone"
    FREE_SUBSCRIBERS = "free-subscribers"
    GROUP_MEMBERS = "retreat-group-members"
    PARTICIPANTS = "event-participants"
    ON_REQUEST = "available-on-request-only"
    INITIATION = "received-initiation"
    SLUGS = (FREE_ANYONE, FREE_SUBSCRIBERS, GROUP_MEMBERS, PARTICIPANTS, ON_REQUEST, INITIATION)
    # (slug, name, Portuguese name, order), as the migration seeds them (retreats.apps too).
    DEFAULTS = (
        (FREE_ANYONE, "Free for anyone", "Livre para todos", 1),
        (FREE_SUBSCRIBERS, "Free for subscribers", "Livre para assinantes", 2),
        (GROUP_MEMBERS, "Retreat group members", "Membros do grupo de retiros", 3),
        (PARTICIPANTS, "Event participants", "Participantes do evento", 4),
        (ON_REQUEST, "Available on request only", "Disponível apenas a pedido", 5),
        (INITIATION, "Received the initiation", "Receberam a iniciação", 6),
    )

    slug = models.SlugField(_("slug"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self):
        # In the reader's language: the admin's filter, form and lists name it in Portuguese too.
        if (translation.get_language() or "").startswith("pt") and self.name_pt:
            return self.name_pt
        return self.name


class Retreat(TimeStamped):
    """One retreat event; the API calls it a *gathering*."""

    class Season(models.TextChoices):
        SPRING = "spring", _("Spring")
        FALL = "fall", _("Fall")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    groups = models.ManyToManyField(RetreatGroup, related_name="retreats", blank=True, verbose_name=_("groups"))
    name = models.CharField(_("name"), max_length=200)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_pt = models.TextField(_("description (Portuguese)"), blank=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    # The archive's code (``20250426_27-JKR-PP4-CCA``: dates, teachers, group or type, place),
    # kept as written; an imported gathering is found again by it (media/archive.py).
    event_code = models.CharField(
        _("event code"),
        max_length=80,
        blank=True,
        help_text=_("As in the archive: 20250426_27-JKR-PP4-CCA (dates, teachers, group or type, place)."),
    )
    season = models.CharField(
        _("season"),
        max_length=6,
        choices=Season.choices,
        blank=True,
        help_text=_("Left empty, it follows the start month."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    teachers = models.ManyToManyField(Teacher, related_name="retreats", blank=True, verbose_name=_("teachers"))
    places = models.ManyToManyField(Place, related_name="retreats", blank=True, verbose_name=_("places"))
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    audience = models.ForeignKey(
        Audience,
        on_delete=models.PROTECT,
        related_name="gatherings",
        default=Audience.GROUP_MEMBERS,
        verbose_name=_("audience"),
        help_text=_("Who may play it once published."),
    )
    required_plan = models.CharField(
        _("required plan"),
        max_length=8,
        choices=User.Plan.choices,
        default="basic",
        help_text=_("Where a subscription is asked for: the lowest plan that may play it."),
    )

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="retreat_end_not_before_start"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="retreat_status_valid"),
            models.CheckConstraint(condition=Q(season__in=["", "spring", "fall"]), name="retreat_season_valid"),
            models.CheckConstraint(condition=Q(required_plan__in=["basic", "premium"]), name="retreat_plan_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="retreat_published_has_date"
            ),
            models.UniqueConstraint(fields=["event_code"], condition=~Q(event_code=""), name="retreat_event_code_once"),
        ]
        indexes = [models.Index(fields=["status", "start_date"], name="retreat_status_start")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.season and self.start_date:
            self.season = self.season_for(self.start_date)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @staticmethod
    def season_for(start_date) -> str:
        """March to August is spring, otherwise fall, as the app computes it."""
        return Retreat.Season.SPRING if 3 <= start_date.month <= 8 else Retreat.Season.FALL


class Attendance(models.Model):
    """A listener's attendance of a gathering, or a staff grant of access to it (``granted``).

    Attendance (any source) opens ``event-participants`` and ``retreat-group-members``
    gatherings; only a grant opens the two on-request audiences (retreats/access.py)."""

    class Source(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        GRANTED = "granted", _("Granted by staff")
        IMPORTED = "imported", _("Imported")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("user"))
    gathering = models.ForeignKey(
        Retreat, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("gathering")
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.ATTENDED)
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("attendance or grant")
        verbose_name_plural = _("attendance and grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "gathering", "source"], name="attendance_unique_source"),
            models.CheckConstraint(
                condition=Q(source__in=["attended", "granted", "imported"]), name="attendance_source_valid"
            ),
        ]
        indexes = [models.Index(fields=["gathering", "source"], name="attendance_gathering_source")]

    def __str__(self):
        return f"{self.user} · {self.gathering} ({self.get_source_display()})"


class Session(TimeStamped):
    class Type(models.TextChoices):
        MORNING = "morning", _("Morning")
        AFTERNOON = "afternoon", _("Afternoon")
        EVENING = "evening", _("Evening")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    retreat = models.ForeignKey(Retreat, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("gathering"))
    name = models.CharField(_("name"), max_length=200)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=9, choices=Type.choices, default=Type.OTHER)
    date = models.DateField(_("date"), null=True, blank=True)
    part_number = models.PositiveSmallIntegerField(_("part"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["retreat", "order"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(fields=["retreat", "order"], name="session_unique_order_in_retreat"),
            models.CheckConstraint(
                condition=Q(type__in=["morning", "afternoon", "evening", "other"]), name="session_type_valid"
            ),
        ]

    def __str__(self):
        return f"{self.retreat} · {self.name}"


class Track(TimeStamped):
    """One audio talk. A translation track points at its ``original`` and may share its number."""

    class ProcessingStatus(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class ReadAlongStatus(models.TextChoices):
        NONE = "", _("Not asked for")
        PENDING = "pending", _("Waiting")
        ALIGNING = "aligning", _("Aligning")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("session"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("number"), default=0)
    language = models.CharField(_("language"), max_length=3, choices=LANGUAGE_CHOICES, default="en", db_index=True)
    part_number = models.PositiveSmallIntegerField(
        _("part"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("A session recorded in several parts: the part this recording is (AM part 2)."),
    )
    is_practice = models.BooleanField(
        _("practice"),
        default=False,
        help_text=_("A guided recitation or practice: shown first in its session."),
    )
    original = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("original"),
        help_text=_("For a translation: the track it translates."),
    )
    # The languages heard on the recording (JKR+TRAD: the teaching and its live interpretation);
    # ``language`` is the main one among them, and the one its number is unique in.
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Every language heard on the recording.")
    )
    original_language = models.CharField(
        _("original language"),
        max_length=3,
        choices=LANGUAGE_CHOICES,
        blank=True,
        help_text=_("The language the teaching was given in. Left empty: the original's, or the main language."),
    )
    speakers = models.ManyToManyField(
        Teacher, through="TrackSpeaker", related_name="tracks", blank=True, verbose_name=_("speakers")
    )
    tags = models.ManyToManyField(Tag, related_name="tracks", blank=True, verbose_name=_("tags"))
    audio_file = models.FileField(_("audio file"), max_length=500, blank=True)
    duration = models.FloatField(_("duration (seconds)"), default=0)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    processing_status = models.CharField(
        _("processing"), max_length=10, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING
    )
    processing_error = models.TextField(_("processing error"), blank=True)
    renditions = models.JSONField(_("renditions"), default=dict, blank=True)
    # The word-timed transcript (media/read_along.py): a JSON object in storage, never in a
    # column; its SHA-256 is its version (the API's ETag), empty when there is none.
    read_along_file = models.FileField(_("read-along"), max_length=500, blank=True, editable=False)
    read_along_checksum = models.CharField(_("read-along SHA-256"), max_length=64, blank=True, editable=False)
    read_along_source = models.CharField(
        _("read-along made by"), max_length=200, blank=True, editable=False, help_text=_("upload, or the aligner")
    )
    read_along_status = models.CharField(
        _("read-along alignment"), max_length=10, choices=ReadAlongStatus.choices, blank=True, default=""
    )
    read_along_error = models.TextField(_("read-along error"), blank=True)
    # Full-text search (retreats/search.py): title weighted A, description B, refreshed by a
    # task; search_hash is the digest of what was indexed, so unchanged rows are skipped.
    # Their GIN index is created by migration on PostgreSQL only.
    search_vector = SearchVectorField(null=True, editable=False)
    search_hash = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        # Practices first, then by number (parts follow their numbers).
        ordering = ["session", "-is_practice", "order", "language"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        indexes = [
            # Search checks the access rule once per transcript with a matching page: with the
            # session and languages in the index that is an index-only scan of a few MB, not a
            # read of the track's row (title, description, search vector) each time.
            models.Index(fields=["id"], include=["session", "languages"], name="track_access_lookup"),
        ]
        constraints = [
            # An original and its translation share the talk's number, so the number is
            # unique per language within a session (each part of a session has its own number,
            # as in the archive's file names).
            models.UniqueConstraint(fields=["session", "language", "order"], name="track_unique_order_in_session"),
            models.CheckConstraint(condition=Q(part_number__gte=1), name="track_part_number_positive"),
            models.CheckConstraint(condition=Q(duration__gte=0), name="track_duration_not_negative"),
            models.CheckConstraint(condition=Q(file_size__gte=0), name="track_size_not_negative"),
            models.CheckConstraint(condition=~Q(original=F("id")), name="track_not_own_original"),
            models.CheckConstraint(
                condition=Q(languages__icontains=Concat(Value('"'), F("language"), Value('"'))),
                name="track_languages_hold_main",
            ),
            models.CheckConstraint(
                condition=Q(original_language__in=["", *LANGUAGE_CODES]), name="track_original_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(processing_status__in=["pending", "processing", "ready", "failed"]),
                name="track_processing_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(read_along_status__in=["", "pending", "aligning", "done", "failed"]),
                name="track_read_along_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(read_along_checksum="") | ~Q(read_along_file=""), name="track_read_along_has_file"
            ),
        ]

    def __str__(self):
        # Number, title and language: an original and its translation share number and often title.
        return f"{self.order:03d} {self.title} ({self.language.upper()})"

    def save(self, *args, **kwargs):
        self.languages = language_set(self.languages, self.language)
        if not self.original_language:
            self.original_language = self.original.language if self.original_id else self.language
        super().save(*args, **kwargs)

    def clean(self):
        # Before the constraints are validated: the main language always counts among the set.
        try:
            self.languages = language_set(self.languages, self.language)
        except (ValueError, TypeError):
            raise ValidationError({"languages": _("Choose languages from the list.")}) from None

    @property
    def is_translation(self) -> bool:
        return self.original_id is not None

    @property
    def has_read_along(self) -> bool:
        return bool(self.read_along_checksum)


class TrackSpeaker(models.Model):
    """A teacher speaking on a track; ``position`` 0 is the main speaker."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="track_speakers", verbose_name=_("track"))
    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="track_speakers", verbose_name=_("teacher")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["track", "position"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        constraints = [
            models.UniqueConstraint(fields=["track", "teacher"], name="track_speaker_once"),
            models.UniqueConstraint(fields=["track", "position"], name="track_speaker_unique_position"),
        ]

    def __str__(self):
        return str(self.teacher)


class Transcript(TimeStamped):
    """A PDF transcript of a track, one per language; its text is kept page by page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        NO_TEXT = "no_text", _("No text layer")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="transcripts", verbose_name=_("track"))
    language = models.CharField(_("language"), max_length=3, choices=LANGUAGE_CHOICES, default="en")
    pdf_file = models.FileField(_("PDF file"), max_length=500, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0)
    # The PDF's SHA-256: a PDF uploaded again is flagged as a duplicate before it is saved.
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    processing_error = models.TextField(_("processing error"), blank=True)

    class Meta:
        ordering = ["track", "language"]
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")
        constraints = [
            models.UniqueConstraint(fields=["track", "language"], name="transcript_one_per_track_language"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "processing", "ready", "no_text", "failed"]),
                name="transcript_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.track.title} ({self.get_language_display()})"


class TranscriptPage(models.Model):
    """The text of one page: search indexes per page (a tsvector must stay under 1 MB)."""

    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="pages", verbose_name=_("transcript")
    )
    number = models.PositiveIntegerField(_("page"))
    text = models.TextField(_("text"), blank=True)
    search_vector = SearchVectorField(null=True, editable=False)  # weight C; see Track.search_vector
    search_hash = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["transcript", "number"]
        verbose_name = _("transcript page")
        verbose_name_plural = _("transcript pages")
        constraints = [
            models.UniqueConstraint(fields=["transcript", "number"], name="transcript_page_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="transcript_page_number_positive"),
        ]

    def __str__(self):
        return f"{self.transcript} p.{self.number}"


class CatalogueSummary(models.Model):
    """The columns a session's and a gathering's summary share (retreats/summaries.py)."""

    track_count = models.PositiveIntegerField(_("tracks"), default=0)
    practice_count = models.PositiveIntegerField(_("practices"), default=0)
    transcript_count = models.PositiveIntegerField(_("tracks with a transcript"), default=0)
    duration = models.FloatField(_("duration (seconds)"), default=0)
    languages = models.JSONField(_("languages"), default=list)
    changed_at = models.DateTimeField(_("last change"), null=True)

    class Meta:
        abstract = True


class SessionSummary(CatalogueSummary):
    """What lists show of a session, kept current by database triggers in the transaction of
    every write of its tracks and transcripts (retreats/summaries.py): lists read this row and
    never aggregate over tracks. No foreign key constraint: the triggers create and delete it."""

    session = models.OneToOneField(
        Session,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="summary",
        verbose_name=_("session"),
    )
    # Tracks heard in English, in Portuguese, in either: what a listener of each content
    # language is shown (every track where none is heard, as selectors.visible_tracks_q).
    heard_en_count = models.PositiveIntegerField(default=0)
    heard_pt_count = models.PositiveIntegerField(default=0)
    heard_en_pt_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("session summary")
        verbose_name_plural = _("session summaries")

    def __str__(self):
        return f"{self.session_id}: {self.track_count}"


class GatheringSummary(CatalogueSummary):
    """A gathering's sessions summed (``SessionSummary``), kept current by the same triggers."""

    gathering = models.OneToOneField(
        Retreat,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="summary",
        verbose_name=_("gathering"),
    )
    session_count = models.PositiveIntegerField(_("sessions"), default=0)
    # The tracks a listener of each content language is shown, summed over the sessions.
    visible_en_count = models.PositiveIntegerField(default=0)
    visible_pt_count = models.PositiveIntegerField(default=0)
    visible_en_pt_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("gathering summary")
        verbose_name_plural = _("gathering summaries")

    def __str__(self):
        return f"{self.gathering_id}: {self.track_count}"


class SyncVersion(models.Model):
    """A counter per namespace of the catalogue (``events``, ``groups``, ``teachers``,
    ``publications``) that database triggers move on every insert, update or delete of a table
    in it (migration retreats 0012), so admin saves, services, imports and ``update()`` calls
    all count; Python never writes it. The compatibility API's ``/sync/versions`` reads it."""

    namespace = models.CharField(max_length=16, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("sync version")
        verbose_name_plural = _("sync versions")

    def __str__(self):
        return f"{self.namespace} v{self.version}"
