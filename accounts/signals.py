"""Signals accounts sends for apps above it (they may not be imported from here)."""

from django.dispatch import Signal

# Sent inside the approval's transaction (``accounts.services.access_request_approve``), with
# ``access_request``, ``user`` (the account) and ``by`` (the staff member): retreats grants the
# gatherings staff picked on the request (retreats/receivers.py). A receiver that raises undoes
# the approval.
access_request_approved = Signal()
