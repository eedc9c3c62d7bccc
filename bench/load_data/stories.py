"""Case stories: one complaint's life through the state machine of complaints/actions.py.

A story is played on its own clock, from filing until it closes or until its next move would
come after the moment of loading (the case is then open, in the state its story reached). It
re-implements the parties' moves from each state and the deadline moves deadlines.apply_deadlines
makes, a few minutes after a deadline passes; it does not call workflow (a million cases through
the ORM would take hours), so a change to the state machine must be mirrored here."""

import datetime
import math
import random

from .clock import DAY, HOUR, LOCAL
from .draws import cumulate, pick
from .phrases import CONSUMER_SAYS, MERCHANT_SAYS, REMEDY_WORDS, STAFF_SAYS
from .reference import Ref

AM, AC, UR, IM = "awaiting_merchant", "awaiting_consumer", "under_review", "in_mediation"
ST, AF, CL = "settled", "awaiting_confirmation", "closed"


class Story:
    """A complaint's fields and timeline as the state machine (complaints/actions.py) would have left them at `now`."""

    def __init__(self, gen: "Generator", cid: int, filed: float, council: int, merchant) -> None:
        self.gen, self.id, self.council, self.merchant = gen, cid, council, merchant
        self.working = gen.ref.councils[council - 1][2]
        self.t = self.filed = filed
        self.events: list[tuple] = []  # (time, kind, actor, role, from, to, message, data, visibility, due)
        self.status, self.waiting, self.due, self.settle_by = "", "", None, None
        self.round, self.offer, self.agreement, self.outcome = 1, None, None, ""
        self.first_response = self.settled_at = self.closed_at = self.reminder = self.first_due = None
        self.mediator = self.agent = self.satisfaction = None
        self.comment, self.overdue, self.marks = "", False, []
        # What was filed (set by prepare_story): the consumer, the texts, the merchant named when unknown.
        self.consumer, self.texts, self.amount, self.demands, self.enrolled = 0, {}, 0.0, [], False
        self.merchant_name = self.merchant_phone = ""

    # the clock, as complaints/deadlines.add_days counts it
    def add_days(self, start: float, days: int) -> float:
        if not self.working:
            return start + days * DAY
        moment, remaining = start, days
        while remaining > 0:
            moment += DAY
            if self.gen.working_day(int((moment + 8 * HOUR) // DAY)):
                remaining -= 1
        return moment

    def mark(self, stage: str, when: float) -> None:
        """merchants.OverdueMark: once per case and stage (the job's get_or_create)."""
        if all(stage != s for s, _t in self.marks):
            self.marks.append((stage, when))

    def event(self, when, kind, actor, role, frm, message="", data=None, visibility="parties"):
        if self.events and when <= self.events[-1][0]:
            when = self.events[-1][0] + 1.0
        self.t = when
        self.events.append((when, kind, actor, role, frm, self.status, message, data or {}, visibility, self.due))

    def move(self, when, to, kind, actor, role, *, waiting="", days=0, due=None, message="", data=None, outcome=""):
        frm, self.status, self.waiting, self.overdue = self.status, to, waiting, False
        self.due = self.add_days(when, days) if days else due
        if to == CL:
            self.outcome, self.closed_at, self.waiting, self.due = outcome, when, "", None
        self.event(when, kind, actor, role, frm, message, data)


class Generator:
    """Plays the stories of one batch of complaints; every draw comes from one seeded Random."""

    def __init__(self, ref: Ref, rng: random.Random, now: float) -> None:
        self.ref, self.rng, self.now = ref, rng, now
        self._workdays: dict[int, bool] = {}
        self.district_cum = list(cumulate(w for _c, w in ref.district_weights))
        self.handlers = {
            AM: self.merchant_answers,
            AC: self.consumer_decides,
            UR: self.council_reviews,
            IM: self.mediation,
            ST: self.fulfilment,
            AF: self.confirmation,
        }

    def working_day(self, days_since_epoch: int) -> bool:
        found = self._workdays.get(days_since_epoch)
        if found is None:
            from complaints.deadlines import is_working_day

            day = datetime.date(1970, 1, 1) + datetime.timedelta(days=days_since_epoch)
            found = self._workdays[days_since_epoch] = is_working_day(day)
        return found

    def jitter(self) -> float:
        """The deadline job runs every few minutes: a deadline move comes a little after the deadline."""
        return self.rng.uniform(30, 600)

    def delay(self, low_hours: float, high_hours: float) -> float:
        return math.exp(self.rng.uniform(math.log(low_hours), math.log(high_hours))) * HOUR

    def play(self, s: Story, habit: float) -> None:
        """Each state's handler makes the party's move (when it comes before the deadline and
        before now) or the deadline move the job makes, and says whether the case moved on; a case
        whose next move lies after `now` stays open where it is."""
        rng = self.rng
        while s.status != CL:
            if not self.handlers[s.status](s, habit):
                return
        if s.outcome in ("resolved", "not_settled") and rng.random() < 0.42:
            when = s.t + self.delay(0.2, 72)
            if when < self.now:
                weights = (55, 25, 10, 5, 5) if s.outcome == "resolved" else (10, 15, 25, 25, 25)
                score = rng.choices((5, 4, 3, 2, 1), weights)[0]
                s.satisfaction, s.comment = score, rng.choice(CONSUMER_SAYS["rate"])
                s.event(when, "rated", s.consumer, "consumer", CL, s.comment, {"score": score})

    def _next(self, s: Story, party_at: float | None) -> tuple[str, float]:
        """What comes first: ("party", t), ("due", t), ("settle", t), or ("wait", now)."""
        options = [(s.due, "due")]
        if party_at is not None:
            options.append((party_at, "party"))
        if s.settle_by is not None and s.status in (AM, AC):
            options.append((s.settle_by, "settle"))
        when, what = min(options)
        if when >= self.now:
            return "wait", self.now
        if what != "party":
            when = min(when + self.jitter(), self.now - 1)
        return what, when

    def _escalate(self, s: Story, when: float, kind: str, actor=None, role="system", message="", data=None) -> None:
        waiting = "mediator" if s.mediator else "council"
        s.move(when, IM, kind, actor, role, waiting=waiting, days=30, message=message, data=data)

    def _withdraw(self, s: Story, when: float) -> None:
        message = self.rng.choice(CONSUMER_SAYS["withdraw"])
        s.move(when, CL, "withdrawn", s.consumer, "consumer", message=message, outcome="withdrawn")

    def _merchant_user(self, s: Story) -> tuple[int, str]:
        return (s.agent, "merchant_agent") if s.agent else (s.merchant[4], "merchant_owner")

    def merchant_answers(self, s: Story, habit: float) -> bool:
        rng = self.rng
        answers = rng.random() < habit
        party_at = s.t + self.delay(3, 120 if habit > 0.9 else 160) if answers else None
        what, when = self._next(s, party_at)
        if when > s.due - 24 * HOUR:
            s.reminder = s.due  # the job reminded the merchant a day before its deadline
        if what == "wait":
            return False
        if what == "settle":
            self._escalate(s, when, "settlement_deadline_passed")
            return True
        if what == "due":
            s.mark("answer", when)
            self._escalate(s, when, "merchant_deadline_passed")
            return True
        if s.agent is None and s.merchant[5] and rng.random() < 0.3:
            s.agent = rng.choice(s.merchant[5])
            data = {"agent": s.agent, "agent_name": self.name_of(s.agent)}
            assigned = s.t + (when - s.t) * rng.uniform(0.05, 0.5)
            s.event(assigned, "agent_assigned", s.merchant[4], "merchant_owner", s.status, "", data, "merchant_staff")
        actor, role = self._merchant_user(s)
        if rng.random() < 0.9:
            remedy = next((d for d in s.demands if d in REMEDY_WORDS), "refund")
            amount = s.amount if remedy in ("refund", "return") else s.amount * rng.uniform(0.1, 0.5)
            due_date = None
            if rng.random() < 0.35:
                local = datetime.datetime.fromtimestamp(when, LOCAL).date()
                due_date = (local + datetime.timedelta(days=rng.randint(1, 10))).isoformat()
            message = MERCHANT_SAYS["offer"].format(r=REMEDY_WORDS[remedy])
            offer = {"kind": "offer", "remedy": remedy, "amount": f"{amount:.2f}", "due_date": due_date}
        else:
            message = rng.choice(MERCHANT_SAYS["decline"])
            offer = {"kind": "decline", "remedy": None, "amount": None, "due_date": None}
        s.offer = {**offer, "round": s.round, "message": message}
        if s.first_response is None:
            s.first_response = when
        s.move(when, AC, "responded", actor, role, waiting="consumer", days=7, message=message, data=s.offer)
        return True

    def consumer_decides(self, s: Story, habit: float) -> bool:
        rng = self.rng
        if s.offer["kind"] == "offer":
            mix = {"accept": 94.6, "reject": 3, "mediation": 1.2, "withdraw": 0.5, "silent": 0.7}
        else:
            mix = {"reject": 55, "mediation": 38, "withdraw": 4, "silent": 3}
        choice = pick(rng, mix)
        what, when = self._next(s, None if choice == "silent" else s.t + self.delay(3, 150))
        if what == "wait":
            return False
        if what == "settle":
            self._escalate(s, when, "settlement_deadline_passed")
        elif what == "due":
            s.move(when, CL, "consumer_deadline_passed", None, "system", outcome="no_reply")
        elif choice == "accept":
            self.settle(s, when, "accepted", s.consumer, "consumer", {**s.offer, "source": "offer"}, "")
        elif choice == "reject":
            message = rng.choice(CONSUMER_SAYS["reject"])
            if s.round >= 3:
                self._escalate(s, when, "rejected", s.consumer, "consumer", message, {"round": s.round})
            else:
                s.round += 1
                s.offer = None
                data = {"round": s.round}
                s.move(
                    when, AM, "rejected", s.consumer, "consumer", waiting="merchant", days=7, message=message, data=data
                )
        elif choice == "mediation":
            self._escalate(
                s, when, "mediation_requested", s.consumer, "consumer", rng.choice(CONSUMER_SAYS["mediation"])
            )
        else:
            self._withdraw(s, when)
        return True

    def settle(self, s: Story, when: float, kind: str, actor, role, agreement: dict, message: str) -> None:
        due, days = None, 15
        if agreement.get("due_date"):
            day = datetime.date.fromisoformat(agreement["due_date"])
            promised = datetime.datetime.combine(day, datetime.time(23, 59, 59), LOCAL).timestamp()
            if promised > when:
                due, days = promised, 0
        s.agreement, s.settled_at = agreement, when
        s.move(when, ST, kind, actor, role, waiting="merchant", days=days, due=due, message=message, data=agreement)

    def _staff_late(self, s: Story, party_at: float) -> None:
        """A staff deadline that passes before the staff act marks the case overdue, once per state."""
        if not s.overdue and s.due < min(party_at, self.now):
            s.overdue = True
            when = min(s.due + self.jitter(), self.now - 1)
            s.event(when, "staff_deadline_passed", None, "system", s.status, visibility="staff")

    def council_reviews(self, s: Story, habit: float) -> bool:
        rng = self.rng
        party_at = s.t + self.delay(2, 260)
        self._staff_late(s, party_at)
        if party_at >= self.now:
            return False
        supervisor = self.supervisor_for(s)
        roll = rng.random()
        if roll < 0.01:
            self._withdraw(s, party_at)
        elif roll < 0.93:
            s.move(party_at, IM, "review_accepted", supervisor, "supervisor", waiting="council", days=30)
        else:
            reason = rng.choice(STAFF_SAYS["review_reject"])
            s.move(party_at, CL, "review_rejected", supervisor, "supervisor", message=reason, outcome="rejected")
        return True

    def mediation(self, s: Story, habit: float) -> bool:
        rng = self.rng
        if s.mediator is None:
            party_at = s.t + self.delay(1, 120)
            self._staff_late(s, party_at)
            if party_at >= self.now:
                return False
            s.mediator = rng.choice(self.ref.mediators_for(s.council))
            s.waiting = "mediator"
            data = {"mediator": s.mediator, "mediator_name": self.name_of(s.mediator)}
            s.event(party_at, "mediator_assigned", self.supervisor_for(s), "supervisor", s.status, data=data)
            return True
        party_at = s.t + self.delay(24, 960)
        if rng.random() < 0.3:
            note_at = s.t + (min(party_at, s.due, self.now) - s.t) * rng.random()
            note = rng.choice(STAFF_SAYS["note"])
            s.event(note_at, "message", s.mediator, "mediator", s.status, note, visibility="staff")
        self._staff_late(s, party_at)
        if party_at >= self.now:
            return False
        roll = rng.random()
        if roll < 0.015:
            self._withdraw(s, party_at)
        elif roll < 0.96:
            message = rng.choice(STAFF_SAYS["agreement"]).format(a=f"{s.amount:.0f}")
            agreement = {"source": "mediation", "message": message}
            self.settle(s, party_at, "agreement_recorded", s.mediator, "mediator", agreement, message)
        else:
            data = {"advice": rng.choice(("12315", "arbitration", "court"))}
            message = rng.choice(STAFF_SAYS["failure"])
            s.move(
                party_at,
                CL,
                "mediation_failed",
                s.mediator,
                "mediator",
                message=message,
                data=data,
                outcome="not_settled",
            )
        return True

    def fulfilment(self, s: Story, habit: float) -> bool:
        rng = self.rng
        on_platform = s.merchant is not None and s.merchant[8] == "enrolled"
        # Most merchants carry a settlement out in time (by the date they promised, or within the
        # council's fulfilment period); careless ones less often.
        does = rng.random() < (0.98 if habit > 0.9 else 0.88)
        what, when = self._next(s, s.t + (s.due - s.t) * rng.betavariate(1.5, 3) if does else None)
        if what == "wait":
            return False
        if what == "due":
            if s.merchant is not None:
                s.mark("fulfilment", when)
            self._escalate(s, when, "fulfilment_deadline_passed")
            return True
        if on_platform:
            actor, role = self._merchant_user(s)
        else:
            # A merchant that is not on the platform: the mediator records that it was carried out.
            actor, role = s.mediator or rng.choice(self.ref.mediators_for(s.council)), "mediator"
            s.mediator = actor
        message = rng.choice(MERCHANT_SAYS["fulfil"])
        s.move(when, AF, "fulfilled", actor, role, waiting="consumer", days=7, message=message)
        return True

    def confirmation(self, s: Story, habit: float) -> bool:
        rng = self.rng
        choice = pick(rng, {"confirm": 98.5, "dispute": 0.5, "silent": 1.0})
        what, when = self._next(s, None if choice == "silent" else s.t + self.delay(12, 160))
        if what == "wait":
            return False
        if what == "due":
            s.move(when, CL, "confirmation_deadline_passed", None, "system", outcome="unconfirmed")
        elif choice == "confirm":
            s.move(when, CL, "confirmed", s.consumer, "consumer", outcome="resolved")
        else:
            self._escalate(s, when, "disputed", s.consumer, "consumer", rng.choice(CONSUMER_SAYS["dispute"]))
        return True

    def supervisor_for(self, s: Story) -> int:
        c = s.council
        while c not in self.ref.supervisors:
            c = self.ref.parent[c]
        return self.rng.choice(self.ref.supervisors[c])

    def name_of(self, uid: int) -> str:
        return self.ref.rows["accounts_user"][uid - 1][3]
