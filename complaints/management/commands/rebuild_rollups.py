from django.core.management.base import BaseCommand

from complaints import rollups


class Command(BaseCommand):
    help = "Recount the closed cases' totals behind the dashboard and the public figures (after a bulk load)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000, help="Cases read and rows written at a time.")

    def handle(self, *args, **options):
        written = rollups.rebuild(batch_size=max(1, options["batch_size"]))
        self.stdout.write(", ".join(f"{table}: {n} rows" for table, n in written.items()))
