"""Running totals of closed cases (complaints.rollups keeps them), so the dashboard and the
public figures read a few thousand rows instead of every case. Imported by models.py.

A closed case no longer changes except for its rating and an operator's correction, so its
figures can be added up once, when it closes. Rows are keyed by the case's council and the
local day it was filed, because every figure is over the cases *filed* in a period."""

from django.db import models

# Response times are counted per started hour up to this bucket; a council's first-response
# target is at most 30 days (supervision.targets.LIMITS), so every later answer shares one.
MAX_RESPONSE_HOURS = 24 * 30 + 1


class ClosedCaseCounts(models.Model):
    """The counts and sums of a set of closed cases. A column per outcome, category and intake
    channel (complaints.rollups checks that every choice has one)."""

    cases = models.IntegerField(default=0)
    outcome_resolved = models.IntegerField(default=0)
    outcome_unconfirmed = models.IntegerField(default=0)
    outcome_not_settled = models.IntegerField(default=0)
    outcome_no_reply = models.IntegerField(default=0)
    outcome_withdrawn = models.IntegerField(default=0)
    outcome_rejected = models.IntegerField(default=0)
    category_after_sales = models.IntegerField(default=0)
    category_quality = models.IntegerField(default=0)
    category_false_advertising = models.IntegerField(default=0)
    category_price = models.IntegerField(default=0)
    category_delivery = models.IntegerField(default=0)
    category_contract = models.IntegerField(default=0)
    category_personal_info = models.IntegerField(default=0)
    category_safety = models.IntegerField(default=0)
    category_other = models.IntegerField(default=0)
    intake_online = models.IntegerField(default=0)
    intake_hotline = models.IntegerField(default=0)
    intake_counter = models.IntegerField(default=0)
    intake_letter = models.IntegerField(default=0)
    intake_email = models.IntegerField(default=0)
    # Cases that went to the merchant (a first deadline was set), answered at all, and answered
    # by that deadline; the sum of the answers' times from filing, in microseconds.
    went_to_merchant = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_in_time = models.IntegerField(default=0)
    response_microseconds = models.BigIntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfaction_sum = models.IntegerField(default=0)

    class Meta:
        abstract = True


class ClosedCaseRollup(ClosedCaseCounts):
    """The closed cases of one council filed on one day."""

    council = models.ForeignKey("accounts.Council", on_delete=models.CASCADE, related_name="+")
    council_path = models.CharField(max_length=255)
    filed_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council", "filed_on"], name="one_closed_rollup_per_day")]
        indexes = [
            models.Index(
                fields=["council_path", "filed_on"],
                opclasses=["varchar_pattern_ops", "date_ops"],
                name="closed_rollup_region",
            )
        ]

    def __str__(self) -> str:
        return f"{self.council_path} {self.filed_on}: {self.cases}"


class ClosedCaseTotal(ClosedCaseCounts):
    """ClosedCaseRollup over every filing day: a region's figures over all its cases (the
    dashboard's default, the public figures) read a row per council instead of one per day."""

    council = models.ForeignKey("accounts.Council", on_delete=models.CASCADE, related_name="+")
    council_path = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council"], name="one_closed_total_per_council")]
        indexes = [models.Index(fields=["council_path"], opclasses=["varchar_pattern_ops"], name="closed_total_region")]

    def __str__(self) -> str:
        return f"{self.council_path}: {self.cases}"


class ClosingWeekRollup(models.Model):
    """How many of one council's cases filed on one day closed in each week (Monday, local)."""

    council = models.ForeignKey("accounts.Council", on_delete=models.CASCADE, related_name="+")
    council_path = models.CharField(max_length=255)
    filed_on = models.DateField()
    closed_week = models.DateField()
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "filed_on", "closed_week"], name="one_closing_rollup_per_week")
        ]
        indexes = [models.Index(fields=["closed_week"], name="closing_rollup_week")]

    def __str__(self) -> str:
        return f"{self.council_path} {self.filed_on} -> {self.closed_week}: {self.cases}"


class ResponseTimeRollup(models.Model):
    """How many of one council's closed cases filed on one day the merchant first answered
    within each started hour: "answered within N hours" is exact for any whole N."""

    council = models.ForeignKey("accounts.Council", on_delete=models.CASCADE, related_name="+")
    council_path = models.CharField(max_length=255)
    filed_on = models.DateField()
    hours = models.IntegerField()
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "filed_on", "hours"], name="one_response_rollup_per_hour")
        ]
        indexes = [
            models.Index(
                fields=["council_path", "filed_on"],
                opclasses=["varchar_pattern_ops", "date_ops"],
                name="response_rollup_region",
            )
        ]

    def __str__(self) -> str:
        return f"{self.council_path} {self.filed_on} <= {self.hours} h: {self.cases}"


class ResponseTimeTotal(models.Model):
    """ResponseTimeRollup over every filing day: a region's figures over all its cases (the
    dashboard's default) read a few rows per council instead of one per day and hour."""

    council = models.ForeignKey("accounts.Council", on_delete=models.CASCADE, related_name="+")
    council_path = models.CharField(max_length=255)
    hours = models.IntegerField()
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council", "hours"], name="one_response_total_per_hour")]
        indexes = [
            models.Index(fields=["council_path"], opclasses=["varchar_pattern_ops"], name="response_total_region")
        ]

    def __str__(self) -> str:
        return f"{self.council_path} <= {self.hours} h: {self.cases}"
