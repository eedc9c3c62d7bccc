from django.core.management.base import BaseCommand

from complaints import deadlines


class Command(BaseCommand):
    help = "Apply every passed deadline: reminders, escalations and closures (also run by Celery beat)."

    def handle(self, *args, **options):
        counts = deadlines.apply_deadlines()
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
