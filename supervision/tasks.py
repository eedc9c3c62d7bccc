from celery import shared_task
from django.core.cache import cache

from mediation.db_router import statistics_reads

from . import figures


@shared_task
def refresh_public_figures() -> None:
    """Compute the public statistics afresh and store them for readers (supervision.figures)."""
    # Readers and changes from now on schedule another refresh: this one may not see them.
    cache.delete(figures.REFRESH_PENDING_KEY)
    with statistics_reads():
        figures.store_public_figures()


@shared_task
def refresh_stale_public_figures() -> bool:
    """The periodic job: figures a change marked stale are refreshed though nobody reads them."""
    with statistics_reads():
        return figures.refresh_if_stale()
