"""Text search over complaints that finds Chinese words.

PostgreSQL's full-text parser does not cut Chinese into words, and a trigram index cannot
serve the two-character words most searches are made of (退款, 质量). So each complaint
keeps `search_terms`: the n-grams of its text, written when it is filed.

- every run of Han characters gives its characters and its overlapping pairs
  ("质量问题" gives 质 量 问 题 质量 量问 问题);
- every run of ASCII letters and digits, lower-cased, gives its overlapping triples, or the
  whole run when shorter ("TB2024" gives tb2 b20 202 024).

A needle is cut the same way, keeping of its Han runs only the pairs that cover them (and a
lone character). Whenever the needle occurs in a text, every term of the needle
is a term of that text, so on PostgreSQL a GIN index over the terms narrows the candidates
and the exact, case-insensitive substring test then decides: the index changes the speed of a
search, never its results. A needle that gives no term (one letter, punctuation) is tested on
its own, without the index.

How a search runs depends on how common its needle is (share(), sampled across all cases):
- rare (under SEARCH_COMMON_SHARE, 1 %): the index finds the few cases first, and the page sorts
  them (_AmongFound), however far down the list's order they lie; the count counts them;
- common: the page walks the list's order and tests each case until the page is full, since
  building the index's bitmap of every candidate (a fifth of all cases for 质量问题) costs more
  than the walk; the count, capped, still narrows through the index (count_narrowing);
- very common (over very_common_share(): 7 % at 1,000,000 cases, more in a smaller table): the
  count also tests cases in the table's order until the cap is reached, which comes sooner than
  the bitmap is built.
The queue lists the highest priority first, and its head (safety complaints and above) is
written in other words than the rest: a word common elsewhere may be in none of the thousands
of cases the walk reads first. Where a word is rare among the head's first cases, the queue's
page takes the head's matches from the head's own index and walks only the rest (head_first).
A needle of Han characters only is tested without UPPER(): case folding leaves Han
characters as they are, and folding every description costs more than the test itself.
"""

import hashlib
import math
import re

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections, models
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan

from mediation import paging

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{HAN}]+|[a-z0-9]+")
HAN_ONLY = re.compile(rf"[{HAN}]+")
# How many cases, spread over the table, share() reads to tell how common a needle is.
SAMPLE_SIZE = 1000
# The texts a complaint is found by, in the order search_terms() is given them.
SEARCHED_FIELDS = ("case_number", "order_number", "title", "description")


class TermsField(models.TextField):
    """The terms, space-separated; on PostgreSQL stored as a tsvector (each term a lexeme as it
    is, no parser involved), so the index and each row's check read them without conversion."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_placeholder(self, value, compiler, connection):
        return "%s::tsvector" if connection.vendor == "postgresql" else "%s"

    def from_db_value(self, value, expression, connection):
        # PostgreSQL writes a tsvector back as 'term' 'term'; terms hold no quote or space.
        return value.replace("'", "") if value else value


def _terms(text: str, *, needle: bool = False) -> set[str]:
    terms: set[str] = set()
    for run in RUNS.findall(text.lower()):
        if run[0].isascii():
            if len(run) >= 3:
                terms.update(run[i : i + 3] for i in range(len(run) - 2))
            elif not needle:
                # A short run of a text is one whole term; a short run of a needle may be part
                # of a longer run of the text, so it is not looked up.
                terms.add(run)
        elif len(run) == 1 or not needle:
            terms.update(run)
            terms.update(run[i : i + 2] for i in range(len(run) - 1))
        else:
            # Pairs that cover the needle's characters, not overlapping but for the last: more
            # would only narrow what the exact test narrows anyway, and PostgreSQL, taking terms
            # as independent, would guess far too few matches for a common word and fetch all.
            starts = {*range(0, len(run) - 1, 2), len(run) - 2}
            terms.update(run[i : i + 2] for i in starts)
    return terms


def search_terms(*texts: str) -> str:
    """The stored terms of a complaint's texts (SEARCHED_FIELDS), space-separated."""
    terms: set[str] = set()
    for text in texts:
        terms |= _terms(text or "")
    return " ".join(sorted(terms))


def complaint_terms(complaint) -> str:
    return search_terms(*(getattr(complaint, field) for field in SEARCHED_FIELDS))


def needle_query(needle: str) -> str:
    """The tsquery every text holding the needle matches ('' when the needle gives no term)."""
    # Terms hold only ASCII letters, digits and Han characters: nothing to escape.
    return " & ".join(f"'{term}'" for term in sorted(_terms(needle, needle=True)))


def exact(needle: str) -> Q:
    """The exact test: the case or order number is the needle, or the title or description holds it
    (case-insensitively). Run as position() rather than LIKE '%...%': PostgreSQL guesses a LIKE
    matches 0.5 % of rows and would then fetch every row of a common word to sort them, instead of
    walking the list's order until a page is full."""
    if HAN_ONLY.fullmatch(needle):
        title, description, value = F("title"), F("description"), Value(needle)
    else:
        title, description, value = Upper("title"), Upper("description"), Value(needle.upper())
    held = Q(GreaterThan(StrIndex(title, value), 0)) | Q(GreaterThan(StrIndex(description, value), 0))
    return Q(case_number__iexact=needle) | Q(order_number=needle) | held


def share(needle: str, *, using: str = "default") -> float:
    """The share of cases holding the needle, among SAMPLE_SIZE cases spread over the table; kept in the cache
    SEARCH_SHARE_SECONDS (10 minutes) since the mix of words changes slowly."""
    key = "search-share:" + hashlib.sha256(needle.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        Complaint = apps.get_model("complaints", "Complaint")
        cases = Complaint.objects.using(using)
        bounds = cases.aggregate(first=models.Min("pk"), last=models.Max("pk"))
        step = max(1, ((bounds["last"] or 0) - (bounds["first"] or 0) + 1) // SAMPLE_SIZE)
        # Ids spread evenly over the whole table: the latest cases alone may all come from one
        # burst of look-alike filings and say nothing of how many index candidates a word has.
        spread = range(bounds["first"] or 0, (bounds["last"] or 0) + 1, step)[:SAMPLE_SIZE]
        sample = cases.filter(pk__in=list(spread))
        counts = sample.aggregate(cases=models.Count("pk"), holding=models.Count("pk", filter=exact(needle)))
        found = counts["holding"] / counts["cases"] if counts["cases"] else 0.0
        cache.set(key, found, getattr(settings, "SEARCH_SHARE_SECONDS", 600))
    return found


def very_common_share(queryset: QuerySet) -> float:
    """The share above which a capped count reads cases in the table's order rather than through
    the index. The scan reads about COUNT_CAP / share cases; the index's bitmap holds about
    share × cases candidates, each fetched and tested: the scan is the cheaper from about
    0.7 × sqrt(COUNT_CAP / cases) on. Measured at 1,000,000 cases (7 % there): 快递 (2 %) and
    价格 (5 %) count faster through the index (71 and 81 ms against 335 and 138 ms), 保修 (8 %)
    and 电话 (14 %) faster by the scan (68 and 41 ms against 139 and 128 ms;
    bench/results/search_plans.md). SEARCH_VERY_COMMON_SHARE, when set, decides instead."""
    configured = getattr(settings, "SEARCH_VERY_COMMON_SHARE", None)
    if configured is not None:
        return configured
    table = queryset.model._meta.db_table
    cases = cache.get(f"search-cases:{table}")
    if cases is None:
        with connections[queryset.db].cursor() as cursor:
            # The planner's own estimate of the table's rows: no count over a million rows.
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        cases = max(row[0] if row else 0, 1)
        cache.set(f"search-cases:{table}", cases, getattr(settings, "SEARCH_SHARE_SECONDS", 600))
    return min(1.0, 0.7 * math.sqrt(paging.COUNT_CAP / cases))


class _AmongFound(Func):
    """`pk = ANY(ARRAY(found))`: PostgreSQL computes `found` once, through the index, and guesses it
    holds few rows, so it fetches them and sorts them for the page. Written as `pk IN (found)` it
    would be free to walk the list's order instead, and for a rare word it walks most cases."""

    output_field = BooleanField()

    def __init__(self, found: QuerySet):
        super().__init__(F("pk"), Subquery(found.order_by().values("pk")))

    def as_sql(self, compiler, connection, **extra_context):
        (column, column_params), (found, found_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"{column} = ANY(ARRAY{found})", (*column_params, *found_params)


class _Indexed(Func):
    """The stored terms hold every term of the query: the test the GIN index "complaint_search_terms"
    serves (migration 0008)."""

    arg_joiner = " @@ "
    template = "%(expressions)s::tsquery"
    output_field = BooleanField()


def matching(queryset: QuerySet, needle: str, *, also: Q | None = None) -> QuerySet:
    """Complaints whose case number or order number is the needle, or whose text holds it; or
    that meet `also` (council staff find a caller's cases by their number or name)."""
    query = needle_query(needle)
    if not query or connections[queryset.db].vendor != "postgresql":
        return queryset.filter(exact(needle) | also if also else exact(needle))
    indexed = _Indexed(F("search_terms"), Value(query))
    found = share(needle, using=queryset.db)
    if found < getattr(settings, "SEARCH_COMMON_SHARE", 0.01):
        held = Q(_AmongFound(queryset.model._base_manager.using(queryset.db).filter(indexed, exact(needle))))
        return queryset.filter(held | also if also else held)
    if also:
        return queryset.filter(exact(needle) | also)
    queryset = queryset.filter(exact(needle))
    if found <= very_common_share(queryset):
        # Read by mediation.paging.CappedPaginator: the index narrows the count, not the page.
        queryset.query.count_narrowing = indexed
    queryset.query.walked_for = (needle, indexed)  # read by head_first()
    return queryset


# The head of the queue's order: cases whose priority is at least a safety complaint's
# (complaints.priority). They are few, and their texts are not the others' texts: 质量问题 is in a
# fifth of all cases and in almost none of the 30,000 safety cases at the top of a province's
# queue, which walking the queue's order would read one by one before the first match.
HEAD_PRIORITY = 40
# The first cases of the head read to tell how often a word occurs there.
HEAD_SAMPLE = 500
# Under this share of the head's first cases, the head's matches come from the head's own text
# index (migration 0023, "complaint_search_terms_head") rather than from the walk.
HEAD_RARE_SHARE = 0.01
QUEUE_ORDER = ("-priority", "filed_at", "pk")


class HeadFirst:
    """A list in the queue's order made of two parts: the head's matches, found through the
    head's text index and read by id, then the other cases' matches, walked in the list's order.
    The same cases in the same order as the one query it replaces (the head's priorities are
    all above the others')."""

    ordered = True

    def __init__(self, rows: QuerySet, head: list[int]):
        self.rows = rows
        self.head = head
        self.rest = rows.filter(priority__lt=HEAD_PRIORITY)

    def capped_count(self, cap: int) -> int:
        if len(self.head) >= cap:
            return cap
        return len(self.head) + paging.capped_count(self.rest, cap - len(self.head))

    def __getitem__(self, index: slice) -> list:
        start, stop = index.start or 0, index.stop
        found = []
        ids = self.head[start:stop]
        if ids:
            by_id = self.rows.in_bulk(ids)
            found = [by_id[pk] for pk in ids if pk in by_id]
        if stop is None or stop > len(self.head):
            rest_stop = None if stop is None else stop - len(self.head)
            found += list(self.rest[max(0, start - len(self.head)) : rest_stop])
        return found


def head_first(rows: QuerySet) -> QuerySet | HeadFirst:
    """The queue's rows for a text search, with the head's matches found through its own index
    when the word is rare there (HeadFirst); otherwise the rows as they are."""
    walked_for = getattr(rows.query, "walked_for", None)
    if walked_for is None or tuple(rows.query.order_by) != QUEUE_ORDER:
        return rows
    needle, indexed = walked_for
    if head_share(needle, using=rows.db) >= HEAD_RARE_SHARE:
        return rows
    candidates = rows.model._base_manager.using(rows.db).filter(indexed, priority__gte=HEAD_PRIORITY)
    head = rows.filter(_AmongFound(candidates), priority__gte=HEAD_PRIORITY).select_related(None)
    return HeadFirst(rows, list(head.values_list("pk", flat=True)[: paging.COUNT_CAP + 1]))


def head_share(needle: str, *, using: str = "default") -> float:
    """The share of the head's first HEAD_SAMPLE cases in the queue's order holding the needle
    (1.0 when the head is empty: nothing to gain); kept like share()."""
    key = "search-head-share:" + hashlib.sha256(needle.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        Complaint = apps.get_model("complaints", "Complaint")
        cases = Complaint.objects.using(using)
        first = cases.filter(priority__gte=HEAD_PRIORITY).order_by(*QUEUE_ORDER).values("pk")[:HEAD_SAMPLE]
        counts = cases.filter(pk__in=first).aggregate(
            cases=models.Count("pk"), holding=models.Count("pk", filter=exact(needle))
        )
        found = counts["holding"] / counts["cases"] if counts["cases"] else 1.0
        cache.set(key, found, getattr(settings, "SEARCH_SHARE_SECONDS", 600))
    return found
