"""What retreats does when accounts says something happened (accounts may not import retreats).
Connected from RetreatsConfig.ready()."""

from django.dispatch import receiver

from accounts.signals import access_request_approved

from . import services


@receiver(access_request_approved, dispatch_uid="retreats.grant_on_approval")
def _grant_what_staff_picked(sender, *, access_request, user, by, **kwargs):
    """The gatherings staff picked on an approved access request are granted, in the
    approval's transaction, and audited on each gathering as every grant is."""
    gatherings = list(access_request.gatherings.all())
    if gatherings:
        services.access_grant(users=[user], gatherings=gatherings, granted_by=by, note="access request")
