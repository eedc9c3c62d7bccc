from django.core.management.base import BaseCommand

from complaints import calls


class Command(BaseCommand):
    help = (
        "Unbind the privacy-number bindings of closed cases, of cases with calls turned off and expired "
        "ones at the gateway; one that fails is tried again next run (also run by Celery beat)."
    )

    def handle(self, *args, **options):
        counts = calls.release_bindings()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
