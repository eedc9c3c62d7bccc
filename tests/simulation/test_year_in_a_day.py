"""A year in a day (issue 3): complaints filed over a simulated year, with parties who
behave at random (seeded), the deadline job run every six simulated hours, and the
invariants a council relies on checked at every step and at the end. The simulation lives
in tests/simulation/simulator.py, which bench/year_in_a_day.py runs at a larger size.

`pytest -s tests/simulation` prints the summary (counts by outcome, by move, by deadline).
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import FORGET_CASE_NUMBER_SEQUENCES
from tests.simulation.simulator import INVARIANTS, Config, Simulation

# Every move commits, as in production: one test transaction holding thousands of
# savepoints would make PostgreSQL check subtransactions on every read, and run slowly.
pytestmark = [
    pytest.mark.simulation,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("commits_without_waiting_for_the_disk"),
]

SIX_HOURS = datetime.timedelta(hours=6)
# Sized for CI (~1 minute on 2 cores); bench/year_in_a_day.py runs the same year larger.
CI_SIZE = Config(complaints=500, days=365, interval=SIX_HOURS, seed=315)


def describe(failures: dict) -> str:
    return "\n".join(
        f"{name}: {found['count']} violations of '{INVARIANTS[name]}', e.g.\n  " + "\n  ".join(found["examples"])
        for name, found in failures.items()
    )


def test_a_year_of_complaints_keeps_every_promise_to_the_parties():
    report = Simulation(CI_SIZE).run()
    print("\n" + report.summary())

    assert report.failures() == {}, describe(report.failures())
    assert report.complaints == CI_SIZE.complaints
    assert report.outcomes["open"] == 0  # every case ended
    # The year went through every way a case can end and every deadline the job applies.
    assert set(report.outcomes) == {"resolved", "not_settled", "no_reply", "unconfirmed", "withdrawn", "rejected"}
    for applied in ("reminder", "merchant_overdue", "settlement_deadline", "no_reply", "fulfilment_overdue"):
        assert report.deadline_job[applied] > 0, applied
    assert report.deadline_job["unconfirmed"] > 0 and report.deadline_job["staff_overdue"] > 0
    for move in ("accept", "reject", "request_mediation", "withdraw", "dispute", "confirm", "rate", "assign"):
        assert report.moves[move] > 0, move
    # A share came in by phone, counter or post, and clerks made consumers' moves for them.
    assert report.moves["intake"] > 0 and report.moves["on_behalf"] > 0
    # Incidents grouped cases and messaged them collectively, each message sent twice and
    # reaching each case once (the invariant incident_message_once).
    assert report.incident_messages == CI_SIZE.incidents and report.incident_cases > 0


def test_the_same_seed_plays_the_same_year():
    small = Config(complaints=60, days=30, interval=SIX_HOURS, seed=7, until_all_closed=False)

    first = Simulation(small).run()
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":  # the flush leaves the case-number sequences counting on
        with connection.cursor() as cursor:
            cursor.execute(FORGET_CASE_NUMBER_SEQUENCES)
    second = Simulation(small).run()

    assert first.failures() == {} and second.failures() == {}
    assert first.outcomes["open"] > 0 and len(first.outcomes) > 2  # a year cut short: some cases still open
    assert first.fingerprint == second.fingerprint
    assert (first.outcomes, first.moves, first.deadline_job) == (second.outcomes, second.moves, second.deadline_job)
