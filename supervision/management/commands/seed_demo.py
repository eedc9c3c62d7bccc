"""Demo data: the Hubei council tree, one person per role, three merchants and a few
dozen complaints in every state and every closed outcome (`supervision/management/demo_data.py`).

Each complaint's story is played through the state machine (`filing.file_complaint`,
`workflow.perform` and the periodic `deadlines.apply_deadlines`) on a simulated clock that
starts months ago and runs up to now. So every timeline, deadline, notice, overdue mark
and case number is the one the platform itself would have produced; nothing is
backdated afterwards.

Idempotent: councils, people and merchants are looked up before they are created, and
the complaints are only played when the demo consumer has none yet.
"""

import contextlib
import datetime
import io
import logging
import re
from decimal import Decimal

import time_machine
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Council, Role, User
from complaints import deadlines, filing, incidents, workflow
from complaints.incident_selectors import proposed_cases
from complaints.models import OPEN_STATUSES, Complaint, Incident, Status
from mediation.errors import DomainError
from merchants import enrolment
from merchants.models import Merchant, MerchantStatus
from notifications.models import Notification
from supervision.management.demo_data import (
    AGENTS,
    APPLICANTS,
    CONSUMERS,
    COUNCILS,
    DEMO_CONSUMER,
    DEMO_INCIDENT,
    LANGUAGE,
    MERCHANTS,
    MERCHANTS_ENROLLED_DAYS_AGO,
    PASSWORD,
    STAFF,
    STORIES,
    DemoUser,
    Step,
    Story,
)

# Beat runs the deadline job every five minutes: a deadline is applied at most this late.
JOB_DELAY = datetime.timedelta(minutes=5)


class Command(BaseCommand):
    help = "Load demo councils, people, merchants and complaints (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        now = timezone.now()
        # The console SMS and email backends print every notice, and eager tasks log each run
        # (kombu also warns of the in-memory broker's missing hostname).
        logging.disable(logging.WARNING)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                users = self._people(self._councils(), now)
                played = self._complaints(users, now)
                self._incident(users)
        finally:
            logging.disable(logging.NOTSET)
        if played:
            counts = deadlines.apply_deadlines(now)  # whatever fell due between the last tick and now
            self.stdout.write(f"Played {played} complaints through the state machine ({counts or 'up to date'}).")
        else:
            self.stdout.write("Demo complaints already present; nothing to add.")
        self._print_accounts()

    @transaction.atomic
    def _incident(self, users: dict[str, User]) -> None:
        """An incident the supervisor handles: a beauty salon that closed with its customers' prepaid
        cards, the case about it grouped in (consumers naming the salon may join it when filing)."""
        if Incident.objects.filter(title=DEMO_INCIDENT["title"]).exists():
            return
        supervisor = users["supervisor"]
        incident = incidents.open_incident(actor=supervisor, **DEMO_INCIDENT)
        cases = [case.pk for case in proposed_cases(incident, supervisor)]
        incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=cases)

    # --- councils, people, merchants ---------------------------------------------------

    def _councils(self) -> dict[str, Council]:
        councils: dict[str, Council] = {}
        for code, parent, name in COUNCILS:
            councils[code], _created = Council.objects.get_or_create(
                code=code, defaults={"name": name, "parent": councils.get(parent), "case_prefix": "HB"}
            )
        return councils

    def _user(self, spec: DemoUser, councils, merchants=None) -> User:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                role=spec.role,
                name=spec.name,
                phone=spec.phone or None,
                email=spec.email,
                council=councils[spec.council] if spec.council else None,
                merchant=merchants[spec.merchant] if spec.merchant else None,
                language=LANGUAGE,
            )
            user.password = self.password_hash
            user.save()
        return user

    @cached_property
    def password_hash(self) -> str:
        return make_password(PASSWORD)  # hashed once: the demo accounts share the published password

    @transaction.atomic
    def _people(self, councils, now) -> dict[str, User]:
        merchants: dict[str, Merchant] = {}
        with time_machine.travel(now - datetime.timedelta(days=MERCHANTS_ENROLLED_DAYS_AGO + 10), tick=False) as clock:
            users = {spec.username: self._user(spec, councils) for spec in STAFF + CONSUMERS}
            for spec in MERCHANTS:
                applicant = self._user(APPLICANTS[spec.key], councils)
                merchant = Merchant.objects.filter(uscc=spec.uscc).first()
                if merchant is None:
                    clock.move_to(now - datetime.timedelta(days=spec.applied_days_ago))
                    merchant = enrolment.apply_for_enrolment(
                        applicant=applicant,
                        name=spec.name,
                        uscc=spec.uscc,
                        region=councils[spec.council],
                        notice_phones=list(spec.notice_phones),
                        address=spec.address,
                        email=spec.email,
                    )
                    if spec.enrolled:
                        clock.shift(datetime.timedelta(days=2))
                        merchant = enrolment.approve_merchant(actor=users["supervisor"], merchant_id=merchant.pk)
                merchants[spec.key] = merchant
                applicant.refresh_from_db()
                users[applicant.username] = applicant
        for spec in AGENTS:
            users[spec.username] = self._user(spec, councils, merchants)
        self.merchants = merchants
        return users

    # --- complaints ----------------------------------------------------------------------

    def _complaints(self, users: dict[str, User], now: datetime.datetime) -> int:
        if Complaint.objects.filter(consumer=users[DEMO_CONSUMER]).exists():
            return 0
        plan = []  # (when, story index, step or None for the filing)
        for index, story in enumerate(STORIES):
            # A few hours' spread, so the cases were not all filed at the same time of day.
            filed = now - datetime.timedelta(days=story.days_ago, hours=index * 5 % 9)
            plan.append((filed, index, None))
            for step in story.steps:
                when = filed + datetime.timedelta(days=step.after_days)
                if when >= now:
                    raise CommandError(f"demo story {index} has a step in the future")
                plan.append((when, index, step))
        plan.sort(key=lambda item: item[:2])

        cases: dict[int, int] = {}
        with time_machine.travel(plan[0][0], tick=False) as clock:
            job_ran_at = plan[0][0]
            for when, index, step in [*plan, (now, -1, None)]:
                job_ran_at = self._run_deadline_job(clock, since=job_ran_at, until=when)
                if index < 0:
                    break
                clock.move_to(when)
                try:
                    if step is None:
                        cases[index] = self._file(STORIES[index], users).pk
                    else:
                        self._perform(STORIES[index], cases[index], step, users)
                except DomainError as exc:
                    raise CommandError(f"demo story {index} failed at {step}: {exc!r}") from exc
        return len(cases)

    def _run_deadline_job(self, clock, *, since: datetime.datetime, until: datetime.datetime) -> datetime.datetime:
        """Run the periodic deadline job shortly after each deadline that falls before `until`,
        as beat would; replaying every five minutes of several months would take too long."""
        while True:
            moment = self._next_deadline(after=since)
            if moment is None or moment + JOB_DELAY >= until:
                return since
            since = moment + JOB_DELAY
            clock.move_to(since)
            deadlines.apply_deadlines(since)

    def _next_deadline(self, *, after: datetime.datetime) -> datetime.datetime | None:
        """The next moment the deadline job has something to do: a deadline, a settlement
        limit or a reminder (REMINDER_BEFORE ahead of a deadline)."""
        open_cases = Complaint.objects.filter(status__in=OPEN_STATUSES)
        moments = [
            open_cases.filter(due_at__gte=after).aggregate(m=Min("due_at"))["m"],
            open_cases.filter(settle_by__gte=after).aggregate(m=Min("settle_by"))["m"],
        ]
        reminder = open_cases.filter(due_at__gte=after + deadlines.REMINDER_BEFORE).aggregate(m=Min("due_at"))["m"]
        if reminder:
            moments.append(reminder - deadlines.REMINDER_BEFORE)
        return min((m for m in moments if m), default=None)

    def _file(self, story: Story, users) -> Complaint:
        region = None
        if story.region:
            region = Council.objects.get(code=story.region)
        return filing.file_complaint(
            consumer=users[story.consumer],
            merchant=self.merchants[story.merchant] if story.merchant else None,
            merchant_name=story.merchant_name,
            merchant_phone=story.merchant_phone,
            region=region,
            category=story.category,
            channel=story.channel,
            platform=story.platform,
            order_number=story.order_number,
            purchase_date=timezone.localdate() - datetime.timedelta(days=3),
            amount=Decimal(story.amount),
            demands=list(story.demands),
            title=story.title,
            description=story.description,
            share_contact=story.share_contact,
        )

    def _perform(self, story: Story, complaint_id: int, step: Step, users) -> None:
        payload = dict(step.payload)
        if "offer_amount" in payload:
            payload["offer_amount"] = Decimal(payload["offer_amount"])
        if "due_in_days" in payload:
            payload["due_date"] = timezone.localdate() + datetime.timedelta(days=payload.pop("due_in_days"))
        if step.action == "assign":
            payload["mediator"] = users[payload["mediator"]]
        if step.action == "fulfil":
            payload = {**self._proof(complaint_id, payload["message"]), **payload}
        if "starts_in_hours" in payload:
            payload["starts_at"] = timezone.now() + datetime.timedelta(hours=payload.pop("starts_in_hours"))
        if payload.get("merchant_attendee") == "owner":
            payload["merchant_attendee"] = self._actor(story, "merchant", users)
        workflow.perform(
            actor=self._actor(story, step.actor, users), complaint_id=complaint_id, action=step.action, **payload
        )

    @staticmethod
    def _proof(complaint_id: int, message: str) -> dict:
        """The proof the agreed remedy needs (complaints.proof), with the reference or tracking
        number the story's message names."""
        complaint = Complaint.objects.get(pk=complaint_id)
        agreement = complaint.agreement or {}
        remedy = agreement.get("remedy") or ""
        number = re.search(r"[A-Z]{2}-?\d{4,}", message)
        reference = number.group(0) if number else f"RF{complaint.case_number[-6:]}"
        today = timezone.localdate()
        amount = Decimal(agreement.get("amount") or complaint.amount or "1")
        fields = {
            "refund": {"amount": amount, "paid_on": today, "reference": reference},
            "compensation": {"amount": amount, "paid_on": today},
            "return": {"courier": "顺丰速运", "tracking_number": reference},
            "exchange": {"courier": "顺丰速运", "tracking_number": reference},
            "repair": {"repaired_on": today},
        }
        return fields.get(remedy, {})

    def _actor(self, story: Story, actor: str, users) -> User:
        if actor == "consumer":
            return users[story.consumer]
        if actor == "merchant":
            return self.merchants[story.merchant].members.get(role=Role.MERCHANT_OWNER)
        return users[actor]

    # --- the accounts table ------------------------------------------------------------

    def _print_accounts(self) -> None:
        rows = [("username", "password", "role", "who")]
        for spec in STAFF + list(APPLICANTS.values()) + AGENTS + CONSUMERS:
            user = User.objects.filter(username=spec.username).first()
            if user is not None:
                who = " · ".join(part for part in (user.display_name, spec.note) if part)
                rows.append((user.username, PASSWORD, user.role, who))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo accounts (log in at /accounts/login/):"))
        for row in rows:
            cells = [value.ljust(width) for value, width in zip(row[:3], widths, strict=True)]
            self.stdout.write("  ".join([*cells, row[3]]))
        cases = Complaint.objects.all()
        enrolled = Merchant.objects.filter(status=MerchantStatus.ENROLLED).count()
        self.stdout.write(
            f"\n{cases.count()} complaints ({cases.exclude(status=Status.CLOSED).count()} open), "
            f"{Notification.objects.count()} notices, {enrolled} enrolled merchants."
        )
