"""The deadline clock: calendar days, or working days on the official Chinese calendar
where the council chooses so."""

import datetime
import functools

import chinese_calendar
from django.utils import timezone


@functools.lru_cache(maxsize=4096)  # the calendar is fixed; a deadline asks about each of its days
def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the years the State Council has published: weekdays are working days.
        return day.weekday() < 5


def add_days(council, start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment `days` days after `start` in the council's way of counting."""
    if not council.working_days:
        return start + datetime.timedelta(days=days)
    return add_working_days(start, days)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment `days` working days after `start` on the official calendar, whatever the
    council counts its own deadlines in (a rule that names working days)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += datetime.timedelta(days=1)
        if is_working_day(timezone.localtime(moment).date()):
            remaining -= 1
    return moment
