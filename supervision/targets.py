"""A council's targets, shown beside the dashboard's figures (SPEC "Supervision").

The defaults are the published after-sales targets: handling rate at least 90 %,
satisfaction at least 85 %, first response within 24 hours. A council may set its own on
its record (accounts.Council `target_*`); an empty field means "as the council above", up
to the root, and then the default.

How each target is read against a figure:
- handling rate: the share of cases answered by the merchant within the merchant's first
  deadline (of the cases whose deadline has passed or that were answered);
- satisfaction: consumers rate 1 to 5, so a satisfaction percentage is the average score
  as a share of 5; 85 % means an average of at least 4.25;
- first response: the average time from filing to the merchant's first answer, in hours.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Council, Role
from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed

DEFAULT_HANDLING_RATE = 90
DEFAULT_SATISFACTION = 85
DEFAULT_FIRST_RESPONSE_HOURS = 24
SCORE_SCALE = 5
FIELDS = {
    "handling_rate": ("target_handling_rate", DEFAULT_HANDLING_RATE),
    "satisfaction": ("target_satisfaction", DEFAULT_SATISFACTION),
    "first_response_hours": ("target_first_response_hours", DEFAULT_FIRST_RESPONSE_HOURS),
}


@dataclass(frozen=True)
class Targets:
    handling_rate: int
    satisfaction: int
    first_response_hours: int
    # Which council set each target; "" for the published default.
    set_by: dict[str, str]

    @property
    def satisfaction_score(self) -> float:
        """The satisfaction target as an average score of 5 (85 % -> 4.25)."""
        return round(self.satisfaction * SCORE_SCALE / 100, 2)

    def as_dict(self) -> dict:
        return {
            "handling_rate": self.handling_rate,
            "satisfaction": self.satisfaction,
            "satisfaction_score": self.satisfaction_score,
            "first_response_hours": self.first_response_hours,
            "set_by": dict(self.set_by),
        }


def targets_for(council: Council) -> Targets:
    """The council's own targets, else its nearest ancestor's, else the defaults. One query."""
    ids = [int(part) for part in council.path.strip("/").split("/") if part]
    chain = {c.pk: c for c in Council.objects.filter(pk__in=ids).only("pk", "name", *(f for f, _d in FIELDS.values()))}
    values: dict[str, int] = {}
    set_by: dict[str, str] = {}
    for name, (field, default) in FIELDS.items():
        values[name], set_by[name] = default, ""
        for pk in reversed(ids):  # nearest first
            own = getattr(chain.get(pk), field, None)
            if own is not None:
                values[name], set_by[name] = own, chain[pk].name
                break
    return Targets(set_by=set_by, **values)


LIMITS = {
    "handling_rate": (0, 100),
    "satisfaction": (0, 100),
    "first_response_hours": (1, 24 * 30),
}


@transaction.atomic
def set_targets(*, actor, **values) -> Targets:
    """A supervisor sets their own council's targets: each of `values` (FIELDS' names) is a
    number, or None for "as the council above". The change is in the audit log, old and new."""
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.SUPERVISOR and actor.council_id):
        raise NotAllowed(_("Only a council's supervisors set its targets."))
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"Not a target: {', '.join(sorted(unknown))}")
    errors = {}
    for name, value in values.items():
        low, high = LIMITS[name]
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            message = _("Enter a whole number from %(low)d to %(high)d, or leave it empty.")
            errors[name] = [message % {"low": low, "high": high}]
    if errors:
        raise InvalidInput(_("Check the targets."), fields=errors)
    council = Council.objects.select_for_update().get(pk=actor.council_id)
    changes = {}
    for name, value in values.items():
        field = FIELDS[name][0]
        if getattr(council, field) != value:
            changes[name] = {"old": getattr(council, field), "new": value}
            setattr(council, field, value)
    if changes:
        council.save(update_fields=[FIELDS[name][0] for name in changes])
        record_audit(
            action="council.targets",
            actor=actor,
            object_type="council",
            object_id=council.pk,
            council_path=council.path,
            extra=changes,
        )
    return targets_for(council)
