"""State changes of the catalogue. Admin actions, the API and commands call these."""

from .actions import PublishRetreatAction, UnpublishRetreatAction
from .models import Retreat


def retreat_publish(*, retreat: Retreat, user=None) -> bool:
    """Publish a gathering; returns False when it was already published (a second click is a no-op)."""
    return PublishRetreatAction(retreat, user=user).execute()


def retreat_unpublish(*, retreat: Retreat, user=None) -> bool:
    """Take a gathering back to draft; returns False when it was not published."""
    return UnpublishRetreatAction(retreat, user=user).execute()
