"""Events that queue notifications or reset push state. Connected from NotificationsConfig.ready()."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Device
from media.signals import tracks_added
from retreats.signals import gathering_published

from . import services
from .models import PushEndpoint


@receiver(gathering_published)
def _queue_on_publish(sender, retreat, **kwargs):
    # Sent inside retreat_publish's transaction: the outbox row commits or rolls back with it.
    services.queue_gathering_published(retreat=retreat)


@receiver(tracks_added)
def _announce_tracks_added(sender, retreat_id, track_ids, **kwargs):
    # Sent inside uploads_save's transaction: the outbox row commits or rolls back with the tracks.
    services.notify_tracks_added(retreat_id=retreat_id, track_ids=track_ids)


@receiver(post_save, sender=Device)
def _device_registered_again(sender, instance, created, **kwargs):
    # The app registered this token again (or it moved to another account): whatever the
    # provider said about it before no longer holds, so it gets pushes again and a fresh endpoint.
    if not created:
        PushEndpoint.objects.filter(device_id=instance.pk).delete()
