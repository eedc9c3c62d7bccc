"""The loader's clock: time zones, the filing period, and when complaints are filed.

Times inside the loader are POSIX seconds (floats); rows get them as UTC timestamps."""

import datetime
import math
import random

from .draws import cumulate, draw

UTC = datetime.UTC
LOCAL = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has no daylight saving
FIRST_DAY, LAST_DAY = datetime.date(2024, 1, 1), datetime.date(2026, 11, 20)
JOIN_DAY = datetime.datetime(2023, 6, 1, tzinfo=UTC)
DAY, HOUR, MINUTE = 86400.0, 3600.0, 60.0


# --- when complaints are filed ------------------------------------------------------------------


def day_weight(day: datetime.date) -> float:
    """Filings per day, relative: 20 % more each year, peaks around 3.15, after 6.18 and 11.11."""
    weight = 1.2 ** ((day - FIRST_DAY).days / 365.0)
    for month, peak_day, height, width in ((3, 15, 2.2, 4.0), (6, 22, 0.9, 6.0), (11, 15, 1.6, 6.0)):
        distance = (day - datetime.date(day.year, month, peak_day)).days
        weight *= 1 + height * math.exp(-((distance / width) ** 2))
    if day.weekday() >= 5:
        weight *= 0.85
    return weight


HOURS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4.5, 6, 6.5, 6.5, 5.5, 5.5, 6, 6, 6, 5.5, 5, 5.5, 6, 5.5, 4, 2]


def filing_times(rng: random.Random, n: int) -> list[float]:
    days = [FIRST_DAY + datetime.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    day_cum = list(cumulate(day_weight(d) for d in days))
    hour_cum = list(cumulate(HOURS))
    start = datetime.datetime.combine(FIRST_DAY, datetime.time(), LOCAL).timestamp()
    times = [
        start + draw(rng, day_cum) * DAY + (draw(rng, hour_cum) + rng.random()) * HOUR + rng.random() * 0.001
        for _ in range(n)
    ]
    times.sort()
    return times
