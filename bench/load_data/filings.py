"""What a consumer files (against whom, about what, in which words), and the story it starts."""

import datetime
import math
import random

from .clock import DAY, LOCAL
from .draws import draw, pick
from .hubei import BRANDS, PLATFORMS, SECTORS
from .phrases import BEHAVIOUR, CATEGORIES, CONSUMER_SAYS, DEMAND_MIX, DEMANDS, MERCHANT_SAYS, PROBLEMS, TITLES
from .stories import AC, AF, AM, CL, ST, UR, Generator, Story


def complaint_texts(rng: random.Random, filed: float, sector: str) -> dict:
    """Category, channel, amount, title and description of one filing against a merchant of `sector`."""
    category = pick(rng, CATEGORIES)
    product, prices = rng.choice(SECTORS[sector][2].split()).split(":")
    low, high = (float(x) for x in prices.split("-"))
    amount = round(math.exp(rng.uniform(math.log(low), math.log(high))), 2)
    channel = pick(rng, SECTORS[sector][3])
    platform = rng.choice(PLATFORMS[channel])
    demands = rng.choices([d for d, _w in DEMAND_MIX], [w for _d, w in DEMAND_MIX])[0]
    n = rng.randint(2, 30)
    title = rng.choice(TITLES[category]).format(p=product, n=n)
    day = datetime.datetime.fromtimestamp(filed - rng.uniform(1, 40) * DAY, LOCAL).date()
    where = f"{platform}上的店铺" if platform else "门店"
    paid = f"我于{day.year}年{day.month}月{day.day}日在{where}购买了{product}，支付{amount:.0f}元。"
    problem = rng.choice(PROBLEMS[category]).format(p=product, n=n)
    wanted = "，".join(DEMANDS[d] for d in demands if d in DEMANDS) or "要求商家给出合理解决方案"
    description = f"{paid}{problem}{rng.choice(BEHAVIOUR)}现{wanted}，希望消委会帮助协调。"
    order = ""
    if platform:
        digits = rng.choice((12, 16, 18, 19))
        order = f"{rng.getrandbits(64) % 10**digits:0{digits}d}"
    return {
        "category": category,
        "channel": channel,
        "platform": platform,
        "order_number": order,
        "amount": amount,
        "demands": demands,
        "title": title,
        "description": description,
        "purchase_date": day,
    }


SECTOR_WEIGHTS = {s: v[0] for s, v in SECTORS.items()}


def prepare_story(gen: Generator, cid: int, filed: float, habits: list[float]) -> Story:
    """Who files against whom, what about, and the story up to now."""
    rng, ref = gen.rng, gen.ref
    consumer = ref.first_consumer + int(len(ref.consumer_phones) * rng.random() ** 1.3)
    roll = rng.random()
    merchant = ref.merchants[draw(rng, ref.merchant_cum)] if roll < 0.93 else None
    if merchant is not None:
        council = merchant[1]
    else:
        council = ref.district_weights[draw(rng, gen.district_cum)][0] if roll < 0.985 else ref.province
    s = Story(gen, cid, filed, council, merchant)
    s.texts = complaint_texts(rng, filed, merchant[3] if merchant else pick(rng, SECTOR_WEIGHTS))
    s.consumer, s.amount, s.demands = consumer, s.texts["amount"], s.texts["demands"]
    if merchant is None:
        s.merchant_name = f"{rng.choice(BRANDS)}{rng.choice(['商行', '商贸有限公司', '网店', '经营部'])}"
        s.merchant_phone = ref.phones[cid % len(ref.phones)] if rng.random() < 0.4 else ""
    s.enrolled = merchant is not None and merchant[2]
    if s.enrolled:
        s.status, s.waiting = AM, "merchant"
        s.due = s.first_due = s.add_days(filed, 7)
        s.settle_by = s.add_days(filed, 14)
    else:
        s.status, s.waiting, s.due = UR, "council", s.add_days(filed, 7)
    s.event(filed, "filed", consumer, "consumer", "")
    gen.play(s, habits[merchant[0] - 1] if merchant else 0.9)
    return s


def fill_messages(gen: Generator, s: Story) -> None:
    """Parties' messages, so every case has three to eight timeline events."""
    rng = gen.rng
    target = rng.choice((3, 3, 4, 4, 5, 5, 6, 7, 8))
    end = s.closed_at if s.closed_at is not None else gen.now - 60
    while len(s.events) < target:
        when = s.filed + (end - s.filed) * rng.random()
        # The state at that moment is the one the last event before it left.
        before = [e for e in s.events if e[0] < when]
        status, due = before[-1][5], before[-1][9]
        if status == CL:
            break
        merchant_user = s.merchant[4] if s.merchant and s.merchant[4] and status in (AM, AC, ST, AF) else None
        if merchant_user and rng.random() < 0.4:
            actor, role, text = merchant_user, "merchant_owner", rng.choice(MERCHANT_SAYS["message"])
        else:
            actor, role, text = s.consumer, "consumer", rng.choice(CONSUMER_SAYS["message"])
        event = (when, "message", actor, role, status, status, text, {}, "parties", due)
        s.events.insert(len(before), event)
        # Keep times strictly increasing within the case.
        for j in range(1, len(s.events)):
            if s.events[j][0] <= s.events[j - 1][0]:
                s.events[j] = (s.events[j - 1][0] + 1.0, *s.events[j][1:])
