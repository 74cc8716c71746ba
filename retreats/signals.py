"""Any change to the catalogue bumps its version stamp once the transaction commits, so
content ETags change with it. Connected from RetreatsConfig.ready()."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from accounts.models import GroupMembership

from . import models
from .versioning import bump_catalogue_version

CATALOGUE_MODELS = (
    models.RetreatGroup,
    models.Retreat,
    models.Session,
    models.Track,
    models.Transcript,
    models.Teacher,
    models.Place,
    models.Tag,
    GroupMembership,
)


@receiver(post_save)
@receiver(post_delete)
def _catalogue_row_changed(sender, **kwargs):
    if sender in CATALOGUE_MODELS:
        transaction.on_commit(bump_catalogue_version)


@receiver(m2m_changed)
def _catalogue_relation_changed(sender, action, **kwargs):
    if action.startswith("post_") and sender in (
        models.Retreat.groups.through,
        models.Retreat.teachers.through,
        models.Retreat.places.through,
        models.Track.tags.through,
    ):
        transaction.on_commit(bump_catalogue_version)


# Sent by services.retreat_publish inside its transaction, only when the state changed
# (a second click sends nothing). Receivers: notifications.
gathering_published = Signal()

# Sent (after commit) by media when a transcript's page texts are (re)written, which it does with
# bulk_create (no post_save), so that search indexes them. Receivers: retreats.search_signals.
transcript_text_ready = Signal()  # kwargs: transcript_id
