"""Statistics read from a streaming replica of the database (DATABASE_REPLICA_URL, alias "replica").

Only reads made inside `statistics_reads()` go to the replica: the dashboards, the public figures,
the exports and the public merchant pages, which aggregate many cases and tolerate figures a moment
old. Everything else uses the primary: every write, and every read made while the primary has a
transaction open, since a transition reads the rows it locks and writes, and only the primary has
them. A replica that is not configured, or does not answer, leaves the reads on the primary.

    @statistics_reads                     # a view: its reads (and its template's) on the replica
    def dashboard(request): ...

    with statistics_reads(fresh=True):    # right after a write: wait until the replica has it
        ...
"""

import contextvars
import functools
import logging
import time

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest

logger = logging.getLogger(__name__)

REPLICA = "replica"
# After a failed connection the replica is left alone for this long: each read would otherwise
# wait for its own connection attempt (up to connect_timeout).
RETRY_AFTER_SECONDS = 30.0
# A fresh read waits at most this long for the replica to replay the primary's latest write,
# then reads from the primary instead.
FRESH_WAIT_SECONDS = 2.0
FRESH_POLL_SECONDS = 0.02

# Where reads in this context go: None (outside statistics_reads: the primary), REPLICA, or
# DEFAULT_DB_ALIAS (a fresh read the replica had not caught up with).
_reads_go_to: contextvars.ContextVar[str | None] = contextvars.ContextVar("statistics_reads", default=None)
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _in_transaction_on_primary() -> bool:
    # Test cases wrap each test in a transaction of their own; it does not count as the code's.
    blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def _replica_answers() -> bool:
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning(
            "The read replica does not answer; statistics read from the primary for the next %.0f s: %s",
            RETRY_AFTER_SECONDS,
            exc,
        )
        return False
    return True


def _replica_usable() -> bool:
    return replica_configured() and not _in_transaction_on_primary() and _replica_answers()


def replica_in_use() -> bool:
    """Whether a read made here and now goes to the replica."""
    return _reads_go_to.get() == REPLICA and _replica_usable()


def _replica_caught_up(timeout: float) -> bool:
    """Wait (at most `timeout` seconds) until the replica has replayed the primary's current WAL."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return True
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        [target] = cursor.fetchone()
    deadline = time.monotonic() + timeout
    with connections[REPLICA].cursor() as cursor:
        while True:
            # Not in recovery: the alias names a primary (a test mirror), which has every write.
            cursor.execute(
                "SELECT NOT pg_is_in_recovery() OR coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)",
                [target],
            )
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(FRESH_POLL_SECONDS)


def _target_for_block(fresh: bool) -> str:
    if _reads_go_to.get() == DEFAULT_DB_ALIAS:
        return DEFAULT_DB_ALIAS  # an enclosing fresh block found the replica behind
    if fresh and _replica_usable():
        try:
            caught_up = _replica_caught_up(FRESH_WAIT_SECONDS)
        except DatabaseError as exc:
            logger.warning("Could not compare the read replica's position with the primary's: %s", exc)
            caught_up = False
        if not caught_up:
            logger.warning("The read replica is behind the primary; fresh statistics read from the primary")
            return DEFAULT_DB_ALIAS
    return REPLICA


class _StatisticsReads:
    def __init__(self, fresh: bool):
        self.fresh = fresh
        self.token = None

    def __enter__(self):
        self.token = _reads_go_to.set(_target_for_block(self.fresh))
        return self

    def __exit__(self, *exc_info):
        _reads_go_to.reset(self.token)

    def __call__(self, view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            _load_visitor(args)
            with _StatisticsReads(self.fresh):
                return view(*args, **kwargs)

        return wrapper


def _load_visitor(args) -> None:
    """Load the session and user from the primary before the view's reads move to the replica:
    a visitor who has just logged in must not look logged out because the replica is behind."""
    request = next((arg for arg in args[:2] if isinstance(arg, HttpRequest)), None)
    user = getattr(request, "user", None)
    if user is not None:
        user.is_authenticated  # noqa: B018 - evaluates the lazy user


def statistics_reads(view=None, /, *, fresh: bool = False):
    """Reads inside go to the replica (see the module's docstring). A decorator of views or
    methods (`@statistics_reads`, `@statistics_reads(fresh=True)`) or a context manager."""
    reads = _StatisticsReads(fresh)
    return reads(view) if view is not None else reads


class StatisticsRouter:
    """DATABASE_ROUTERS: the replica for reads inside statistics_reads(), the primary otherwise."""

    def db_for_read(self, model, **hints) -> str:
        # Explicitly the primary outside: an object read from the replica must not pull its
        # related rows from there later.
        return REPLICA if replica_in_use() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica is a copy of the primary: an object read from either relates to any other.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db, app_label, **hints) -> bool | None:
        return False if db == REPLICA else None
