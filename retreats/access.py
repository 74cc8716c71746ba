"""The access rule (docs/architecture.md), decided in one place.

A user may play a published gathering if its visibility is ``public``; or ``members`` and the
user belongs to one of its groups; or ``subscribers`` and the user's subscription is active
with at least ``required_plan``. Staff may play everything. Every list, search, signed URL
and bundle asks an :class:`AccessProfile`, either in SQL (:meth:`AccessProfile.playable_q`)
or for a loaded row (:meth:`AccessProfile.can_play`); both read the same three facts.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import GroupMembership

from .models import Retreat

PLAN_RANK = {"basic": 1, "premium": 2}


@dataclass(frozen=True)
class AccessProfile:
    is_staff: bool
    group_ids: frozenset[int]
    plan_rank: int  # 0 without an active subscription

    @classmethod
    def for_user(cls, user) -> "AccessProfile":
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(is_staff=False, group_ids=frozenset(), plan_rank=0)
        if user.is_staff:
            return cls(is_staff=True, group_ids=frozenset(), plan_rank=max(PLAN_RANK.values()))
        group_ids = frozenset(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))
        plan_rank = PLAN_RANK.get(user.subscription_plan, 0) if user.subscription_is_active else 0
        return cls(is_staff=False, group_ids=group_ids, plan_rank=plan_rank)

    @property
    def allowed_plans(self) -> list[str]:
        return [plan for plan, rank in PLAN_RANK.items() if rank <= self.plan_rank]

    @property
    def stamp(self) -> str:
        """What the rule depends on, for cache keys and ETags."""
        return f"{int(self.is_staff)}:{','.join(map(str, sorted(self.group_ids)))}:{self.plan_rank}"

    def can_play(self, *, visibility: str, required_plan: str, group_ids) -> bool:
        if self.is_staff or visibility == Retreat.Visibility.PUBLIC:
            return True
        if visibility == Retreat.Visibility.MEMBERS:
            return not self.group_ids.isdisjoint(group_ids)
        if visibility == Retreat.Visibility.SUBSCRIBERS:
            return self.plan_rank > 0 and PLAN_RANK.get(required_plan, 99) <= self.plan_rank
        return False

    def can_play_retreat(self, retreat: Retreat) -> bool:
        group_ids = (
            () if retreat.visibility != Retreat.Visibility.MEMBERS else retreat.groups.values_list("id", flat=True)
        )
        return self.can_play(
            visibility=retreat.visibility, required_plan=retreat.required_plan, group_ids=set(group_ids)
        )

    def playable_q(self, prefix: str = "") -> Q:
        """The same rule as a filter; ``prefix`` leads from the queried model to its Retreat
        (``""`` on Retreat, ``"session__retreat__"`` on Track)."""
        if self.is_staff:
            return Q()
        rule = Q(**{f"{prefix}visibility": Retreat.Visibility.PUBLIC})
        if self.group_ids:
            in_member_group = Exists(
                Retreat.groups.through.objects.filter(
                    retreat_id=OuterRef(f"{prefix}id" if prefix else "id"), retreatgroup_id__in=self.group_ids
                )
            )
            rule |= Q(**{f"{prefix}visibility": Retreat.Visibility.MEMBERS}) & Q(in_member_group)
        if self.plan_rank:
            rule |= Q(
                **{
                    f"{prefix}visibility": Retreat.Visibility.SUBSCRIBERS,
                    f"{prefix}required_plan__in": self.allowed_plans,
                }
            )
        return rule


def published_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": Retreat.Status.PUBLISHED})


def audience_q(retreat: Retreat) -> Q:
    """The users who may play ``retreat``, as a filter on User: the rule of
    :meth:`AccessProfile.can_play` turned around (who, rather than what), for fan-outs."""
    if retreat.visibility == Retreat.Visibility.PUBLIC:
        return Q(is_active=True)  # (an empty Q would vanish from the OR below)
    if retreat.visibility == Retreat.Visibility.MEMBERS:
        who = Q(
            Exists(
                GroupMembership.objects.filter(
                    user_id=OuterRef("pk"),
                    group_id__in=retreat.groups.through.objects.filter(retreat_id=retreat.pk).values("retreatgroup_id"),
                )
            )
        )
    elif retreat.visibility == Retreat.Visibility.SUBSCRIBERS:
        required = PLAN_RANK.get(retreat.required_plan, 99)
        who = Q(
            subscription_status="active",
            subscription_plan__in=[plan for plan, rank in PLAN_RANK.items() if rank >= required],
        ) & (Q(subscription_expires_at__isnull=True) | Q(subscription_expires_at__gt=timezone.now()))
    else:
        who = Q(pk__in=[])
    return Q(is_active=True) & (Q(is_staff=True) | who)
