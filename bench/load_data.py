"""Bulk-load a realistic data set for the benchmarks, through PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench \\
        .venv/bin/python bench/load_data.py --complaints 1000000 [--seed 315] [--workers 2]

The database (its name must contain "bench") is created when missing and migrated; the tables
the loader fills are emptied first, so a second run starts clean. What it loads:

- the Hubei council tree: the province, its 17 cities and 99 districts and counties (real names
  and administrative codes), with supervisors and mediators; Yichang, Enshi and a few districts
  count deadlines in working days on the official calendar;
- 5,000 merchants across the sectors (80 % enrolled, with an owner, SMS notice phones and
  sometimes agents; the rest applied, suspended or refused), with valid unified social credit
  codes; how many complaints a merchant draws follows a long tail;
- 300,000 consumers with unique mobile numbers (username = phone, as at sign-up);
- the complaints, filed from 2024-01-01 to 2026-11-20 (more every year, peaks around 15 March,
  after 6.18 and after 11.11), each played through the state machine of complaints/workflow.py
  on its own clock: deadlines computed as complaints/deadlines.py does, deadline moves made by
  "the job" minutes after a deadline passes, every move a timeline event hash-chained exactly as
  complaints/timeline.py does (complaints.integrity.verify_chain passes), overdue marks where a
  merchant let a deadline pass, the search terms of complaints/search.py, priority as
  complaints/priority.py scores it, case numbers as workflow.file_complaint gives them (and
  CaseSequence rows so new filings continue after them). Cases still running at load time are
  open, each in the state its story reached, with a few sent notices in the outbox;
- named accounts for the timing scripts, password "bench-password-315": bench-province,
  bench-city (the busiest city), bench-district (a district of it), bench-owner (owner of the
  merchant with most cases) and bench-mediator. Every other account has the same password.

The same seed gives the same data, except for what the moment of loading decides: a case is
open when its next move would come after that moment.

Speed: data is generated in worker processes (one per core) and copied by the main process in
one transaction that first truncates the tables, so COPY ... FREEZE writes rows already frozen
and visible to all (VACUUM then has nothing to do and index-only scans work at once). The
secondary indexes and unique constraints of the big tables are dropped before the copy and
rebuilt after it from the definitions read from the migrated database (two connections at
once, maintenance_work_mem raised), and the final set of indexes and constraints is checked
equal to the one migrations created. Foreign keys are kept; their per-row checks are skipped
during the copy (session_replication_role = replica) and the same checks are run afterwards as
one anti-join per key. Results: bench/results/load.json (rows per table, phase timings, size).
"""

import argparse
import bisect
import datetime
import io
import json
import math
import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mediation_bench"
PASSWORD = "bench-password-315"
CHUNK = 10_000  # complaints per generated batch (about 55,000 timeline events)
UTC = datetime.UTC
LOCAL = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has no daylight saving
FIRST_DAY, LAST_DAY = datetime.date(2024, 1, 1), datetime.date(2026, 11, 20)
JOIN_DAY = datetime.datetime(2023, 6, 1, tzinfo=UTC)
DAY, HOUR, MINUTE = 86400.0, 3600.0, 60.0
# Tables the loader fills, emptied first; and the big ones whose indexes are rebuilt after COPY.
LOADED = (
    "accounts_council",
    "accounts_user",
    "merchants_merchant",
    "merchants_enrolmentapplicant",
    "merchants_merchantdecision",
    "complaints_casesequence",
    "complaints_complaint",
    "complaints_complaintevent",
    "merchants_overduemark",
    "notifications_notification",
)
REBUILT = ("accounts_user", "complaints_complaint", "complaints_complaintevent")
DDL_TABLE = "bench_load_pending_ddl"

# --- the council tree: (administrative code, name, weight) per city, its districts after -------

CITIES = [
    (
        "420100",
        "武汉市",
        22.0,
        "江岸区 江汉区 硚口区 汉阳区 武昌区 青山区 洪山区 东西湖区 汉南区 蔡甸区 江夏区 黄陂区 新洲区",
    ),
    ("420200", "黄石市", 2.4, "黄石港区 西塞山区 下陆区 铁山区 阳新县 大冶市"),
    ("420300", "十堰市", 3.2, "茅箭区 张湾区 郧阳区 郧西县 竹山县 竹溪县 房县 丹江口市"),
    (
        "420500",
        "宜昌市",
        3.9,
        "西陵区 伍家岗区 点军区 猇亭区 夷陵区 远安县 兴山县 秭归县 长阳土家族自治县 五峰土家族自治县 "
        "宜都市 当阳市 枝江市",
    ),
    ("420600", "襄阳市", 5.3, "襄城区 樊城区 襄州区 南漳县 谷城县 保康县 老河口市 枣阳市 宜城市"),
    ("420700", "鄂州市", 1.1, "梁子湖区 华容区 鄂城区"),
    ("420800", "荆门市", 2.6, "东宝区 掇刀区 沙洋县 钟祥市 京山市"),
    ("420900", "孝感市", 4.3, "孝南区 孝昌县 大悟县 云梦县 应城市 安陆市 汉川市"),
    ("421000", "荆州市", 5.1, "沙市区 荆州区 公安县 江陵县 石首市 洪湖市 松滋市 监利市"),
    ("421100", "黄冈市", 5.8, "黄州区 团风县 红安县 罗田县 英山县 浠水县 蕲春县 黄梅县 麻城市 武穴市"),
    ("421200", "咸宁市", 2.6, "咸安区 嘉鱼县 通城县 崇阳县 通山县 赤壁市"),
    ("421300", "随州市", 2.0, "曾都区 随县 广水市"),
    ("422800", "恩施土家族苗族自治州", 3.4, "恩施市 利川市 建始县 巴东县 宣恩县 咸丰县 来凤县 鹤峰县"),
    ("429004", "仙桃市", 1.1, ""),
    ("429005", "潜江市", 0.9, ""),
    ("429006", "天门市", 1.1, ""),
    ("429021", "神农架林区", 0.1, ""),
]
WORKING_DAY_CITIES = {"420500", "422800"}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰飞鹏辉婷宇浩凯文斌晨欣怡佳雪梅琳瑶颖博航轩然思雨子涵俊峰"
)
MOBILE = (
    "134 135 136 137 138 139 147 150 151 152 157 158 159 178 182 183 187 188 198 "
    "130 131 132 155 156 166 175 176 185 186 133 153 173 177 180 181 189 199"
).split()
BRANDS = (
    "优品 汇通 鑫源 华联 佳美 恒信 金桥 楚天 江城 长江 荆楚 东湖 光谷 百川 万家 宏达 诚信 乐购 星辰 新世纪 "
    "盛世 福满 顺发 嘉禾 聚优 安居 康乐 美家 尚品 天和 泰和 瑞丰 合众 博雅 锦绣 金鼎 银河 凯旋 华美 好运来"
).split()
ROADS = "解放大道 中山大道 建设大道 发展大道 珞喻路 武珞路 沿江大道 人民路 建设路 胜利街 友谊路 文化路 光明路".split()
PLATFORMS = {
    "ecommerce": ["淘宝", "天猫", "京东", "拼多多", "唯品会", "苏宁易购"],
    "livestream": ["抖音", "快手", "淘宝直播", "视频号"],
    "social": ["微信小程序", "小红书", "朋友圈"],
    "food_delivery": ["美团外卖", "饿了么"],
    "offline": [""],
    "other": [""],
}
# sector: (weight, name words, products with a price range in CNY, channel mix)
SECTORS = {
    "retail": (
        20,
        "商贸 百货 服饰 超市",
        "羽绒服:300-2000 运动鞋:200-1500 化妆品:100-1500 奶粉:200-800 床垫:1000-6000 "
        "电动自行车:1800-4500 眼镜:300-2500",
        {"offline": 60, "ecommerce": 25, "livestream": 10, "social": 5},
    ),
    "ecommerce": (
        18,
        "电子商务 网络科技 电商",
        "连衣裙:80-600 保健品:150-1200 零食礼盒:50-300 护肤套装:200-2000 行李箱:200-900 "
        "扫地机器人:1200-3500 茶叶:100-2000",
        {"ecommerce": 65, "livestream": 25, "social": 10},
    ),
    "food_delivery": (6, "外卖 餐饮", "外卖套餐:25-120 奶茶:15-40 生日蛋糕:150-500", {"food_delivery": 100}),
    "catering": (
        12,
        "餐饮管理 酒楼 火锅",
        "餐费:100-3000 预付储值卡:500-5000 婚宴套餐:8000-50000",
        {"offline": 70, "food_delivery": 20, "social": 10},
    ),
    "electronics": (
        12,
        "电器 数码 家电",
        "手机:1500-8000 笔记本电脑:3500-12000 空调:2500-9000 冰箱:2000-8000 洗衣机:1500-5000 "
        "电视:2000-9000 空气炸锅:200-600 耳机:200-1800",
        {"offline": 40, "ecommerce": 40, "livestream": 20},
    ),
    "travel": (
        5,
        "旅行社 国际旅行社 酒店管理",
        "跟团游:1500-9000 机票:500-4000 酒店住宿:300-2500",
        {"ecommerce": 50, "offline": 40, "other": 10},
    ),
    "education": (
        7,
        "教育科技 培训学校 文化传播",
        "培训课程:2000-30000 考证辅导:1500-9000 少儿英语课:5000-20000",
        {"offline": 60, "social": 20, "other": 20},
    ),
    "services": (
        15,
        "家政服务 美容美发 装饰工程 健身",
        "美容卡:1000-20000 健身年卡:1500-6000 家装工程:20000-150000 家政服务:200-1500 洗车卡:300-2000",
        {"offline": 80, "social": 10, "other": 10},
    ),
    "other": (
        5,
        "商行 经营部",
        "二手车:20000-150000 宠物:800-8000 家具:1500-12000",
        {"offline": 55, "ecommerce": 30, "other": 15},
    ),
}
CATEGORIES = {"quality": 30, "after_sales": 24, "contract": 9, "delivery": 8, "false_advertising": 7, "price": 6}
CATEGORIES |= {"safety": 3, "personal_info": 2, "other": 11}
TITLES = {
    "quality": [
        "{p}存在质量问题",
        "{p}使用不到{n}天就坏了",
        "刚买的{p}出现故障",
        "{p}质量问题，要求退货",
        "{p}做工粗糙开裂",
    ],
    "after_sales": [
        "{p}售后推诿，拒不退款",
        "申请退款{n}天未处理",
        "{p}保修期内拒绝维修",
        "退货后商家不退款",
        "{p}售后服务态度恶劣",
    ],
    "false_advertising": [
        "{p}虚假宣传，实物与描述不符",
        "直播间虚假宣传{p}",
        "{p}宣传功效与实际不符",
        "商家虚假宣传诱导消费",
    ],
    "price": ["{p}价格欺诈，先涨后降", "结账时多收费用", "{p}标价与实际收费不一致", "优惠券不能使用，价格不符"],
    "delivery": ["{p}迟迟不发货", "快递丢件商家不处理", "{p}送货延误{n}天", "收到的{p}破损"],
    "contract": ["预付卡商家拒绝退费", "{p}合同存在霸王条款", "商家单方面变更合同", "{p}定金不退"],
    "personal_info": ["个人信息被泄露，频繁接到骚扰电话", "商家未经同意收集个人信息", "购买{p}后信息被泄露"],
    "safety": ["{p}存在安全隐患", "{p}使用中冒烟起火", "{p}导致人身伤害", "食用{p}后身体不适"],
    "other": ["{p}相关纠纷", "对{p}的服务不满意", "{p}消费纠纷"],
}
PROBLEMS = {
    "quality": [
        "收到后发现{p}有明显的质量问题，",
        "使用{n}天后{p}就无法正常使用，经检测属于质量问题，",
        "{p}多处开裂、做工粗糙，",
        "{p}频繁故障，维修后仍未解决，",
    ],
    "after_sales": [
        "申请售后后商家一直推诿，",
        "客服称已过七天无理由退货期，拒绝处理，",
        "商家同意退货但收到退货后一直不退款，",
        "保修期内要求维修，商家以人为损坏为由拒绝，",
    ],
    "false_advertising": [
        "商家宣传的功能与实际严重不符，属于虚假宣传，",
        "直播间宣称正品保证，收到的却是仿冒品，",
        "页面宣传的材质与实物不符，",
    ],
    "price": [
        "下单后商品价格大幅下降，商家拒绝补差价，",
        "实际收费比标价高出{n}元，",
        "商家先提价后打折，涉嫌价格欺诈，",
    ],
    "delivery": ["付款后商家迟迟不发货，", "物流显示已签收但本人并未收到，", "收到的{p}外包装破损，商品损坏，"],
    "contract": [
        "办理预付卡后门店停业，剩余金额无法使用，",
        "合同中约定的服务内容未履行，",
        "商家以格式条款为由拒绝退还定金，",
    ],
    "personal_info": ["购买后频繁接到推销电话，怀疑个人信息被泄露，", "商家要求提供与交易无关的个人信息，"],
    "safety": [
        "{p}在正常使用中突然冒烟，存在严重安全隐患，",
        "使用{p}后出现过敏等不适症状，",
        "{p}电源线发热起火，险些造成事故，",
    ],
    "other": ["与商家就{p}产生纠纷，", "商家服务与约定不符，"],
}
BEHAVIOUR = [
    "联系客服多次，对方一直推脱。",
    "商家承诺三天内答复，至今没有消息。",
    "商家电话无人接听，在线客服也不回复。",
    "客服态度恶劣，拒绝解决问题。",
    "平台介入后仍未处理。",
    "商家只同意部分补偿，本人无法接受。",
    "",
]
DEMANDS = {
    "refund": "要求全额退款",
    "return": "要求退货退款",
    "exchange": "要求更换新品",
    "repair": "要求免费维修",
    "compensation": "要求依法赔偿损失",
    "apology": "要求商家赔礼道歉",
}
DEMAND_MIX = [(["refund"], 22), (["return", "refund"], 10), (["exchange"], 14), (["repair"], 12)]
DEMAND_MIX += [(["refund", "compensation"], 8), (["compensation"], 14), (["apology"], 6), (["other"], 14)]
CONSUMER_SAYS = {
    "message": [
        "请尽快处理，谢谢。",
        "已上传购买凭证和聊天截图。",
        "商家电话一直打不通，请帮忙催促。",
        "补充一下订单信息。",
    ],
    "reject": ["商家的方案不合理，只同意退一半。", "没有解决问题，仍要求全额退款。", "维修后问题依旧，要求退货。"],
    "mediation": ["与商家协商无果，申请消委会调解。", "商家不回应，请求调解。"],
    "withdraw": ["已与商家私下协商解决，撤回投诉。", "", "问题已解决。"],
    "dispute": ["商家说已退款，但我没有收到。", "承诺的换货至今未发出。"],
    "rate": ["处理及时，满意。", "", "问题解决了，感谢消委会。", "商家态度一般，但问题解决了。", "等待时间太长。"],
}
MERCHANT_SAYS = {
    "offer": "非常抱歉给您带来不便，我们同意{r}，将尽快为您办理。",
    "decline": [
        "经核实商品不存在质量问题，无法办理退款。",
        "已超过售后期限，无法处理。",
        "该问题属于人为损坏，不在保修范围内。",
    ],
    "message": ["已联系消费者，正在核实情况。", "已安排售后人员上门检测。", "请消费者提供订单截图。"],
    "fulfil": [
        "款项已原路退回，请注意查收。",
        "已上门更换新品。",
        "维修已完成，交回消费者。",
        "赔偿款已通过转账支付。",
    ],
}
REMEDY_WORDS = {
    "refund": "退款",
    "return": "退货退款",
    "exchange": "换货",
    "repair": "免费维修",
    "compensation": "赔偿",
}
STAFF_SAYS = {
    "review_reject": [
        "不属于消费者权益争议范围，建议向法院起诉。",
        "投诉对象信息不全，无法受理。",
        "已超过投诉时效，不予受理。",
    ],
    "agreement": [
        "经调解，双方同意商家退款{a}元。",
        "经调解，商家同意更换新品并赔偿{a}元。",
        "双方达成和解，商家负责维修。",
    ],
    "failure": ["商家拒绝调解方案，双方分歧较大。", "消费者诉求过高，调解未能达成一致。"],
    "note": ["已电话联系双方，约定本周内调解。", "商家负责人答复将配合处理。"],
}


def pick(rng: random.Random, mix: dict):
    return rng.choices(list(mix), list(mix.values()))[0]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


# --- reference data: councils, staff, merchants, consumers ------------------------------------


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
        cum = list(_cumulate(w for _c, w in self.district_weights))
        wuhan_districts = [c for c, _w in self.district_weights if self.parent.get(c) == self.wuhan]
        self.merchants = []  # (id, region, enrolled, sector, owner, agents, phones, name, status)
        codes = set()
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        for i in range(count):
            mid = i + 1
            # The first merchant is the big online shop of Wuhan the owner account of the benchmarks runs.
            region = rng.choice(wuhan_districts) if i == 0 else self.district_weights[_draw(rng, cum)][0]
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
        self.merchant_cum = list(_cumulate(weights))

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


def _cumulate(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def _draw(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


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
    day_cum = list(_cumulate(day_weight(d) for d in days))
    hour_cum = list(_cumulate(HOURS))
    start = datetime.datetime.combine(FIRST_DAY, datetime.time(), LOCAL).timestamp()
    times = [
        start + _draw(rng, day_cum) * DAY + (_draw(rng, hour_cum) + rng.random()) * HOUR + rng.random() * 0.001
        for _ in range(n)
    ]
    times.sort()
    return times


# --- one complaint's story through the state machine --------------------------------------------

AM, AC, UR, IM = "awaiting_merchant", "awaiting_consumer", "under_review", "in_mediation"
ST, AF, CL = "settled", "awaiting_confirmation", "closed"


class Digestable:
    """The attributes complaints.timeline.event_digest reads from an event."""

    __slots__ = ("complaint_id", "kind", "actor_id", "actor_role", "from_status", "to_status", "message")
    __slots__ += ("data", "visibility", "created_at")


class Story:
    """A complaint's fields and timeline as complaints/workflow.py would have left them at `now`."""

    def __init__(self, gen: "Generator", cid: int, filed: float, council: int, merchant) -> None:
        self.gen, self.id, self.council, self.merchant = gen, cid, council, merchant
        self.working = gen.ref.councils[council - 1][2]
        self.t = self.filed = filed
        self.events: list[tuple] = []  # (time, kind, actor, role, from, to, message, data, visibility, due)
        self.status, self.waiting, self.due, self.settle_by = "", "", None, None
        self.round, self.offer, self.agreement, self.outcome = 1, None, None, ""
        self.first_response = self.settled_at = self.closed_at = self.reminder = self.first_due = None
        self.mediator = self.agent = self.satisfaction = None
        self.comment, self.overdue, self.marks = "", False, []
        # What was filed (set by _prepare): the consumer, the texts, the merchant named when unknown.
        self.consumer, self.texts, self.amount, self.demands, self.enrolled = 0, {}, 0.0, [], False
        self.merchant_name = self.merchant_phone = ""

    # the clock, as complaints/deadlines.add_days counts it
    def add_days(self, start: float, days: int) -> float:
        if not self.working:
            return start + days * DAY
        moment, remaining = start, days
        while remaining > 0:
            moment += DAY
            if self.gen.working_day(int((moment + 8 * HOUR) // DAY)):
                remaining -= 1
        return moment

    def mark(self, stage: str, when: float) -> None:
        """merchants.OverdueMark: once per case and stage (the job's get_or_create)."""
        if all(stage != s for s, _t in self.marks):
            self.marks.append((stage, when))

    def event(self, when, kind, actor, role, frm, message="", data=None, visibility="parties"):
        if self.events and when <= self.events[-1][0]:
            when = self.events[-1][0] + 1.0
        self.t = when
        self.events.append((when, kind, actor, role, frm, self.status, message, data or {}, visibility, self.due))

    def move(self, when, to, kind, actor, role, *, waiting="", days=0, due=None, message="", data=None, outcome=""):
        frm, self.status, self.waiting, self.overdue = self.status, to, waiting, False
        self.due = self.add_days(when, days) if days else due
        if to == CL:
            self.outcome, self.closed_at, self.waiting, self.due = outcome, when, "", None
        self.event(when, kind, actor, role, frm, message, data)


class Generator:
    """Plays the stories of one batch of complaints; every draw comes from one seeded Random."""

    def __init__(self, ref: Ref, rng: random.Random, now: float) -> None:
        self.ref, self.rng, self.now = ref, rng, now
        self._workdays: dict[int, bool] = {}
        self.district_cum = list(_cumulate(w for _c, w in ref.district_weights))
        self.handlers = {
            AM: self.merchant_answers,
            AC: self.consumer_decides,
            UR: self.council_reviews,
            IM: self.mediation,
            ST: self.fulfilment,
            AF: self.confirmation,
        }

    def working_day(self, days_since_epoch: int) -> bool:
        found = self._workdays.get(days_since_epoch)
        if found is None:
            from complaints.deadlines import is_working_day

            day = datetime.date(1970, 1, 1) + datetime.timedelta(days=days_since_epoch)
            found = self._workdays[days_since_epoch] = is_working_day(day)
        return found

    def jitter(self) -> float:
        """The deadline job runs every few minutes: a deadline move comes a little after the deadline."""
        return self.rng.uniform(30, 600)

    def delay(self, low_hours: float, high_hours: float) -> float:
        return math.exp(self.rng.uniform(math.log(low_hours), math.log(high_hours))) * HOUR

    def play(self, s: Story, habit: float) -> None:
        """Each state's handler makes the party's move (when it comes before the deadline and
        before now) or the deadline move the job makes, and says whether the case moved on; a case
        whose next move lies after `now` stays open where it is."""
        rng = self.rng
        while s.status != CL:
            if not self.handlers[s.status](s, habit):
                return
        if s.outcome in ("resolved", "not_settled") and rng.random() < 0.42:
            when = s.t + self.delay(0.2, 72)
            if when < self.now:
                weights = (55, 25, 10, 5, 5) if s.outcome == "resolved" else (10, 15, 25, 25, 25)
                score = rng.choices((5, 4, 3, 2, 1), weights)[0]
                s.satisfaction, s.comment = score, rng.choice(CONSUMER_SAYS["rate"])
                s.event(when, "rated", s.consumer, "consumer", CL, s.comment, {"score": score})

    def _next(self, s: Story, party_at: float | None) -> tuple[str, float]:
        """What comes first: ("party", t), ("due", t), ("settle", t), or ("wait", now)."""
        options = [(s.due, "due")]
        if party_at is not None:
            options.append((party_at, "party"))
        if s.settle_by is not None and s.status in (AM, AC):
            options.append((s.settle_by, "settle"))
        when, what = min(options)
        if when >= self.now:
            return "wait", self.now
        if what != "party":
            when = min(when + self.jitter(), self.now - 1)
        return what, when

    def _escalate(self, s: Story, when: float, kind: str, actor=None, role="system", message="", data=None) -> None:
        waiting = "mediator" if s.mediator else "council"
        s.move(when, IM, kind, actor, role, waiting=waiting, days=30, message=message, data=data)

    def _withdraw(self, s: Story, when: float) -> None:
        message = self.rng.choice(CONSUMER_SAYS["withdraw"])
        s.move(when, CL, "withdrawn", s.consumer, "consumer", message=message, outcome="withdrawn")

    def _merchant_user(self, s: Story) -> tuple[int, str]:
        return (s.agent, "merchant_agent") if s.agent else (s.merchant[4], "merchant_owner")

    def merchant_answers(self, s: Story, habit: float) -> bool:
        rng = self.rng
        answers = rng.random() < habit
        party_at = s.t + self.delay(3, 120 if habit > 0.9 else 160) if answers else None
        what, when = self._next(s, party_at)
        if when > s.due - 24 * HOUR:
            s.reminder = s.due  # the job reminded the merchant a day before its deadline
        if what == "wait":
            return False
        if what == "settle":
            self._escalate(s, when, "settlement_deadline_passed")
            return True
        if what == "due":
            s.mark("answer", when)
            self._escalate(s, when, "merchant_deadline_passed")
            return True
        if s.agent is None and s.merchant[5] and rng.random() < 0.3:
            s.agent = rng.choice(s.merchant[5])
            data = {"agent": s.agent, "agent_name": self.name_of(s.agent)}
            assigned = s.t + (when - s.t) * rng.uniform(0.05, 0.5)
            s.event(assigned, "agent_assigned", s.merchant[4], "merchant_owner", s.status, "", data, "merchant_staff")
        actor, role = self._merchant_user(s)
        if rng.random() < 0.9:
            remedy = next((d for d in s.demands if d in REMEDY_WORDS), "refund")
            amount = s.amount if remedy in ("refund", "return") else s.amount * rng.uniform(0.1, 0.5)
            due_date = None
            if rng.random() < 0.35:
                local = datetime.datetime.fromtimestamp(when, LOCAL).date()
                due_date = (local + datetime.timedelta(days=rng.randint(1, 10))).isoformat()
            message = MERCHANT_SAYS["offer"].format(r=REMEDY_WORDS[remedy])
            offer = {"kind": "offer", "remedy": remedy, "amount": f"{amount:.2f}", "due_date": due_date}
        else:
            message = rng.choice(MERCHANT_SAYS["decline"])
            offer = {"kind": "decline", "remedy": None, "amount": None, "due_date": None}
        s.offer = {**offer, "round": s.round, "message": message}
        if s.first_response is None:
            s.first_response = when
        s.move(when, AC, "responded", actor, role, waiting="consumer", days=7, message=message, data=s.offer)
        return True

    def consumer_decides(self, s: Story, habit: float) -> bool:
        rng = self.rng
        if s.offer["kind"] == "offer":
            mix = {"accept": 94.6, "reject": 3, "mediation": 1.2, "withdraw": 0.5, "silent": 0.7}
        else:
            mix = {"reject": 55, "mediation": 38, "withdraw": 4, "silent": 3}
        choice = pick(rng, mix)
        what, when = self._next(s, None if choice == "silent" else s.t + self.delay(3, 150))
        if what == "wait":
            return False
        if what == "settle":
            self._escalate(s, when, "settlement_deadline_passed")
        elif what == "due":
            s.move(when, CL, "consumer_deadline_passed", None, "system", outcome="no_reply")
        elif choice == "accept":
            self.settle(s, when, "accepted", s.consumer, "consumer", {**s.offer, "source": "offer"}, "")
        elif choice == "reject":
            message = rng.choice(CONSUMER_SAYS["reject"])
            if s.round >= 3:
                self._escalate(s, when, "rejected", s.consumer, "consumer", message, {"round": s.round})
            else:
                s.round += 1
                s.offer = None
                data = {"round": s.round}
                s.move(
                    when, AM, "rejected", s.consumer, "consumer", waiting="merchant", days=7, message=message, data=data
                )
        elif choice == "mediation":
            self._escalate(
                s, when, "mediation_requested", s.consumer, "consumer", rng.choice(CONSUMER_SAYS["mediation"])
            )
        else:
            self._withdraw(s, when)
        return True

    def settle(self, s: Story, when: float, kind: str, actor, role, agreement: dict, message: str) -> None:
        due, days = None, 15
        if agreement.get("due_date"):
            day = datetime.date.fromisoformat(agreement["due_date"])
            promised = datetime.datetime.combine(day, datetime.time(23, 59, 59), LOCAL).timestamp()
            if promised > when:
                due, days = promised, 0
        s.agreement, s.settled_at = agreement, when
        s.move(when, ST, kind, actor, role, waiting="merchant", days=days, due=due, message=message, data=agreement)

    def _staff_late(self, s: Story, party_at: float) -> None:
        """A staff deadline that passes before the staff act marks the case overdue, once per state."""
        if not s.overdue and s.due < min(party_at, self.now):
            s.overdue = True
            when = min(s.due + self.jitter(), self.now - 1)
            s.event(when, "staff_deadline_passed", None, "system", s.status, visibility="staff")

    def council_reviews(self, s: Story, habit: float) -> bool:
        rng = self.rng
        party_at = s.t + self.delay(2, 260)
        self._staff_late(s, party_at)
        if party_at >= self.now:
            return False
        supervisor = self.supervisor_for(s)
        roll = rng.random()
        if roll < 0.01:
            self._withdraw(s, party_at)
        elif roll < 0.93:
            s.move(party_at, IM, "review_accepted", supervisor, "supervisor", waiting="council", days=30)
        else:
            reason = rng.choice(STAFF_SAYS["review_reject"])
            s.move(party_at, CL, "review_rejected", supervisor, "supervisor", message=reason, outcome="rejected")
        return True

    def mediation(self, s: Story, habit: float) -> bool:
        rng = self.rng
        if s.mediator is None:
            party_at = s.t + self.delay(1, 120)
            self._staff_late(s, party_at)
            if party_at >= self.now:
                return False
            s.mediator = rng.choice(self.ref.mediators_for(s.council))
            s.waiting = "mediator"
            data = {"mediator": s.mediator, "mediator_name": self.name_of(s.mediator)}
            s.event(party_at, "mediator_assigned", self.supervisor_for(s), "supervisor", s.status, data=data)
            return True
        party_at = s.t + self.delay(24, 960)
        if rng.random() < 0.3:
            note_at = s.t + (min(party_at, s.due, self.now) - s.t) * rng.random()
            note = rng.choice(STAFF_SAYS["note"])
            s.event(note_at, "message", s.mediator, "mediator", s.status, note, visibility="staff")
        self._staff_late(s, party_at)
        if party_at >= self.now:
            return False
        roll = rng.random()
        if roll < 0.015:
            self._withdraw(s, party_at)
        elif roll < 0.96:
            message = rng.choice(STAFF_SAYS["agreement"]).format(a=f"{s.amount:.0f}")
            agreement = {"source": "mediation", "message": message}
            self.settle(s, party_at, "agreement_recorded", s.mediator, "mediator", agreement, message)
        else:
            data = {"advice": rng.choice(("12315", "arbitration", "court"))}
            message = rng.choice(STAFF_SAYS["failure"])
            s.move(
                party_at,
                CL,
                "mediation_failed",
                s.mediator,
                "mediator",
                message=message,
                data=data,
                outcome="not_settled",
            )
        return True

    def fulfilment(self, s: Story, habit: float) -> bool:
        rng = self.rng
        on_platform = s.merchant is not None and s.merchant[8] == "enrolled"
        # Most merchants carry a settlement out in time (by the date they promised, or within the
        # council's fulfilment period); careless ones less often.
        does = rng.random() < (0.98 if habit > 0.9 else 0.88)
        what, when = self._next(s, s.t + (s.due - s.t) * rng.betavariate(1.5, 3) if does else None)
        if what == "wait":
            return False
        if what == "due":
            if s.merchant is not None:
                s.mark("fulfilment", when)
            self._escalate(s, when, "fulfilment_deadline_passed")
            return True
        if on_platform:
            actor, role = self._merchant_user(s)
        else:
            # A merchant that is not on the platform: the mediator records that it was carried out.
            actor, role = s.mediator or rng.choice(self.ref.mediators_for(s.council)), "mediator"
            s.mediator = actor
        message = rng.choice(MERCHANT_SAYS["fulfil"])
        s.move(when, AF, "fulfilled", actor, role, waiting="consumer", days=7, message=message)
        return True

    def confirmation(self, s: Story, habit: float) -> bool:
        rng = self.rng
        choice = pick(rng, {"confirm": 98.5, "dispute": 0.5, "silent": 1.0})
        what, when = self._next(s, None if choice == "silent" else s.t + self.delay(12, 160))
        if what == "wait":
            return False
        if what == "due":
            s.move(when, CL, "confirmation_deadline_passed", None, "system", outcome="unconfirmed")
        elif choice == "confirm":
            s.move(when, CL, "confirmed", s.consumer, "consumer", outcome="resolved")
        else:
            self._escalate(s, when, "disputed", s.consumer, "consumer", rng.choice(CONSUMER_SAYS["dispute"]))
        return True

    def supervisor_for(self, s: Story) -> int:
        c = s.council
        while c not in self.ref.supervisors:
            c = self.ref.parent[c]
        return self.rng.choice(self.ref.supervisors[c])

    def name_of(self, uid: int) -> str:
        return self.ref.rows["accounts_user"][uid - 1][3]


# --- one batch: complaints, timelines, marks and notices as COPY text ---------------------------


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _ts(t: float | None) -> str:
    return "\\N" if t is None else datetime.datetime.fromtimestamp(t, UTC).isoformat()


def _null(v) -> str:
    return "\\N" if v is None else str(v)


def _json(v) -> str:
    if not v:
        return "\\N" if v is None else ("{}" if isinstance(v, dict) else "[]")
    return _esc(json.dumps(v, ensure_ascii=False, separators=(", ", ": ")))


STATE = {}  # set in the main process before the workers fork


def make_batch(k: int) -> dict:
    """Complaints [k*CHUNK, (k+1)*CHUNK) of the plan, as COPY text (UTF-8) for each table."""
    from complaints.search import SEARCHED_FIELDS, search_terms
    from complaints.timeline import event_digest

    ref, times, numbers, seed = STATE["ref"], STATE["times"], STATE["numbers"], STATE["seed"]
    gen = Generator(ref, random.Random(f"{seed}:batch:{k}"), ref.now.timestamp())
    first, last = k * CHUNK, min((k + 1) * CHUNK, len(times))
    complaints, events, marks, notices, held = [], [], [], [], []
    stats: Counter = Counter()
    digestable = Digestable()
    for i in range(first, last):
        cid, case_number = i + 1, numbers[i]
        s = _prepare(gen, cid, times[i], STATE["habits"])
        _fill_messages(gen, s)
        texts = {**s.texts, "case_number": case_number}
        # The same arguments complaints.search.complaint_terms gives it when a case is filed.
        terms = search_terms(*(texts[field] for field in SEARCHED_FIELDS))
        stats[s.status] += 1
        stats[f"outcome:{s.outcome}"] += 1
        for word in ("退款", "质量问题", "虚假宣传"):
            stats[f"text:{word}"] += word in texts["title"] or word in texts["description"]
        prev = ""
        digestable.complaint_id = cid
        for when, kind, actor, role, frm, to, message, data, visibility, _due in s.events:
            created = datetime.datetime.fromtimestamp(when, UTC)
            digestable.kind, digestable.actor_id, digestable.actor_role = kind, actor, role
            digestable.from_status, digestable.to_status, digestable.message = frm, to, message
            digestable.data, digestable.visibility, digestable.created_at = data, visibility, created
            digest = event_digest(digestable, prev)
            events.append(
                f"{kind}\t{role}\t{frm}\t{to}\t{_esc(message)}\t{_json(data)}\t{visibility}\t{created.isoformat()}\t"
                f"{_null(actor)}\t{cid}\t{digest}\t{prev}\tf\n"
            )
            prev = digest
        for stage, when in s.marks:
            marks.append(f"{stage}\t{_ts(when)}\t{cid}\t{s.merchant[0]}\n")
        fields, reasons = _complaint_fields(ref, s, texts, terms)
        if s.status == CL:
            complaints.append("\t".join(fields) + "\n")
        else:
            notices.append(_notice_plan(ref, s, case_number, len(events) - len(s.events)))
            held.append((s.merchant[0] if s.merchant else None, fields, reasons))
    return {
        "complaints": "".join(complaints).encode(),
        "open": held,
        "events": "".join(events).encode(),
        "n_events": len(events),
        "marks": "".join(marks).encode(),
        "notices": notices,
        "stats": stats,
        "count": last - first,
    }


def _texts(rng: random.Random, filed: float, sector: str) -> dict:
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


def _prepare(gen: Generator, cid: int, filed: float, habits: list[float]) -> Story:
    """Who files against whom, what about, and the story up to now."""
    rng, ref = gen.rng, gen.ref
    consumer = ref.first_consumer + int(len(ref.consumer_phones) * rng.random() ** 1.3)
    roll = rng.random()
    merchant = ref.merchants[_draw(rng, ref.merchant_cum)] if roll < 0.93 else None
    if merchant is not None:
        council = merchant[1]
    else:
        council = ref.district_weights[_draw(rng, gen.district_cum)][0] if roll < 0.985 else ref.province
    s = Story(gen, cid, filed, council, merchant)
    s.texts = _texts(rng, filed, merchant[3] if merchant else pick(rng, SECTOR_WEIGHTS))
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


def _fill_messages(gen: Generator, s: Story) -> None:
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


def _priority(s: Story, texts: dict, now: float) -> list[str]:
    """complaints.priority.priority_of, less repeat_merchant (set after the load, over all open cases)."""
    reasons = []
    if texts["category"] == "safety":
        reasons.append("safety")
    if s.status != CL and (s.overdue or (s.due is not None and s.due < now)):
        reasons.append("overdue")
    if texts["amount"] > 5000:
        reasons.append("amount")
    if texts["channel"] == "livestream":
        reasons.append("livestream")
    return reasons


POINTS = {"safety": 40, "overdue": 30, "amount": 20, "repeat_merchant": 15, "livestream": 10}
PRIORITY_FIELD = 17  # the place of `priority` in the row; `priority_reasons` follows


def open_complaint_lines(held: list[tuple]) -> str:
    """The open complaints, with complaints.priority's repeat_merchant rule applied: the merchant
    has at least 3 open complaints. The rule counts every open case, so it waits for the last batch."""
    open_per_merchant = Counter(merchant for merchant, _fields, _reasons in held if merchant is not None)
    lines = []
    for merchant, fields, reasons in held:
        if merchant is not None and open_per_merchant[merchant] >= 3:
            reasons = [r for r in POINTS if r in reasons or r == "repeat_merchant"]
            fields[PRIORITY_FIELD] = str(sum(POINTS[r] for r in reasons))
            fields[PRIORITY_FIELD + 1] = _json(reasons)
        lines.append("\t".join(fields) + "\n")
    return "".join(lines)


def _complaint_fields(ref: Ref, s: Story, texts: dict, terms: str) -> tuple[list[str], list[str]]:
    """The COPY fields of the complaint row, and its priority reasons (PRIORITY_FIELD and the next)."""
    reasons = _priority(s, texts, ref.now.timestamp())
    merchant = s.merchant
    fields = (
        s.id,
        texts["case_number"],
        _esc(s.merchant_name),
        s.merchant_phone,
        ref.councils[s.council - 1][1],
        texts["category"],
        texts["channel"],
        texts["platform"],
        texts["order_number"],
        texts["purchase_date"].isoformat(),
        f"{texts['amount']:.2f}",
        _json(texts["demands"]),
        _esc(texts["title"]),
        _esc(texts["description"]),
        "t" if s.consumer % 3 else "f",
        s.status,
        s.outcome,
        sum(POINTS[r] for r in reasons),
        _json(reasons),
        s.round,
        s.waiting,
        _ts(s.due),
        _ts(s.settle_by),
        _ts(s.reminder),
        "t" if s.overdue else "f",
        _json(s.agreement),
        _json(s.offer),
        _ts(s.filed),
        _ts(s.first_response),
        _ts(s.settled_at),
        _ts(s.closed_at),
        _null(s.satisfaction),
        _esc(s.comment),
        _null(s.agent),
        s.consumer,
        s.council,
        _null(s.mediator),
        _null(merchant[0] if merchant else None),
        _ts(s.first_due),
        terms,
    )
    return [str(f) for f in fields], reasons


COMPLAINT_COLUMNS = (
    "id, case_number, merchant_name, merchant_phone, council_path, category, channel, platform, order_number, "
    "purchase_date, amount, demands, title, description, share_contact, status, outcome, priority, "
    "priority_reasons, round, waiting_on, due_at, settle_by, reminder_sent_for, is_overdue, agreement, offer, "
    "filed_at, first_response_at, settled_at, closed_at, satisfaction, satisfaction_comment, agent_id, "
    "consumer_id, council_id, mediator_id, merchant_id, merchant_first_due_at, search_terms"
)
EVENT_COLUMNS = (
    "kind, actor_role, from_status, to_status, message, data, visibility, created_at, actor_id, complaint_id, "
    "hash, prev_hash, redacted"
)
# Which notice each timeline event of an open case owes, and to whom (notifications.services.AUDIENCES).
NOTICE_OF = {
    "filed": ("filed", ("merchant_phones",)),
    "responded": ("responded", ("consumer_sms", "consumer_app")),
    "review_accepted": ("review_accepted", ("consumer_sms", "consumer_app")),
    "mediator_assigned": ("mediator_assigned", ("mediator_app",)),
    "accepted": ("settled", ("consumer_sms", "merchant_phones", "owner_app")),
    "agreement_recorded": ("settled", ("consumer_sms", "merchant_phones", "owner_app")),
    "fulfilled": ("fulfilled", ("consumer_sms", "consumer_app")),
}
for _kind in ("mediation_requested", "disputed", "settlement_deadline_passed", "merchant_deadline_passed"):
    NOTICE_OF[_kind] = ("escalated", ("consumer_sms", "consumer_app", "owner_app"))
NOTICE_OF["fulfilment_deadline_passed"] = NOTICE_OF["merchant_deadline_passed"]


def _notice_plan(ref: Ref, s: Story, case_number: str, first_event: int) -> tuple:
    """The last notices of an open case: (complaint, case number, [(event index, kind, due, when, recipients)])."""
    plan = []
    for index, event in enumerate(s.events):
        kind = event[1]
        if kind == "rejected":
            owed = (
                NOTICE_OF["mediation_requested"]
                if event[5] == IM
                else ("asked_again", ("merchant_phones", "owner_app"))
            )
        elif kind == "filed" and not s.enrolled:
            continue
        else:
            owed = NOTICE_OF.get(kind)
        if owed is None:
            continue
        recipients = []
        for audience in owed[1]:
            if audience == "merchant_phones" and s.merchant and s.merchant[2]:
                recipients += [("sms", phone, None) for phone in s.merchant[6]]
            elif audience == "consumer_sms":
                recipients.append(("sms", ref.consumer_phones[s.consumer - ref.first_consumer], s.consumer))
            elif audience == "consumer_app":
                recipients.append(("in_app", "", s.consumer))
            elif audience == "owner_app" and s.merchant and s.merchant[4]:
                recipients.append(("in_app", "", s.merchant[4]))
            elif audience == "mediator_app" and s.mediator:
                recipients.append(("in_app", "", s.mediator))
        if recipients:
            plan.append((first_event + index, owed[0], event[9], event[0], recipients))
    if s.status == AM and s.reminder is not None and s.merchant:
        plan.append((None, "reminder", s.reminder, s.reminder - 24 * HOUR, [("sms", p, None) for p in s.merchant[6]]))
    return s.id, case_number, plan[-2:]


# --- the database ------------------------------------------------------------------------------


def connect(url: str, *, autocommit: bool = False):
    import psycopg2

    conn = psycopg2.connect(url, options="-c synchronous_commit=off")
    conn.autocommit = autocommit
    return conn


def ensure_database(url: str) -> str:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to load benchmark data into {name!r}: its name must contain 'bench'.")
    conn = psycopg2.connect(parsed._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def schema_snapshot(cur) -> dict:
    """Indexes and constraints of the rebuilt tables, as definitions (to compare before and after)."""
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)",
        [list(REBUILT)],
    )
    indexes = dict(cur.fetchall())
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[])",
        [list(REBUILT)],
    )
    constraints = {name: f"{definition} valid={valid}" for name, definition, valid in cur.fetchall()}
    return {"indexes": indexes, "constraints": constraints}


def plan_rebuild(cur) -> list[tuple[str, str, str, int]]:
    """(name, table, statement, lane) for every secondary index and unique constraint of the big tables.

    A unique constraint is rebuilt as its unique index, then attached (ADD CONSTRAINT ... USING
    INDEX keeps its name). Primary keys stay. Lanes 0 and 1 run at once: the GIN text index, the
    slowest, has lane 0 to itself; lane 2 (attaching the constraints, which locks the tables)
    runs after both.
    """
    cur.execute(
        "SELECT i.indexname, i.tablename, i.indexdef, c.conname IS NOT NULL, c.contype FROM pg_indexes i "
        "LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.conrelid = i.tablename::regclass "
        "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) ORDER BY i.tablename, i.indexname",
        [list(REBUILT)],
    )
    django_sql = model_index_sql()
    plan, attach = [], []
    for name, table, definition, is_constraint, contype in cur.fetchall():
        if contype == "p":
            continue
        lane = 0 if " gin " in definition.lower() else 1
        plan.append((name, table, django_sql.get(name, definition), lane))
        if is_constraint:
            attach.append((name, table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"', 2))
    return plan + attach


def model_index_sql() -> dict[str, str]:
    """The CREATE INDEX statements migrations ran for the models' Meta.indexes.

    pg_indexes gives back a partial index's condition rewritten (casts moved), so recreating
    from it would give an equivalent index with a different definition; these are recreated
    from the statement Django wrote. The other indexes are recreated from pg_indexes.
    """
    from django.apps import apps
    from django.db import connection

    found = {}
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in apps.get_models():
            if model._meta.db_table in REBUILT:
                for index in model._meta.indexes:
                    found[index.name] = str(index.create_sql(model, editor))
    return found


def drop_for_load(cur, plan) -> None:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {DDL_TABLE} (ord int, name text, tbl text, statement text, lane int)")
    cur.execute(f"DELETE FROM {DDL_TABLE}")
    for ord_, (name, table, statement, lane) in enumerate(plan):
        cur.execute(f"INSERT INTO {DDL_TABLE} VALUES (%s, %s, %s, %s, %s)", [ord_, name, table, statement, lane])
    for name, table, statement, _lane in plan:
        if statement.startswith("ALTER TABLE"):
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
    for name, _table, statement, _lane in plan:
        if not statement.startswith("ALTER TABLE"):
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_after_stop(url: str) -> None:
    """A run stopped after its COPY committed and before the indexes were rebuilt left their
    definitions in bench_load_pending_ddl: empty the tables and rebuild them (fast when empty)."""
    conn = connect(url, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [DDL_TABLE])
        if cur.fetchone()[0] is not None:
            cur.execute(f"TRUNCATE {', '.join(LOADED)} RESTART IDENTITY CASCADE")
            conn.close()
            rebuild(url, quiet=True)
            return
    conn.close()


def rebuild(url: str, *, quiet: bool = False) -> list[dict]:
    """Run the saved statements of bench_load_pending_ddl (two lanes at once), then drop it."""
    conn = connect(url, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [DDL_TABLE])
        if cur.fetchone()[0] is None:
            return []
        cur.execute(f"SELECT name, tbl, statement, lane FROM {DDL_TABLE} ORDER BY ord")
        plan = cur.fetchall()
    timings: list[dict] = []
    errors: list[BaseException] = []

    def run_lane(lane: int) -> None:
        try:
            lane_conn = connect(url, autocommit=True)
            with lane_conn.cursor() as cur:
                cur.execute("SET maintenance_work_mem = %s", ["1500MB" if lane == 0 else "1GB"])
                cur.execute("SET max_parallel_maintenance_workers = 2")
                for name, table, statement, statement_lane in plan:
                    if statement_lane != lane:
                        continue
                    if statement.startswith("ALTER TABLE"):
                        cur.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name])
                    else:
                        cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [name])
                    if cur.fetchone():
                        continue
                    started = time.perf_counter()
                    cur.execute(statement)
                    seconds = round(time.perf_counter() - started, 1)
                    timings.append({"name": name, "table": table, "seconds": seconds})
                    if not quiet:
                        print(f"  {seconds:6.1f} s  {name}", file=sys.stderr)
            lane_conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run_lane, args=(lane,)) for lane in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_lane(2)
    if errors:
        raise errors[0]
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE {DDL_TABLE}")
    conn.close()
    return timings


FOREIGN_KEYS_SQL = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
"""


def check_foreign_keys(url: str) -> int:
    """The check PostgreSQL makes when it validates a foreign key, for every key of the loaded tables."""
    conn = connect(url)
    broken = 0
    with conn.cursor() as cur:
        cur.execute(FOREIGN_KEYS_SQL, [list(LOADED)])
        for table, column, target, target_column in cur.fetchall():
            cur.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
            )
            missing = cur.fetchone()[0]
            if missing:
                print(f"foreign key {table}.{column} -> {target}: {missing} rows point nowhere", file=sys.stderr)
            broken += missing
    conn.close()
    return broken


# --- the load -----------------------------------------------------------------------------------


def copy_rows(cur, table: str, columns: str, data: bytes | str) -> None:
    if data:
        data = data.encode() if isinstance(data, str) else data
        cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)", io.BytesIO(data))


def _line(values) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif isinstance(v, bool):
            out.append("t" if v else "f")
        elif isinstance(v, datetime.datetime):
            out.append(v.isoformat())
        else:
            out.append(_esc(str(v)))
    return "\t".join(out) + "\n"


def copy_reference(cur, ref: Ref) -> None:
    rows = ref.rows
    copy_rows(
        cur,
        "accounts_council",
        "id, name, code, path, case_prefix, working_days, merchant_days, consumer_days, settlement_days, "
        "fulfilment_days, confirmation_days, review_days, mediation_days, parent_id",
        "".join(_line(r) for r in rows["accounts_council"]),
    )
    copy_rows(
        cur,
        "merchants_merchant",
        "id, name, uscc, region_id, address, notice_phones, email, status, enrolled_at, created_at, sector",
        "".join(_line(r) for r in rows["merchants_merchant"]),
    )
    users = "".join(
        _line(
            (uid, pw, username, "", "", "", False, False, True, joined, role, name, phone, "zh-hans", merchant, council)
        )
        for uid, pw, username, name, role, phone, council, merchant, joined in rows["accounts_user"]
    )
    copy_rows(
        cur,
        "accounts_user",
        "id, password, username, first_name, last_name, email, is_superuser, is_staff, is_active, date_joined, "
        "role, name, phone, language, merchant_id, council_id",
        users,
    )
    copy_rows(
        cur,
        "merchants_enrolmentapplicant",
        "merchant_id, user_id, created_at",
        "".join(_line(r) for r in rows["merchants_enrolmentapplicant"]),
    )
    copy_rows(
        cur,
        "merchants_merchantdecision",
        "merchant_id, decision, actor_id, reason, created_at",
        "".join(_line(r) for r in rows["merchants_merchantdecision"]),
    )


class NoticeWriter:
    """Outbox rows of open cases, as notifications.services writes them (texts in the platform's language)."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.urls import reverse
        from django.utils import formats, translation

        from notifications.texts import BODIES, SUBJECTS

        self.reverse, self.formats, self.translation = reverse, formats, translation
        self.site, self.language = settings.SITE_URL, settings.LANGUAGE_CODE
        with translation.override(self.language):
            self.subjects = {k: str(v) for k, v in SUBJECTS.items()}
            self.bodies = {k: str(v) for k, v in BODIES.items()}
        self.lines: list[str] = []

    def add(self, plans: list[tuple], event_offset: int) -> None:
        with self.translation.override(self.language):
            for complaint_id, case_number, plan in plans:
                link = self.reverse("complaints:detail", args=[complaint_id])
                for event_index, notice, due, when, recipients in plan:
                    deadline = ""
                    if due is not None:
                        local = datetime.datetime.fromtimestamp(due, LOCAL)
                        deadline = self.formats.date_format(local, "SHORT_DATETIME_FORMAT")
                    values = {"case": case_number, "deadline": deadline, "link": self.site + link, "outcome": ""}
                    if event_index is None:
                        key = f"reminder{complaint_id}:{datetime.datetime.fromtimestamp(due, UTC).isoformat()}"
                    else:
                        key = f"ev{event_offset + event_index + 1}"
                    created = datetime.datetime.fromtimestamp(when, UTC)
                    sent = created + datetime.timedelta(seconds=1.5)
                    subject, body = self.subjects[notice].format(**values), self.bodies[notice].format(**values)
                    params = json.dumps(values, ensure_ascii=False)
                    for channel, address, user in recipients:
                        who = address or f"user{user}"
                        attempts = 0 if channel == "in_app" else 1
                        row = (
                            f"{key}:{channel}:{who}",
                            notice,
                            channel,
                            address,
                            subject,
                            body,
                            link,
                            "sent",
                            attempts,
                        )
                        row += ("", "", created, sent, created, complaint_id, user, "", "", params)
                        self.lines.append(_line(row))


NOTICE_COLUMNS = (
    "idempotency_key, event, channel, address, subject, body, link, status, attempts, last_error, "
    "provider_message_id, created_at, sent_at, next_attempt_at, complaint_id, recipient_id, delivery_error, "
    "delivery_status, params"
)


def load(url: str, pool, ref: Ref, numbers: list[str], phases: dict, progress) -> Counter:
    """One transaction: empty the tables, drop the rebuilt indexes, COPY everything (frozen)."""
    conn = connect(url)
    stats: Counter = Counter()
    with conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # foreign keys are checked after the load
        cur.execute(f"TRUNCATE {', '.join(LOADED)} RESTART IDENTITY CASCADE")
        drop_for_load(cur, plan_rebuild(cur))
        started = time.perf_counter()
        copy_reference(cur, ref)
        phases["reference rows (COPY)"] = round(time.perf_counter() - started, 1)

        started = time.perf_counter()
        notices = NoticeWriter()
        batches = math.ceil(len(numbers) / CHUNK)
        # Batches are copied in order (ids and event ids follow filing order); a few are generated
        # ahead, no more, so memory stays flat whichever side is slower.
        pending = deque(pool.apply_async(make_batch, (k,)) for k in range(min(batches, 3 * pool._processes)))
        submitted, event_offset = len(pending), 0
        waited = copying = 0.0
        held: list[tuple] = []
        while pending:
            ready = time.perf_counter()
            batch = pending.popleft().get()
            waited += time.perf_counter() - ready
            if submitted < batches:
                pending.append(pool.apply_async(make_batch, (submitted,)))
                submitted += 1
            ready = time.perf_counter()
            copy_rows(cur, "complaints_complaint", COMPLAINT_COLUMNS, batch["complaints"])
            copy_rows(cur, "complaints_complaintevent", EVENT_COLUMNS, batch["events"])
            copy_rows(cur, "merchants_overduemark", "stage, created_at, complaint_id, merchant_id", batch["marks"])
            copying += time.perf_counter() - ready
            held += batch["open"]
            notices.add(batch["notices"], event_offset)
            event_offset += batch["n_events"]
            stats.update(batch["stats"])
            progress.update(batch["count"])
        progress.close()
        copy_rows(cur, "complaints_complaint", COMPLAINT_COLUMNS, open_complaint_lines(held))
        stats["open_with_repeat_merchant"] = sum(1 for _m, fields, _r in held if "repeat_merchant" in fields[18])
        copy_rows(cur, "notifications_notification", NOTICE_COLUMNS, "".join(notices.lines).encode())
        phases["complaints, timelines, marks, notices (generate + COPY)"] = round(time.perf_counter() - started, 1)
        # Of which: the copying process waited for the generators, and ran COPY (the rest: notices).
        phases["  of which waiting for generated batches"] = round(waited, 1)
        phases["  of which COPY of complaints, events, marks"] = round(copying, 1)

        started = time.perf_counter()
        years = Counter(number[2:6] for number in numbers)
        for year, last in sorted(years.items()):
            cur.execute(
                "INSERT INTO complaints_casesequence (prefix, year, last) VALUES ('HB', %s, %s)", [int(year), last]
            )
        for table in LOADED:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1), "
                f"EXISTS (SELECT FROM {table}))"
            )
        phases["case sequences, id sequences"] = round(time.perf_counter() - started, 1)
    conn.close()
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--consumers", type=int, default=None, help="default: 300,000 (fewer below 300,000 complaints)")
    parser.add_argument("--merchants", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=315)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    result = run(
        url,
        complaints=args.complaints,
        seed=args.seed,
        consumers=args.consumers,
        merchants=args.merchants,
        workers=args.workers,
        command=" ".join(["bench/load_data.py", *sys.argv[1:]]),
    )
    if not result["ok"]:
        sys.exit(1)


def run(
    url: str,
    *,
    complaints: int,
    seed: int = 315,
    consumers: int | None = None,
    merchants: int = 5000,
    workers: int | None = None,
    command: str = "",
    results: Path | None = RESULTS / "load.json",
) -> dict:
    """Create (when missing), migrate, empty and load the database at `url`; return the figures
    written to `results` (none written when it is None). `result["ok"]` is False when a check failed."""
    consumers = consumers or min(300_000, max(1000, complaints))
    workers = workers or os.cpu_count() or 2
    total_started = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(name, started):
        phases[name] = round(time.perf_counter() - started, 1)
        print(f"{name}: {phases[name]} s", file=sys.stderr)

    started = time.perf_counter()
    name = ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    restore_after_stop(url)
    call_command("migrate", verbosity=0)
    conn = connect(url)
    with conn.cursor() as cur:
        before = schema_snapshot(cur)
    conn.close()
    phase("database and migrations", started)

    started = time.perf_counter()
    from django.contrib.auth.hashers import make_password

    rng = random.Random(seed)
    ref = Ref(rng, consumers, merchants, make_password(PASSWORD))
    times = filing_times(rng, complaints)
    numbers, per_year = [], Counter()
    for t in times:
        year = datetime.datetime.fromtimestamp(t, LOCAL).year
        per_year[year] += 1
        numbers.append(f"HB{year}-{per_year[year]:06d}")
    habits = [rng.choice((0.99, 0.99, 0.97, 0.97, 0.93, 0.85)) for _ in ref.merchants]
    STATE.update(ref=ref, times=times, numbers=numbers, seed=seed, habits=habits)
    phase("reference data and filing plan", started)

    progress = _progress(complaints)
    load_phases: dict[str, float] = {}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        stats = load(url, pool, ref, numbers, load_phases, progress)
    for key, value in load_phases.items():
        phases[key] = value
        print(f"{key}: {value} s", file=sys.stderr)

    started = time.perf_counter()
    index_timings = rebuild(url)
    phase("indexes and unique constraints", started)

    started = time.perf_counter()
    broken = check_foreign_keys(url)
    phase("foreign key checks", started)

    started = time.perf_counter()
    conn = connect(url, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    phase("vacuum analyze", started)

    started = time.perf_counter()
    with conn.cursor() as cur:
        after = schema_snapshot(cur)
        counts = {}
        for table in LOADED:
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT pg_database_size(current_database()), pg_size_pretty(pg_database_size(current_database()))")
        size, pretty = cur.fetchone()
    conn.close()
    checks = verify_sample(seed)
    checks["named_accounts"] = check_named(ref)
    phase("checks", started)
    same_schema = before == after
    if not same_schema:
        print("the indexes or constraints differ from the migrated schema:", _diff(before, after), file=sys.stderr)
    total = round(time.perf_counter() - total_started, 1)
    closed = sum(v for k, v in stats.items() if k.startswith("outcome:") and k != "outcome:")
    result = {
        "generated_at": datetime.datetime.now(UTC).isoformat(timespec="seconds"),
        "database": name,
        "command": command,
        "complaints": complaints,
        "seed": seed,
        "workers": workers,
        "rows": counts,
        "phases_seconds": phases,
        "total_seconds": total,
        "database_bytes": size,
        "database_size": pretty,
        "index_builds": sorted(index_timings, key=lambda t: -t["seconds"]),
        "schema_same_as_migrations": same_schema,
        "foreign_key_violations": broken,
        "open_by_status": {k: v for k, v in sorted(stats.items()) if k in (AM, AC, UR, IM, ST, AF)},
        "closed_share": round(closed / complaints, 4) if complaints else None,
        "outcomes": {k[8:]: v for k, v in sorted(stats.items()) if k.startswith("outcome:") and k != "outcome:"},
        "resolved_share_of_closed": round(stats.get("outcome:resolved", 0) / closed, 4) if closed else None,
        "text_shares": {k[5:]: round(v / complaints, 4) for k, v in stats.items() if k.startswith("text:")},
        "open_with_repeat_merchant": stats.get("open_with_repeat_merchant", 0),
        "accounts": {"password": PASSWORD, **{k: v for k, v in sorted(ref.named.items())}},
        "chain_check": checks,
    }
    result["ok"] = same_schema and not broken and not checks["problems"] and all(checks["named_accounts"].values())
    written = ""
    if results is not None:
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        written = f"; wrote {results}"
    print(
        f"loaded {complaints:,} complaints, {counts['complaints_complaintevent']:,} events in {total} s; "
        f"database {pretty}{written}",
        file=sys.stderr,
    )
    return result


def _diff(before: dict, after: dict) -> dict:
    return {
        kind: {
            "missing": sorted(set(before[kind]) - set(after[kind])),
            "extra": sorted(set(after[kind]) - set(before[kind])),
            "changed": sorted(k for k in before[kind] if k in after[kind] and before[kind][k] != after[kind][k]),
        }
        for kind in before
    }


def check_named(ref: Ref) -> dict:
    """bench-city supervises the busiest city and bench-owner owns the merchant with most cases."""
    from django.db.models import Count

    from complaints.models import Complaint

    per_city = {
        cid: Complaint.objects.filter(council_path__startswith=ref.councils[cid - 1][1]).count() for cid in ref.cities
    }
    top_merchant = (
        Complaint.objects.exclude(merchant=None).values_list("merchant").annotate(n=Count("id")).order_by("-n").first()
    )
    return {
        "bench-city supervises the busiest city": max(per_city, key=per_city.get) == ref.wuhan,
        "bench-owner owns the merchant with most cases": bool(top_merchant) and top_merchant[0] == 1,
    }


def verify_sample(seed: int, n: int = 50) -> dict:
    """complaints.integrity.verify_cases over a few cases spread over the table."""
    from complaints.integrity import verify_cases
    from complaints.models import Complaint

    last = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    ids = sorted({rng.randint(1, last) for _ in range(n)}) if last else []
    problems = [(cid, [p.reason for p in found]) for cid, found in verify_cases(ids) if found]
    return {"cases": len(ids), "problems": problems[:10]}


def _progress(total: int):
    try:
        from tqdm import tqdm

        return tqdm(total=total, unit=" complaints", unit_scale=True, desc="complaints", file=sys.stderr)
    except ImportError:
        return _LineProgress(total)


class _LineProgress:
    """A one-line progress report on stderr, when tqdm is not installed."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.perf_counter()

    def update(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        print(f"\rcomplaints {self.done:,}/{self.total:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(file=sys.stderr)


if __name__ == "__main__":
    main()
