from django.db import transaction

from retreats.versioning import bump_catalogue_version


def catalogue_changed(sender, **kwargs) -> None:
    transaction.on_commit(bump_catalogue_version)
