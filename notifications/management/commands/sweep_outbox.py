from django.core.management.base import BaseCommand

from notifications.tasks import sweep_outbox


class Command(BaseCommand):
    help = "Re-queue notices left pending by a broker outage or a lost task (also run by Celery beat)."

    def handle(self, *args, **options):
        self.stdout.write(f"re-queued {sweep_outbox()} notices")
