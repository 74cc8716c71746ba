"""The audit trail of staff actions: Django admin's own history (``LogEntry``), so each entry
shows on the object's "History" page in the admin with who did what and when."""

from django.contrib.admin.models import CHANGE, LogEntry


def audit(*, user, obj, message: str) -> None:
    """Record that ``user`` changed ``obj`` (``message`` says how). Changes made by no one in
    particular (commands, tasks, the API on a listener's behalf) are not recorded."""
    if user is None or not user.is_authenticated:
        return
    # log_actions(): log_action() is deprecated since Django 5.1 (a warning is an error in tests).
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=[obj], action_flag=CHANGE, change_message=message, single_object=True
    )
