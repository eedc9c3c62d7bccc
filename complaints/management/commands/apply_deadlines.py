from django.core.management.base import BaseCommand

from complaints import workflow


class Command(BaseCommand):
    help = "Apply every passed deadline: reminders, escalations and closures (also run by Celery beat)."

    def handle(self, *args, **options):
        counts = workflow.apply_deadlines()
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
