from celery import shared_task
from django.core.cache import cache

from . import selectors


@shared_task
def refresh_public_figures() -> None:
    """Compute the public statistics afresh and store them for readers (selectors)."""
    # Changes from now on schedule another refresh: this one may not see them.
    cache.delete(selectors.REFRESH_PENDING_KEY)
    selectors.store_public_figures()
