"""State changes of the catalogue. Admin actions, the API and commands call these."""

import contextlib
import csv
import io
import re
import uuid as uuid_module
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from padmakara.audit import audit
from padmakara.errors import DomainError

from . import live
from .actions import PublishRetreatAction, UnpublishRetreatAction
from .models import Attendance, Retreat


def retreat_publish(*, retreat: Retreat, user=None) -> bool:
    """Publish a gathering; returns False when it was already published (a second click is a no-op)."""
    return PublishRetreatAction(retreat, user=user).execute()


def retreat_unpublish(*, retreat: Retreat, user=None) -> bool:
    """Take a gathering back to draft; returns False when it was not published."""
    return UnpublishRetreatAction(retreat, user=user).execute()


# --- Attendance and grants (docs/architecture.md "The access rule") -------------------------


class UnknownEmails(DomainError):
    """Some of the emails given belong to no account; nothing was granted."""

    def __init__(self, emails):
        self.emails = list(emails)
        super().__init__(
            _("No account has these emails; nothing was granted."),
            code="validation_error",
            details={"unknown": self.emails},
        )


def parse_emails(text: str) -> list[str]:
    """Emails from pasted text: one per line, or separated by commas, semicolons or spaces."""
    seen: dict[str, None] = {}
    for word in re.split(r"[\s,;]+", text or ""):
        word = word.strip().strip("<>").lower()
        if word:
            seen.setdefault(word, None)
    return list(seen)


def users_by_email(emails) -> tuple[list[User], list[str]]:
    """The accounts of ``emails`` (case-insensitive) and the emails no account has, in order."""
    emails = [e.strip().lower() for e in emails if e.strip()]
    found = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    if len(found) < len(set(emails)):  # emails stored with capitals
        query = Q()
        for email in emails:
            query |= Q(email__iexact=email)
        found = {u.email.lower(): u for u in User.objects.filter(query)}
    return [found[e] for e in dict.fromkeys(emails) if e in found], [e for e in dict.fromkeys(emails) if e not in found]


@transaction.atomic
def attendance_record(*, user, gathering, source: str, by, note: str = "") -> Attendance:
    """One attendance or grant entered by staff (``by``); a grant is audited on its gathering."""
    could_play = live.may_play(retreat=gathering, user_ids=[user.pk])
    attendance, created = Attendance.objects.get_or_create(
        user=user,
        gathering=gathering,
        source=source,
        defaults={"granted_by": by, "note": note},
    )
    if created:
        live.tell_access_gained_on_commit(
            retreat=gathering, user_ids=live.may_play(retreat=gathering, user_ids=[user.pk]) - could_play
        )
    if created and source == Attendance.Source.GRANTED:
        audit(user=by, obj=gathering, message=f"Granted access to {user.email}" + (f" ({note})" if note else ""))
    return attendance


@transaction.atomic
def access_grant(*, users, gatherings, granted_by, note: str = "") -> int:
    """Grant each of ``users`` access to each of ``gatherings`` (an ``Attendance`` with source
    ``granted``); returns how many grants are new. Each new grant is audited on its gathering."""
    users, gatherings = list(users), list(gatherings)
    existing = set(
        Attendance.objects.filter(
            user__in=users, gathering__in=gatherings, source=Attendance.Source.GRANTED
        ).values_list("user_id", "gathering_id")
    )
    created = 0
    for gathering in gatherings:
        new = [u for u in users if (u.pk, gathering.pk) not in existing]
        if not new:
            continue
        could_play = live.may_play(retreat=gathering, user_ids=[u.pk for u in new])
        Attendance.objects.bulk_create(
            Attendance(
                user=user, gathering=gathering, source=Attendance.Source.GRANTED, granted_by=granted_by, note=note
            )
            for user in new
        )
        live.tell_access_gained_on_commit(
            retreat=gathering, user_ids=live.may_play(retreat=gathering, user_ids=[u.pk for u in new]) - could_play
        )
        created += len(new)
        audit(
            user=granted_by,
            obj=gathering,
            message=f"Granted access to {', '.join(u.email for u in new)}" + (f" ({note})" if note else ""),
        )
    return created


@transaction.atomic
def access_grant_by_emails(*, emails, gatherings, granted_by, note: str = "") -> int:
    """:func:`access_grant` for a pasted list of emails: all or nothing, so an unknown email
    refuses the whole list (``UnknownEmails`` lists them) and nothing is granted."""
    users, unknown = users_by_email(emails)
    if unknown:
        raise UnknownEmails(unknown)
    return access_grant(users=users, gatherings=gatherings, granted_by=granted_by, note=note)


@dataclass
class AttendanceImport:
    """What an attendance list holds: rows to create, rows already there, and what is unknown."""

    to_create: list[tuple[str, str]] = field(default_factory=list)  # (email, gathering slug)
    existing: list[tuple[str, str]] = field(default_factory=list)
    unknown_emails: list[str] = field(default_factory=list)
    unknown_gatherings: list[str] = field(default_factory=list)
    invalid_lines: list[int] = field(default_factory=list)
    created: int = 0


def _gathering_lookup(keys) -> dict[str, Retreat]:
    keys = set(keys)
    uuids = set()
    for key in keys:
        with contextlib.suppress(ValueError):
            uuids.add(uuid_module.UUID(key))
    found = {}
    for retreat in Retreat.objects.filter(Q(slug__in=keys) | Q(uuid__in=uuids)):
        found[retreat.slug] = retreat
        found[str(retreat.uuid)] = retreat
    return found


@transaction.atomic
def attendance_import(*, csv_text: str, dry_run: bool, imported_by) -> AttendanceImport:
    """Attendance from a CSV of ``email, gathering`` (the gathering's slug or id; a header row
    is skipped). A dry run only reports; otherwise the known rows are created with source
    ``imported`` and the unknown ones are listed back, each import audited on its gathering."""
    report = AttendanceImport()
    pairs: list[tuple[str, str]] = []
    for number, row in enumerate(csv.reader(io.StringIO(csv_text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            report.invalid_lines.append(number)
            continue
        if number == 1 and "@" not in cells[0]:
            continue  # a header
        pairs.append((cells[0].lower(), cells[1]))
    users, report.unknown_emails = users_by_email([email for email, _key in pairs])
    users_by = {u.email.lower(): u for u in users}
    gatherings = _gathering_lookup(key for _email, key in pairs)
    report.unknown_gatherings = sorted({key for _email, key in pairs if key not in gatherings})
    known = [
        (users_by[email], gatherings[key])
        for email, key in dict.fromkeys(pairs)
        if email in users_by and key in gatherings
    ]
    present = set(
        Attendance.objects.filter(
            user__in=[u for u, _g in known], gathering__in=[g for _u, g in known], source=Attendance.Source.IMPORTED
        ).values_list("user_id", "gathering_id")
    )
    new = []
    for user, gathering in dict.fromkeys(known):
        target = report.existing if (user.pk, gathering.pk) in present else report.to_create
        target.append((user.email, gathering.slug))
        if target is report.to_create:
            new.append((user, gathering))
    if dry_run or not new:
        return report
    by_gathering: dict[Retreat, list[str]] = {}
    users_of: dict[Retreat, list[int]] = {}
    for user, gathering in new:
        by_gathering.setdefault(gathering, []).append(user.email)
        users_of.setdefault(gathering, []).append(user.pk)
    could_play = {gathering: live.may_play(retreat=gathering, user_ids=ids) for gathering, ids in users_of.items()}
    Attendance.objects.bulk_create(
        Attendance(user=user, gathering=gathering, source=Attendance.Source.IMPORTED, granted_by=imported_by)
        for user, gathering in new
    )
    report.created = len(new)
    for gathering, ids in users_of.items():
        gained = live.may_play(retreat=gathering, user_ids=ids) - could_play[gathering]
        live.tell_access_gained_on_commit(retreat=gathering, user_ids=gained)
    for gathering, emails in by_gathering.items():
        audit(user=imported_by, obj=gathering, message=f"Imported attendance of {', '.join(emails)}")
    return report


def listener_access(user) -> list[Attendance]:
    """A listener's attendances and grants, newest first, with their gatherings."""
    return list(
        Attendance.objects.filter(user=user, gathering__status=Retreat.Status.PUBLISHED)
        .select_related("gathering")
        .order_by("-created", "pk")
    )
