"""Weighted draws from one seeded `random.Random` (the same seed draws the same data)."""

import bisect
import random


def pick(rng: random.Random, mix: dict):
    return rng.choices(list(mix), list(mix.values()))[0]


def cumulate(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def draw(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])
