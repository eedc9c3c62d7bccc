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
"""

import re

from django.db import connections, models
from django.db.models import BooleanField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex, Upper

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{HAN}]+|[a-z0-9]+")
# The texts a complaint is found by, in the order search_terms() is given them.
SEARCHED_FIELDS = ("case_number", "order_number", "title", "description")
# The column of the GIN index "complaint_search_terms" (migration 0008).
INDEXED = "complaints_complaint.search_terms"


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


def matching(queryset: QuerySet, needle: str) -> QuerySet:
    """Complaints whose case number or order number is the needle, or whose text holds it."""
    # The substring test as position() rather than LIKE '%...%': PostgreSQL guesses a LIKE
    # matches 0.5 % of rows, and with that guess it fetches every row of a common word
    # (质量问题 is in a fifth of all cases) to sort them, instead of walking the queue's
    # order until a page is full.
    upper = needle.upper()
    queryset = queryset.alias(
        _in_title=StrIndex(Upper("title"), Value(upper)), _in_description=StrIndex(Upper("description"), Value(upper))
    )
    exact = Q(case_number__iexact=needle) | Q(order_number=needle) | Q(_in_title__gt=0) | Q(_in_description__gt=0)
    query = needle_query(needle)
    if query and connections[queryset.db].vendor == "postgresql":
        queryset = queryset.filter(RawSQL(f"{INDEXED} @@ %s::tsquery", [query], output_field=BooleanField()))
    return queryset.filter(exact)
