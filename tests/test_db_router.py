"""Statistics read from the replica only inside statistics_reads(); writes, and reads inside a
transaction, always on the primary; a replica that is unset or down leaves reads on the primary.

The "replica" alias here is a second connection to the test database (or to a closed port):
tests/integration/test_read_replica.py runs the same reads against a real streaming replica.
"""

import copy
import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Council
from complaints.models import Complaint
from mediation import db_router
from mediation.db_router import REPLICA, statistics_reads

pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
# Pages read the people and places of the test from the replica's connection: they must be committed.
committed = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


def closed_port() -> int:
    """A port on this machine where nothing listens: connecting there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """The "replica" alias, for this module's tests: a second connection to the test database,
    declared a test mirror of it (the test case neither creates nor flushes it)."""
    had_settings = REPLICA in connections.settings
    previous = connections.settings.get(REPLICA)
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["TEST"] = {**settings_dict["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = settings_dict
    _forget_replica_connection()
    yield
    _forget_replica_connection()
    if had_settings:
        connections.settings[REPLICA] = previous
    else:
        del connections.settings[REPLICA]


def _forget_replica_connection() -> None:
    if hasattr(connections._connections, REPLICA):
        connections[REPLICA].close()
        delattr(connections._connections, REPLICA)


@pytest.fixture(autouse=True)
def _replica_not_marked_down(monkeypatch):
    monkeypatch.setattr(db_router, "_replica_down_until", 0.0)


@pytest.fixture
def replica_down():
    """The replica alias points at a port where nothing listens, for the test."""
    working = connections[REPLICA]
    settings_dict = {**copy.deepcopy(working.settings_dict), "PORT": closed_port()}
    down = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, REPLICA)
    setattr(connections._connections, REPLICA, down)
    yield
    down.close()
    setattr(connections._connections, REPLICA, working)


@pytest.fixture
def no_replica():
    settings_dict = connections.settings.pop(REPLICA)
    yield
    connections.settings[REPLICA] = settings_dict


def test_reads_go_to_the_replica_only_inside_statistics_reads():
    assert Complaint.objects.all().db == DEFAULT_DB_ALIAS
    with statistics_reads():
        assert Complaint.objects.all().db == REPLICA
        assert Complaint.objects.count() == 0  # a query the replica answered
    assert Complaint.objects.all().db == DEFAULT_DB_ALIAS


def test_writes_inside_statistics_reads_go_to_the_primary(hubei):
    with statistics_reads():
        council = Council.objects.create(name="Wuhan Consumer Council", code="HB-WH", parent=hubei)
        assert router.db_for_write(Complaint) == DEFAULT_DB_ALIAS

    assert council._state.db == DEFAULT_DB_ALIAS
    assert Council.objects.using(DEFAULT_DB_ALIAS).filter(pk=council.pk).exists()


def test_reads_inside_a_transaction_stay_on_the_primary(hubei):
    with statistics_reads(), transaction.atomic():
        Council.objects.create(name="Wuhan Consumer Council", code="HB-WH", parent=hubei)
        assert Council.objects.all().db == DEFAULT_DB_ALIAS
        assert Council.objects.filter(code="HB-WH").exists()


def test_a_complaint_filed_inside_statistics_reads_is_filed_on_the_primary(file_complaint):
    with statistics_reads():
        case = file_complaint()

    assert Complaint.objects.using(DEFAULT_DB_ALIAS).get(pk=case.pk).case_number == case.case_number


def test_a_replica_that_does_not_answer_leaves_reads_on_the_primary(replica_down, file_complaint, caplog):
    file_complaint()

    with caplog.at_level(logging.WARNING, logger="mediation.db_router"), statistics_reads():
        assert Complaint.objects.all().db == DEFAULT_DB_ALIAS
        assert Complaint.objects.count() == 1
        Complaint.objects.count()  # the replica is not asked again for a while

    [warning] = [r for r in caplog.records if r.name == "mediation.db_router"]
    assert "does not answer" in warning.getMessage()


def test_without_a_replica_reads_stay_on_the_primary(no_replica, caplog):
    with caplog.at_level(logging.WARNING, logger="mediation.db_router"), statistics_reads():
        assert Complaint.objects.all().db == DEFAULT_DB_ALIAS
    assert not [r for r in caplog.records if r.name == "mediation.db_router"]


def test_a_fresh_read_of_a_database_that_is_not_a_standby_goes_ahead():
    with statistics_reads(fresh=True):
        assert Complaint.objects.all().db == REPLICA


def test_a_fresh_read_stays_on_the_primary_when_the_replica_does_not_answer(replica_down):
    with statistics_reads(fresh=True):
        assert Complaint.objects.all().db == DEFAULT_DB_ALIAS


@committed
def test_the_dashboard_reads_its_figures_from_the_replica(client, supervisor):
    client.force_login(supervisor)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse("supervision:dashboard"))

    assert response.status_code == 200
    assert any("complaints_complaint" in q["sql"] for q in on_replica.captured_queries)
    # The visitor's session and user came from the primary, before the figures.
    assert not any("django_session" in q["sql"] for q in on_replica.captured_queries)


def test_the_dashboard_answers_from_the_primary_when_the_replica_is_down(replica_down, client, supervisor):
    client.force_login(supervisor)

    response = client.get(reverse("supervision:dashboard"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    ["supervision:public_stats", "merchants:public_list", "api:public-stats"],
)
def test_public_figures_are_read_from_the_replica(client, shop, name):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse(name))

    assert response.status_code == 200
    assert on_replica.captured_queries


@committed
def test_an_export_streams_its_rows_from_the_replica(client, supervisor):
    client.force_login(supervisor)

    response = client.get(reverse("supervision:export_csv"))
    # The rows are read as the file streams, after the view has returned.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        b"".join(response.streaming_content)

    assert response.status_code == 200
    assert any("complaints_complaint" in q["sql"] for q in on_replica.captured_queries)


@committed
@pytest.mark.parametrize("name", ["api:stats", "api:complaint-export-csv", "api:complaint-export-xlsx"])
def test_the_statistics_api_reads_from_the_replica(client, supervisor, file_complaint, name):
    file_complaint()
    client.force_login(supervisor)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse(name))
        b"".join(response.streaming_content) if response.streaming else response.content

    assert response.status_code == 200
    assert any("complaints_complaint" in q["sql"] for q in on_replica.captured_queries)


REPLICA_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({alias: {k: db.get(k) for k in ("HOST", "PORT", "NAME", "OPTIONS", "TEST")}
                  for alias, db in settings.DATABASES.items()}))
"""


def databases_with(**env: str) -> dict:
    """settings.DATABASES of a fresh interpreter with `env` (settings are read once per process)."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    result = subprocess.run(
        [sys.executable, "-c", REPLICA_SETTINGS],
        cwd=Path(__file__).resolve().parent.parent,
        env={**base, "DJANGO_SETTINGS_MODULE": "mediation.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_replica_url_adds_a_replica_like_the_primary():
    databases = databases_with(
        DATABASE_URL="postgres://mediation@db.internal:5432/mediation",
        DATABASE_REPLICA_URL="postgres://mediation@replica.internal:5433/mediation",
    )

    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("replica.internal", 5433, "mediation")
    assert replica["OPTIONS"] == databases["default"]["OPTIONS"]
    assert replica["TEST"]["MIRROR"] == "default"


def test_without_database_replica_url_there_is_only_the_primary():
    databases = databases_with(DATABASE_URL="postgres://mediation@db.internal:5432/mediation")

    assert list(databases) == ["default"]
