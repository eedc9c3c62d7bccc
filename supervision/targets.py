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

from accounts.models import Council

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
