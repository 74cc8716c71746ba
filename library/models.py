"""Books: publications with their PDF, for whom the access rule of the gatherings opens them."""

import uuid

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from retreats.models import LANGUAGE_CHOICES, Audience, Retreat, RetreatGroup


class Book(models.Model):
    """A publication. Who may read it follows the gatherings' rule (``retreats.access``): its
    audience, required plan and groups, and, for the audiences that ask for an attendance or a
    grant, those of ``gathering``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class TextStatus(models.TextChoices):
        PENDING = "pending", _("Waiting")
        READY = "ready", _("Ready")
        NO_TEXT = "no_text", _("No text layer")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    title_pt = models.CharField(_("title (Portuguese)"), max_length=300, blank=True)
    authors = models.CharField(_("authors"), max_length=500, help_text=_("Separated by commas, the main author first."))
    language = models.CharField(_("language"), max_length=3, choices=LANGUAGE_CHOICES, default="en")
    version = models.CharField(_("version"), max_length=50, blank=True, help_text=_("Edition or revision, e.g. 2nd."))
    cover = models.ImageField(_("cover image"), upload_to="books/covers/", max_length=500, blank=True)
    pdf_file = models.FileField(_("PDF file"), upload_to="books/pdfs/", max_length=500)
    page_count = models.PositiveIntegerField(_("pages"), default=0, editable=False)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0, editable=False)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.DRAFT, db_index=True)
    audience = models.ForeignKey(
        Audience,
        on_delete=models.PROTECT,
        default=Audience.FREE_SUBSCRIBERS,
        related_name="books",
        verbose_name=_("audience"),
    )
    required_plan = models.CharField(
        _("required plan"),
        max_length=8,
        choices=User.Plan.choices,
        default="basic",
        help_text=_("Where a subscription is asked for: the lowest plan that may read it."),
    )
    groups = models.ManyToManyField(RetreatGroup, related_name="books", blank=True, verbose_name=_("groups"))
    gathering = models.ForeignKey(
        Retreat,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="books",
        verbose_name=_("gathering"),
        help_text=_("For event participants, on request and initiation: whose attendance or grant opens the book."),
    )
    text_status = models.CharField(
        _("text"), max_length=8, choices=TextStatus.choices, default=TextStatus.PENDING, editable=False
    )
    text_error = models.TextField(_("text error"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("book")
        verbose_name_plural = _("books")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="book_status_valid"),
            models.CheckConstraint(
                condition=Q(text_status__in=["pending", "ready", "no_text", "failed"]), name="book_text_status_valid"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def author_list(self) -> list[str]:
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    def title_in(self, language: str) -> str:
        return (self.title_pt if language == "pt" else "") or self.title


class BookPage(models.Model):
    """The text of one page of a book, for search (as ``retreats.TranscriptPage``)."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="pages", verbose_name=_("book"))
    number = models.PositiveIntegerField(_("page"))
    text = models.TextField(_("text"), blank=True)
    # As TranscriptPage's: weight C in the book's language configuration (library/search.py).
    search_vector = SearchVectorField(null=True, editable=False)
    search_hash = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["book", "number"]
        verbose_name = _("book page")
        verbose_name_plural = _("book pages")
        constraints = [
            models.UniqueConstraint(fields=["book", "number"], name="bookpage_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="bookpage_number_positive"),
        ]

    def __str__(self):
        return f"{self.book} p.{self.number}"
