import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Sum


def add_up_the_days(apps, schema_editor):
    """The totals over every filing day, from the per-day rows already kept."""
    days = apps.get_model("complaints", "ClosedCaseRollup")
    totals = apps.get_model("complaints", "ClosedCaseTotal")
    columns = [
        f.name for f in days._meta.concrete_fields if f.name not in ("id", "council", "council_path", "filed_on")
    ]
    paths = dict(days.objects.values_list("council_id", "council_path"))
    rows = days.objects.order_by().values("council_id").annotate(**{f"sum_{c}": Sum(c) for c in columns})
    totals.objects.bulk_create(
        totals(
            council_id=row["council_id"], council_path=paths[row["council_id"]], **{c: row[f"sum_{c}"] for c in columns}
        )
        for row in rows
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_name_upper"),
        ("complaints", "0020_closed_case_rollups"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClosedCaseTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("cases", models.IntegerField(default=0)),
                ("outcome_resolved", models.IntegerField(default=0)),
                ("outcome_unconfirmed", models.IntegerField(default=0)),
                ("outcome_not_settled", models.IntegerField(default=0)),
                ("outcome_no_reply", models.IntegerField(default=0)),
                ("outcome_withdrawn", models.IntegerField(default=0)),
                ("outcome_rejected", models.IntegerField(default=0)),
                ("category_after_sales", models.IntegerField(default=0)),
                ("category_quality", models.IntegerField(default=0)),
                ("category_false_advertising", models.IntegerField(default=0)),
                ("category_price", models.IntegerField(default=0)),
                ("category_delivery", models.IntegerField(default=0)),
                ("category_contract", models.IntegerField(default=0)),
                ("category_personal_info", models.IntegerField(default=0)),
                ("category_safety", models.IntegerField(default=0)),
                ("category_other", models.IntegerField(default=0)),
                ("intake_online", models.IntegerField(default=0)),
                ("intake_hotline", models.IntegerField(default=0)),
                ("intake_counter", models.IntegerField(default=0)),
                ("intake_letter", models.IntegerField(default=0)),
                ("intake_email", models.IntegerField(default=0)),
                ("went_to_merchant", models.IntegerField(default=0)),
                ("answered", models.IntegerField(default=0)),
                ("answered_in_time", models.IntegerField(default=0)),
                ("response_microseconds", models.BigIntegerField(default=0)),
                ("rated", models.IntegerField(default=0)),
                ("satisfaction_sum", models.IntegerField(default=0)),
                ("council_path", models.CharField(max_length=255)),
                (
                    "council",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.council"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["council_path"], name="closed_total_region", opclasses=["varchar_pattern_ops"])
                ],
                "constraints": [models.UniqueConstraint(fields=("council",), name="one_closed_total_per_council")],
            },
        ),
        migrations.RunPython(add_up_the_days, migrations.RunPython.noop),
    ]
