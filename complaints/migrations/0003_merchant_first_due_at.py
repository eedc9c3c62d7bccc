from django.db import migrations, models


def backfill_merchant_first_due_at(apps, schema_editor):
    """Cases filed to an enrolled merchant (their "filed" event moved them to awaiting_merchant)
    get the deadline they were filed with: filing time plus the council's merchant days."""
    from complaints.deadlines import add_days

    Complaint = apps.get_model("complaints", "Complaint")
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    sent_to_merchant = ComplaintEvent.objects.filter(kind="filed", to_status="awaiting_merchant").values("complaint_id")
    cases = (
        Complaint.objects.filter(pk__in=sent_to_merchant, merchant_first_due_at__isnull=True)
        .select_related("council")
        .only("pk", "filed_at", "council__working_days", "council__merchant_days")
    )
    batch = []
    for case in cases.iterator(chunk_size=2000):
        case.merchant_first_due_at = add_days(case.council, case.filed_at, case.council.merchant_days)
        batch.append(case)
        if len(batch) >= 2000:
            Complaint.objects.bulk_update(batch, ["merchant_first_due_at"])
            batch = []
    if batch:
        Complaint.objects.bulk_update(batch, ["merchant_first_due_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="merchant_first_due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="merchant's first deadline"),
        ),
        migrations.RunPython(backfill_merchant_first_due_at, migrations.RunPython.noop),
    ]
