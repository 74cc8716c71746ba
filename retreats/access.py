"""The access rule (docs/architecture.md "The access rule"), decided in one place.

Each gathering has an audience (``retreats.models.Audience``). A user may play a published
gathering when its audience is

* ``free-anyone``: always, signed in or not;
* ``free-subscribers``: with an active subscription (status active, no expiry or a future one)
  of at least the gathering's ``required_plan``;
* ``retreat-group-members``: with such a subscription and membership of one of its groups (any
  active subscriber when it has no group), or with an attendance of this gathering;
* ``event-participants``: with an attendance of this gathering;
* ``available-on-request-only`` and ``received-initiation``: with a staff grant for this
  gathering (an ``Attendance`` with source ``granted``; no subscription needed).

An attendance of any source (attended, imported, granted) counts as attendance. Staff may play
everything. Every list, search, signed URL, bundle, progress write and fan-out asks an
:class:`AccessProfile`, either in SQL (:meth:`AccessProfile.playable_q`, and :func:`audience_q`
turned around for fan-outs) or for a loaded row (:meth:`AccessProfile.can_play`); all read the
same facts, loaded in one query per request or from the cache (keyed by the user's
``access_version``, which database triggers move on every change of those facts). A refusal
says why (:meth:`AccessProfile.reason`).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.utils import timezone

from accounts.models import GroupMembership

from .models import Attendance, Audience, Retreat

PLAN_RANK = {"basic": 1, "premium": 2}

# Where the rule needs a subscription, and where an attendance or only a grant opens the door.
ATTENDANCE_AUDIENCES = (Audience.GROUP_MEMBERS, Audience.PARTICIPANTS)
GRANT_AUDIENCES = (Audience.ON_REQUEST, Audience.INITIATION)


class Reason:
    """Why a gathering is locked (``reason`` in the ``locked`` error and ``lockedReason``)."""

    AUTH_REQUIRED = "auth_required"
    SUBSCRIPTION_REQUIRED = "subscription_required"
    MEMBERSHIP_REQUIRED = "membership_required"
    ATTENDANCE_REQUIRED = "attendance_required"
    ON_REQUEST = "on_request"
    ALL = (AUTH_REQUIRED, SUBSCRIPTION_REQUIRED, MEMBERSHIP_REQUIRED, ATTENDANCE_REQUIRED, ON_REQUEST)


@dataclass(frozen=True)
class AccessProfile:
    is_staff: bool
    group_ids: frozenset[int]
    plan_rank: int  # 0 without an active subscription
    authenticated: bool = True
    attended_ids: frozenset[int] = frozenset()  # gatherings with an attendance of any source
    granted_ids: frozenset[int] = frozenset()  # gatherings with a staff grant

    @classmethod
    def anonymous(cls) -> "AccessProfile":
        return cls(is_staff=False, group_ids=frozenset(), plan_rank=0, authenticated=False)

    @classmethod
    def for_user(cls, user) -> "AccessProfile":
        if user is None or not user.is_authenticated or not user.is_active:
            return cls.anonymous()
        if user.is_staff:
            return cls(is_staff=True, group_ids=frozenset(), plan_rank=max(PLAN_RANK.values()))
        group_ids, attended, granted = _access_facts(user)
        plan_rank = PLAN_RANK.get(user.subscription_plan, 0) if user.subscription_is_active else 0
        return cls(
            is_staff=False,
            group_ids=group_ids,
            plan_rank=plan_rank,
            attended_ids=attended,
            granted_ids=granted,
        )

    @property
    def allowed_plans(self) -> list[str]:
        return [plan for plan, rank in PLAN_RANK.items() if rank <= self.plan_rank]

    @property
    def stamp(self) -> str:
        """What the rule depends on, for cache keys and ETags (long id lists hashed)."""

        def ids(values) -> str:
            text = ",".join(map(str, sorted(values)))
            return text if len(text) <= 64 else hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

        return (
            f"{int(self.authenticated)}{int(self.is_staff)}:{ids(self.group_ids)}:{self.plan_rank}"
            f":{ids(self.attended_ids)}:{ids(self.granted_ids)}"
        )

    def _subscribed_for(self, required_plan: str) -> bool:
        return self.plan_rank > 0 and PLAN_RANK.get(required_plan, 99) <= self.plan_rank

    def can_play(self, *, audience: str, required_plan: str, group_ids, gathering_id: int) -> bool:
        """The rule for one gathering: ``audience`` its slug, ``group_ids`` the ids of its groups."""
        if self.is_staff or audience == Audience.FREE_ANYONE:
            return True
        if audience == Audience.FREE_SUBSCRIBERS:
            return self._subscribed_for(required_plan)
        if audience == Audience.GROUP_MEMBERS:
            if gathering_id in self.attended_ids:
                return True
            group_ids = set(group_ids)
            return self._subscribed_for(required_plan) and (not group_ids or not self.group_ids.isdisjoint(group_ids))
        if audience == Audience.PARTICIPANTS:
            return gathering_id in self.attended_ids
        if audience in GRANT_AUDIENCES:
            return gathering_id in self.granted_ids
        return False

    def reason(self, *, audience: str, required_plan: str) -> str:
        """Why a gathering the rule refuses is locked: what the listener would have to do."""
        if not self.authenticated:
            return Reason.AUTH_REQUIRED
        if audience == Audience.FREE_SUBSCRIBERS:
            return Reason.SUBSCRIPTION_REQUIRED
        if audience == Audience.GROUP_MEMBERS:
            # Subscribing comes first; a subscriber is missing the membership (or attendance).
            return Reason.MEMBERSHIP_REQUIRED if self._subscribed_for(required_plan) else Reason.SUBSCRIPTION_REQUIRED
        if audience == Audience.PARTICIPANTS:
            return Reason.ATTENDANCE_REQUIRED
        return Reason.ON_REQUEST

    def can_play_retreat(self, retreat: Retreat) -> bool:
        needs_groups = (
            not self.is_staff
            and retreat.audience_id == Audience.GROUP_MEMBERS
            and retreat.pk not in self.attended_ids
            and self._subscribed_for(retreat.required_plan)
        )
        group_ids = retreat.groups.values_list("id", flat=True) if needs_groups else ()
        return self.can_play(
            audience=retreat.audience_id,
            required_plan=retreat.required_plan,
            group_ids=set(group_ids),
            gathering_id=retreat.pk,
        )

    def reason_for_retreat(self, retreat: Retreat) -> str | None:
        """None when ``retreat`` may be played, else why not."""
        if self.can_play_retreat(retreat):
            return None
        return self.reason(audience=retreat.audience_id, required_plan=retreat.required_plan)

    def playable_q(self, prefix: str = "") -> Q:
        """The same rule as a filter; ``prefix`` leads from the queried model to its Retreat
        (``""`` on Retreat, ``"session__retreat__"`` on Track)."""
        if self.is_staff:
            return Q()
        audience = f"{prefix}audience_id"
        rule = Q(**{audience: Audience.FREE_ANYONE})
        if not self.authenticated:
            return rule
        if self.plan_rank:
            plan = {f"{prefix}required_plan__in": self.allowed_plans}
            rule |= Q(**{audience: Audience.FREE_SUBSCRIBERS}, **plan)
            retreat_id = OuterRef(f"{prefix}id" if prefix else "id")
            links = Retreat.groups.through.objects.filter(retreat_id=retreat_id)
            in_group = ~Exists(links)
            if self.group_ids:
                in_group |= Exists(links.filter(retreatgroup_id__in=self.group_ids))
            rule |= Q(**{audience: Audience.GROUP_MEMBERS}, **plan) & in_group
        if self.attended_ids:
            rule |= Q(**{f"{audience}__in": ATTENDANCE_AUDIENCES, f"{prefix}id__in": sorted(self.attended_ids)})
        if self.granted_ids:
            rule |= Q(**{f"{audience}__in": GRANT_AUDIENCES, f"{prefix}id__in": sorted(self.granted_ids)})
        return rule


def _access_facts(user) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """The user's groups, attended and granted gatherings: cached per user and
    ``access_version`` (which the database moves on any change of them), else one query."""
    version = getattr(user, "access_version", None)
    key = f"access:facts:{user.pk}:{version}"
    cacheable = version is not None and settings.ACCESS_PROFILE_CACHE_SECONDS > 0
    if cacheable:
        cached = cache.get(key)
        if cached is not None:
            return cached
    # One query: ("group", id) for memberships and (source, id) for attendances.
    memberships = (
        GroupMembership.objects.filter(user=user)
        .order_by()
        .values_list(Value("group", output_field=CharField()), "group_id")
    )
    attendances = Attendance.objects.filter(user=user).order_by().values_list("source", "gathering_id")
    group_ids, attended, granted = set(), set(), set()
    for kind, pk in memberships.union(attendances, all=True):
        if kind == "group":
            group_ids.add(pk)
        else:
            attended.add(pk)
            if kind == Attendance.Source.GRANTED:
                granted.add(pk)
    facts = (frozenset(group_ids), frozenset(attended), frozenset(granted))
    if cacheable:
        cache.set(key, facts, timeout=settings.ACCESS_PROFILE_CACHE_SECONDS)
    return facts


def published_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": Retreat.Status.PUBLISHED})


def active_subscription_q(required_plan: str = "basic") -> Q:
    """Users with an active subscription of at least ``required_plan`` (a filter on User)."""
    required = PLAN_RANK.get(required_plan, 99)
    return Q(
        subscription_status="active",
        subscription_plan__in=[plan for plan, rank in PLAN_RANK.items() if rank >= required],
    ) & (Q(subscription_expires_at__isnull=True) | Q(subscription_expires_at__gt=timezone.now()))


def audience_q(retreat: Retreat) -> Q:
    """The users who may play ``retreat``, as a filter on User: the rule of
    :meth:`AccessProfile.can_play` turned around (who, rather than what), for fan-outs."""
    audience = retreat.audience_id
    if audience == Audience.FREE_ANYONE:
        return Q(is_active=True)  # (an empty Q would vanish from the OR below)
    attended = Q(Exists(Attendance.objects.filter(user_id=OuterRef("pk"), gathering_id=retreat.pk)))
    if audience == Audience.FREE_SUBSCRIBERS:
        who = active_subscription_q(retreat.required_plan)
    elif audience == Audience.GROUP_MEMBERS:
        links = retreat.groups.through.objects.filter(retreat_id=retreat.pk)
        member = Q(
            Exists(GroupMembership.objects.filter(user_id=OuterRef("pk"), group_id__in=links.values("retreatgroup_id")))
        )
        in_group = member if links.exists() else Q(is_active=True)
        who = (active_subscription_q(retreat.required_plan) & in_group) | attended
    elif audience == Audience.PARTICIPANTS:
        who = attended
    elif audience in GRANT_AUDIENCES:
        who = Q(
            Exists(
                Attendance.objects.filter(
                    user_id=OuterRef("pk"), gathering_id=retreat.pk, source=Attendance.Source.GRANTED
                )
            )
        )
    else:
        who = Q(pk__in=[])
    return Q(is_active=True) & (Q(is_staff=True) | who)
