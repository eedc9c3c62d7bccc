"""Reference data: councils, staff, merchants and consumers, as rows and as what the case stories read."""

import datetime
import json
import random

from .clock import JOIN_DAY, UTC
from .database import LOADED
from .draws import cumulate, draw, pick
from .hubei import BRANDS, CITIES, MOBILE, ROADS, SECTORS, WORKING_DAY_CITIES, person_name


class Ref:
    """Everything the complaint generators read, built once in the main process (workers fork)."""

    def __init__(self, rng: random.Random, consumers: int, merchants: int, password: str) -> None:
        self.password = password
        self.now = datetime.datetime.now(UTC)
        self.rows: dict[str, list[tuple]] = {t: [] for t in LOADED}
        self.phones = self._phones(rng, consumers + 5 * merchants + 1000)
        self._councils(rng)
        self.next_user = 1
        self.named: dict[str, int] = {}
        self._staff(rng)
        self._merchants(rng, merchants)
        self._consumers(rng, consumers)

    @staticmethod
    def _phones(rng: random.Random, n: int) -> list[str]:
        return [f"{MOBILE[v // 10**8]}{v % 10**8:08d}" for v in rng.sample(range(len(MOBILE) * 10**8), n)]

    def _councils(self, rng: random.Random) -> None:
        self.councils = []  # (id, path, working_days, name, code)
        self.district_weights = []  # (council index, weight) of the councils merchants are in

        def add(code, name, parent, working):
            cid = len(self.councils) + 1
            path = (self.councils[parent - 1][1] if parent else "/") + f"{cid}/"
            self.councils.append((cid, path, working, name, code))
            self.rows["accounts_council"].append(
                (cid, f"{name}消费者委员会", code, path, "HB", working, 7, 7, 14, 15, 7, 7, 30, parent)
            )
            return cid

        self.province = add("420000", "湖北省", None, False)
        self.cities = {}
        for code, name, weight, districts in CITIES:
            city = add(code, name, self.province, code in WORKING_DAY_CITIES)
            self.cities[city] = name
            names = districts.split()
            if not names:
                self.district_weights.append((city, weight))
            for i, district in enumerate(names):
                working = code in WORKING_DAY_CITIES or rng.random() < 0.08
                did = add(f"{code[:4]}{i + 1:02d}", district, city, working)
                self.district_weights.append((did, weight * (2.0 if district.endswith("区") else 1.0) / len(names)))
        self.parent = {r[0]: r[13] for r in self.rows["accounts_council"]}

    def user(self, username: str, role: str, *, name: str, phone=None, council=None, merchant=None) -> int:
        uid = self.next_user
        self.next_user += 1
        joined = JOIN_DAY + datetime.timedelta(seconds=uid % 15_000_000)
        self.rows["accounts_user"].append(
            (uid, self.password, username, name, role, phone, council, merchant, joined.isoformat())
        )
        return uid

    def _staff(self, rng: random.Random) -> None:
        self.supervisors: dict[int, list[int]] = {}
        self.mediators: dict[int, list[int]] = {}
        wuhan = next(cid for cid, name in self.cities.items() if name == "武汉市")
        for cid, path, _working, _name, _code in self.councils:
            depth = path.count("/") - 1
            sups, meds = {1: (3, 4), 2: (2, 3), 3: (1, 1)}[depth]
            for role, count, pool in (("supervisor", sups, self.supervisors), ("mediator", meds, self.mediators)):
                for i in range(count):
                    username = f"{role[:3]}-{cid}-{i}"
                    if i == 0 and cid == self.province:
                        username = "bench-province" if role == "supervisor" else "bench-mediator"
                    elif i == 0 and cid == wuhan and role == "supervisor":
                        username = "bench-city"
                    uid = self.user(username, role, name=person_name(rng), council=cid)
                    pool.setdefault(cid, []).append(uid)
                    if username.startswith("bench-"):
                        self.named[username] = uid
        self.wuhan = wuhan

    def _merchants(self, rng: random.Random, count: int) -> None:
        from stdnum.cn.uscc import calc_check_digit

        sectors = {s: v[0] for s, v in SECTORS.items()}
        cum = list(cumulate(w for _c, w in self.district_weights))
        wuhan_districts = [c for c, _w in self.district_weights if self.parent.get(c) == self.wuhan]
        self.merchants = []  # (id, region, enrolled, sector, owner, agents, phones, name, status)
        codes = set()
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        for i in range(count):
            mid = i + 1
            # The first merchant is the big online shop of Wuhan the owner account of the benchmarks runs.
            region = rng.choice(wuhan_districts) if i == 0 else self.district_weights[draw(rng, cum)][0]
            sector = "ecommerce" if i == 0 else pick(rng, sectors)
            status = "enrolled" if i == 0 else pick(rng, {"enrolled": 80, "applied": 10, "suspended": 4, "refused": 6})
            city = self.councils[self.parent[region] - 1] if self.parent[region] != self.province else None
            place = self.councils[region - 1][3]
            short = (city[3] if city else place).removesuffix("市")[:2]
            words = SECTORS[sector][1].split()
            suffix = rng.choice(["有限公司", "有限公司", "有限责任公司", "店"])
            name = f"{short}{rng.choice(BRANDS)}{rng.choice(words)}{suffix}"
            while True:
                body = "92" if name.endswith("店") else "91"
                body += self.councils[region - 1][4] + "".join(rng.choice(alphabet) for _ in range(9))
                if body not in codes:
                    codes.add(body)
                    break
            uscc = body + calc_check_digit(body)
            phones = [self.phones.pop() for _ in range(rng.choice((1, 1, 2)))] if status == "enrolled" else []
            created = JOIN_DAY + datetime.timedelta(days=rng.uniform(0, 180))
            decided = created + datetime.timedelta(days=rng.uniform(1, 20))
            enrolled_at = decided if status in ("enrolled", "suspended") else None
            address = f"{city[3] if city else ''}{place}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
            self.rows["merchants_merchant"].append(
                (mid, name, uscc, region, address, json.dumps(phones), "", status, enrolled_at, created, sector)
            )
            owner, agents = None, []
            if status in ("enrolled", "suspended"):
                username = "bench-owner" if i == 0 else None
                phone = self.phones.pop()
                owner = self.user(username or phone, "merchant_owner", name=person_name(rng), phone=phone, merchant=mid)
                if i == 0:
                    self.named["bench-owner"] = owner
                for _ in range(rng.choice((0, 0, 0, 1, 2)) if i else 3):
                    phone = self.phones.pop()
                    agents.append(self.user(phone, "merchant_agent", name=person_name(rng), phone=phone, merchant=mid))
                decider = self.supervisors[self.province][0]
                self.rows["merchants_merchantdecision"].append((mid, "approved", decider, "", enrolled_at))
                if status == "suspended":
                    when = enrolled_at + datetime.timedelta(days=rng.uniform(200, 600))
                    reason = "多次逾期未答复投诉，暂停入驻。"
                    self.rows["merchants_merchantdecision"].append((mid, "suspended", decider, reason, when))
            elif status == "refused":
                reason = "营业执照信息与申请不符。"
                self.rows["merchants_merchantdecision"].append(
                    (mid, "refused", self.supervisors[self.province][0], reason, decided)
                )
            self.merchants.append((mid, region, status == "enrolled", sector, owner, agents, phones, name, status))
            if i == 0:
                district = region
        sup = self.supervisors[district][0]
        self.named["bench-district"] = sup
        self.rows["accounts_user"] = [
            r if r[0] != sup else (r[0], r[1], "bench-district", *r[3:]) for r in self.rows["accounts_user"]
        ]
        # A long tail: the merchant of rank r draws complaints in proportion to r^-0.7.
        # Merchants not on the platform are mostly small: they draw a third as many.
        weights = ((i + 1) ** -0.7 * (1.0 if m[2] else 0.3) for i, m in enumerate(self.merchants))
        self.merchant_cum = list(cumulate(weights))

    def _consumers(self, rng: random.Random, count: int) -> None:
        self.first_consumer = self.next_user
        self.consumer_phones = []
        for _ in range(count):
            phone = self.phones.pop()
            self.consumer_phones.append(phone)
            self.user(phone, "consumer", name=person_name(rng), phone=phone)
        applicants = iter(rng.sample(range(count), sum(1 for m in self.merchants if m[8] == "applied")))
        for m in self.merchants:
            if m[8] == "applied":
                when = JOIN_DAY + datetime.timedelta(days=rng.uniform(30, 900))
                self.rows["merchants_enrolmentapplicant"].append((m[0], self.first_consumer + next(applicants), when))

    def mediators_for(self, council: int) -> list[int]:
        found, c = [], council
        while c:
            found += self.mediators.get(c, [])
            c = self.parent[c]
        return found
