"""A mark that the published figures are stale.

A change that the public statistics show (a case closed, a merchant's enrolment decided, a
violation confirmed) sets the mark once its transaction commits; the reporting app reads it
and computes fresh figures (supervision.figures). The domain knows only this mark, not the
reporting app or its cache.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

STALE_KEY = "public_figures:stale_since"
# Longer than the stored figures are kept (supervision.figures.PUBLIC_FIGURES_KEEP).
STALE_KEEP = 2 * 24 * 60 * 60
logger = logging.getLogger(__name__)


def mark_figures_stale() -> None:
    """Mark the figures stale when the caller's transaction commits (at once outside one)."""
    transaction.on_commit(_mark, robust=True)


def _mark() -> None:
    try:
        cache.add(STALE_KEY, timezone.now(), STALE_KEEP)  # the earliest unseen change is kept
    except Exception:  # noqa: BLE001 - a cache outage delays fresh figures until the periodic refresh
        logger.warning("could not mark the public figures stale", exc_info=True)


def stale_since():
    """When the oldest change not yet in the figures was made, or None."""
    return cache.get(STALE_KEY)


def clear_stale_mark() -> None:
    """Called by a refresh before it computes: every change committed before this is in the
    figures it computes, and a change committed after sets the mark again."""
    cache.delete(STALE_KEY)
