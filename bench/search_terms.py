"""The words the page timings search for: the fixed ones, and three the loaded text gives.

Search costs what it costs because of how common its word is (complaints/search.py runs a word
in under 1 % of cases, one up to 15 % and a more common one three different ways), so the
words chosen from the data are the most frequent Han substrings of two to four characters
in a sample of complaint descriptions, one in each band of shares below. Not chosen:
substrings nearly every description holds (the closing formula "希望消委会帮助协调": a search
for it lists every case as the unfiltered queue does), and any that shares a character with
a fixed word or one chosen before, so the three are different words rather than pieces of one
phrase. Among equally frequent ones the longer wins, then the first in code-point order.
"""

import re
from collections import Counter

FIXED = ("退款", "质量问题")
# (lowest share, highest share) of the sample holding the word, one word per band.
BANDS = ((0.15, 0.9), (0.05, 0.15), (0.01, 0.05))
SAMPLE_ROWS = 3000
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def sample(cursor, complaints: int) -> list[str]:
    """About SAMPLE_ROWS descriptions from pages spread over the table, the same at each run."""
    percent = min(100.0, 100.0 * SAMPLE_ROWS / max(complaints, 1))
    cursor.execute("SELECT description FROM complaints_complaint TABLESAMPLE SYSTEM (%s) REPEATABLE (315)", [percent])
    return [row[0] for row in cursor.fetchall()]


def shares(texts: list[str]) -> dict[str, float]:
    """Each Han substring of two to four characters: the share of the texts holding it."""
    held: Counter[str] = Counter()
    for text in texts:
        found: set[str] = set()
        for run in HAN_RUN.findall(text or ""):
            for size in (2, 3, 4):
                found.update(run[i : i + size] for i in range(len(run) - size + 1))
        held.update(found)
    return {word: count / len(texts) for word, count in held.items()} if texts else {}


def choose(texts: list[str]) -> list[dict]:
    """One word per band (fewer when a band has none), with its share of the sample."""
    ranked = sorted(shares(texts).items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
    taken = set("".join(FIXED))
    chosen = []
    for low, high in BANDS:
        for word, share in ranked:
            if low <= share < high and not taken & set(word):
                chosen.append({"word": word, "share": round(share, 4), "band": [low, high]})
                taken |= set(word)
                break
    return chosen
