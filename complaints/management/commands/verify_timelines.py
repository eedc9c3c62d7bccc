"""Verify every case's timeline hash chain; exit 1 naming each altered case and event."""

import sys

from django.core.management.base import BaseCommand

from complaints.integrity import verify_cases
from complaints.models import Complaint


class Command(BaseCommand):
    help = "Verify the SHA-256 hash chain of every case's timeline (exit code 1 when an event was altered)."

    def add_arguments(self, parser):
        parser.add_argument("--case", help="Only this case number.")

    def handle(self, *args, case=None, **options):
        cases = Complaint.objects.all()
        if case:
            cases = cases.filter(case_number=case)
        numbers = dict(cases.values_list("pk", "case_number"))
        checked = failing = 0
        for complaint_id, problems in verify_cases(cases.values("pk")):
            checked += 1
            if problems:
                failing += 1
                events = ", ".join(f"#{p.event_id} ({p.reason})" for p in problems)
                self.stderr.write(f"{numbers[complaint_id]}: altered event {events}")
        if failing:
            self.stderr.write(f"{failing} of {checked} cases have an altered timeline.")
            sys.exit(1)
        self.stdout.write(f"{checked} case timelines verified: intact.")
