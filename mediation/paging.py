"""Pages of a long case list whose count stays cheap.

Counting every case a filter matches reads every matching row: a province's closed cases
over years are hundreds of thousands, and half of all cases mention 退款. The queue page and
the case list API count at most COUNT_CAP of them and say "more than" (`count_capped`) beyond
that; narrowing the filters or the export reaches the rest.

Every paginated page shows its page links with templates/partials/pagination.html, given the
`page`; its links keep the other query parameters (filters, tab, search) with `{% querystring %}`.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_count(rows, cap: int) -> int:
    """How many rows the list holds, counted up to `cap`."""
    # The order and the joined tables do not change how many rows there are.
    rows = rows.order_by().select_related(None)
    # A filter that only narrows (complaints.search: the text index for a common word) may be
    # worth using for the count though not for the page.
    narrowing = getattr(rows.query, "count_narrowing", None)
    if narrowing is not None:
        rows = rows.filter(narrowing)
    return rows[:cap].count()


class CappedPaginator(Paginator):
    """Pages of a query set, or of a list made of parts that counts itself (`capped_count(cap)`,
    complaints.search.HeadFirst)."""

    @cached_property
    def _counted(self) -> int:
        counter = getattr(self.object_list, "capped_count", None)
        if counter is not None:
            return counter(COUNT_CAP + 1)
        return capped_count(self.object_list, COUNT_CAP + 1)

    @cached_property
    def count(self) -> int:
        return min(self._counted, COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self._counted > COUNT_CAP
