"""The demo data `seed_demo` loads: councils, merchants, people and the complaints' stories.

Names and texts are in Chinese, as on the Hubei platform the demo imitates.
"""

from dataclasses import dataclass

from stdnum.cn import uscc

from accounts.models import Role

PASSWORD = "demo-pass-123"
LANGUAGE = "zh-hans"
DEMO_CONSUMER = "13800138000"
MERCHANTS_ENROLLED_DAYS_AGO = 200

# code, parent code, name
COUNCILS = [
    ("HB", None, "湖北省消费者委员会"),
    ("HB-WH", "HB", "武汉市消费者协会"),
    ("HB-WH-JA", "HB-WH", "江岸区消费者协会"),
    ("HB-YC", "HB", "宜昌市消费者协会"),
]


def organisation_code(body: str) -> str:
    """An 8-character organisation code body with its GB 11714 check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(authority_type: str, region_code: str, org_body: str) -> str:
    """A unified social credit code whose GB 32100-2015 check character is right."""
    first17 = authority_type + region_code + organisation_code(org_body)
    return first17 + uscc.calc_check_digit(first17)


@dataclass(frozen=True)
class DemoMerchant:
    key: str
    name: str
    uscc: str
    council: str
    address: str
    notice_phones: tuple[str, ...]
    email: str
    enrolled: bool
    applied_days_ago: float


MERCHANTS = [
    DemoMerchant(
        "shop",
        "武汉江岸优品电器有限公司",
        make_uscc("91", "420102", "MA4K1E7T"),
        "HB-WH-JA",
        "武汉市江岸区解放大道1088号",
        ("13971000001",),
        "service@yp-dianqi.example.com",
        True,
        MERCHANTS_ENROLLED_DAYS_AGO + 5,
    ),
    DemoMerchant(
        "shop2",
        "宜昌三峡家居有限公司",
        make_uscc("91", "420502", "MA49TL3B"),
        "HB-YC",
        "宜昌市西陵区东山大道95号",
        ("13971000002", "13971000003"),
        "kefu@sxjj.example.com",
        True,
        MERCHANTS_ENROLLED_DAYS_AGO + 3,
    ),
    DemoMerchant(
        "applied",
        "汉口老字号食品店",
        make_uscc("92", "420102", "MA4KQ8N6"),
        "HB-WH-JA",
        "武汉市江岸区中山大道1520号",
        ("13971000004",),
        "",
        False,
        3,
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    name: str
    phone: str = ""
    council: str = ""
    merchant: str = ""  # a DemoMerchant key
    email: str = ""
    note: str = ""


STAFF = [
    DemoUser(
        "supervisor",
        Role.SUPERVISOR,
        "刘敏",
        council="HB",
        email="liumin@hbcc.example.org",
        note="湖北省消费者委员会: sees every case in Hubei",
    ),
    DemoUser(
        "mediator",
        Role.MEDIATOR,
        "孙立",
        council="HB",
        email="sunli@hbcc.example.org",
        note="湖北省消费者委员会: mediates assigned cases",
    ),
    DemoUser(
        "clerk",
        Role.INTAKE_CLERK,
        "周红",
        council="HB",
        email="zhouhong@hbcc.example.org",
        note="湖北省消费者委员会: files complaints for callers and sees what she filed",
    ),
]
CONSUMERS = [
    DemoUser(DEMO_CONSUMER, Role.CONSUMER, "王小明", phone=DEMO_CONSUMER, note="demo consumer, cases in every state"),
    DemoUser("13800138001", Role.CONSUMER, "李娜", phone="13800138001"),
    DemoUser("13800138002", Role.CONSUMER, "张伟", phone="13800138002"),
    DemoUser("13800138003", Role.CONSUMER, "陈静", phone="13800138003"),
]
# Who applies for each merchant; a plain consumer applicant becomes the owner on approval.
APPLICANTS = {
    "shop": DemoUser(
        "merchant", Role.CONSUMER, "张建国", phone="13971000011", note="owner of 武汉江岸优品电器有限公司"
    ),
    "shop2": DemoUser("merchant2", Role.CONSUMER, "黄志强", phone="13971000021", note="owner of 宜昌三峡家居有限公司"),
    "applied": DemoUser(
        "applicant",
        Role.CONSUMER,
        "周大成",
        phone="13971000031",
        note="applied to enrol 汉口老字号食品店 (awaiting approval)",
    ),
}
AGENTS = [
    DemoUser(
        "agent",
        Role.MERCHANT_AGENT,
        "陈晓燕",
        phone="13971000012",
        merchant="shop",
        note="after-sales agent of 武汉江岸优品电器有限公司 (sees masked consumer data)",
    ),
]


# --- the complaints ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    after_days: float  # after filing
    actor: str  # consumer | merchant (the owner) | agent | supervisor | mediator
    action: str
    payload: dict


def at(after_days: float, actor: str, action: str, **payload) -> Step:
    return Step(after_days, actor, action, payload)


@dataclass(frozen=True)
class Story:
    """One complaint: who files it against whom, when, and what happens after."""

    consumer: str  # phone
    merchant: str | None  # a DemoMerchant key, or None for a merchant not on the platform
    days_ago: float
    category: str
    channel: str
    platform: str
    amount: str
    demands: tuple[str, ...]
    title: str
    description: str
    steps: tuple[Step, ...] = ()
    # Where the story ends (checked by the tests): status, outcome.
    expect: tuple[str, str] = ("", "")
    merchant_name: str = ""
    merchant_phone: str = ""
    region: str = ""  # council code for a merchant not on the platform
    share_contact: bool = False
    order_number: str = ""
    overdue: bool = False  # past a staff deadline at the end
    rounds: int = 1


WANG, LI, ZHANG, CHEN = "13800138000", "13800138001", "13800138002", "13800138003"
SORRY = "您好，非常抱歉给您带来不便，我们已核实订单。"


STORIES: list[Story] = [
    # --- awaiting the merchant -----------------------------------------------------
    Story(
        WANG,
        "shop",
        0.8,
        "quality",
        "ecommerce",
        "京东",
        "3299.00",
        ("refund",),
        "新买的滚筒洗衣机脱水时剧烈震动",
        "收货安装后第一次使用，脱水时机身剧烈震动并移位，已拍视频。安装师傅说是机器问题。",
        steps=(at(0.3, "agent", "message", message="您好，已收到您的投诉，我们正在联系安装师傅核实情况。"),),
        expect=("awaiting_merchant", ""),
        share_contact=True,
        order_number="JD2026110201",
    ),
    Story(
        LI,
        "shop",
        0.1,
        "safety",
        "livestream",
        "抖音直播间",
        "459.00",
        ("refund", "compensation"),
        "电热水壶底座漏电",
        "直播间购买的电热水壶，使用时手碰到底座有明显麻电感，存在安全隐患，要求退款并赔偿。",
        expect=("awaiting_merchant", ""),
    ),
    Story(
        ZHANG,
        "shop2",
        6.4,
        "delivery",
        "ecommerce",
        "淘宝",
        "1880.00",
        ("refund",),
        "沙发承诺15天送达，一个多月未发货",
        "下单时客服承诺15天内送货上门，至今已超过一个月仍未发货，多次询问均称在排产。",
        expect=("awaiting_merchant", ""),
        order_number="TB33815590021",
    ),
    Story(
        CHEN,
        "shop",
        5,
        "after_sales",
        "ecommerce",
        "拼多多",
        "699.00",
        ("return", "refund"),
        "空调外机异响，维修两次仍未解决",
        "购买的空调外机运行时异响，已上门维修两次未解决，要求退货退款。",
        steps=(
            at(1, "merchant", "respond", kind="offer", remedy="repair", message=SORRY + "可再次安排师傅上门维修。"),
            at(2, "consumer", "reject", message="已经修了两次，不接受再次维修，要求退货退款。"),
        ),
        expect=("awaiting_merchant", ""),
        rounds=2,
    ),
    # --- awaiting the consumer -----------------------------------------------------
    Story(
        WANG,
        "shop",
        2.5,
        "false_advertising",
        "livestream",
        "抖音直播间",
        "268.00",
        ("refund", "compensation"),
        "直播间宣称“纯铜电机”，拆开是铝线",
        "主播反复强调吹风机是纯铜电机，收到后售后维修点检查为铝线电机，属于虚假宣传。",
        steps=(
            at(
                1,
                "agent",
                "respond",
                kind="offer",
                remedy="refund",
                offer_amount="268.00",
                message=SORRY + "同意全额退款，运费由我们承担。",
            ),
        ),
        expect=("awaiting_consumer", ""),
    ),
    Story(
        LI,
        "shop2",
        3.5,
        "price",
        "offline",
        "门店",
        "1200.00",
        ("refund",),
        "促销价购买后第二天降价300元",
        "门店导购承诺“保价30天”，购买第二天同款降价300元，门店拒绝退差价。",
        steps=(
            at(
                2,
                "merchant",
                "respond",
                kind="decline",
                message="您购买的是活动套餐，与单品降价不属于同一活动，不在保价范围内。",
            ),
        ),
        expect=("awaiting_consumer", ""),
    ),
    # --- under council review ------------------------------------------------------
    Story(
        ZHANG,
        "applied",
        2,
        "quality",
        "offline",
        "门店",
        "86.00",
        ("refund", "apology"),
        "购买的月饼已过保质期",
        "在店内购买的礼盒月饼，回家后发现其中两块已过保质期一周。",
        expect=("under_review", ""),
    ),
    Story(
        WANG,
        None,
        1,
        "false_advertising",
        "livestream",
        "快手",
        "399.00",
        ("refund",),
        "直播间“好物优选”销售假冒品牌耳机",
        "直播间宣称正品行货，收到后官方验证序列号不存在，商家已将我拉黑。",
        merchant_name="快手直播间“好物优选”",
        region="HB-WH",
        expect=("under_review", ""),
    ),
    Story(
        CHEN,
        None,
        9.5,
        "contract",
        "offline",
        "门店",
        "3000.00",
        ("refund",),
        "美容院预付卡充值后突然关门",
        "在星光美容美发店充值3000元，店铺上周突然关门，电话无人接听。",
        merchant_name="星光美容美发店",
        merchant_phone="02785550123",
        expect=("under_review", ""),
        overdue=True,
    ),
    # --- in mediation --------------------------------------------------------------
    Story(
        WANG,
        "shop",
        6,
        "after_sales",
        "ecommerce",
        "京东",
        "5699.00",
        ("repair", "exchange"),
        "笔记本电脑保修期内主板故障，商家拖延维修",
        "购买两个月的笔记本电脑无法开机，送修三周仍未修好，也不提供备用机。",
        steps=(
            at(1, "merchant", "respond", kind="offer", remedy="repair", message=SORRY + "维修预计还需两周。"),
            at(2, "consumer", "request_mediation", message="已经等了三周，不能再等两周，请消委会调解。"),
            at(3, "supervisor", "assign", mediator="mediator"),
            at(3.5, "mediator", "message", message="已联系双方，约定本周五线上调解。"),
            at(3.6, "supervisor", "message", message="金额较大，请优先处理。", staff_only=True),
            at(
                3.7,
                "mediator",
                "schedule_session",
                starts_in_hours=30,
                mode="online",
                link="https://meeting.tencent.com/dm/hb315demo",
                merchant_attendee="owner",
                message="请提前五分钟进入会议室，准备好维修单据。",
            ),
            at(
                5.1,
                "mediator",
                "record_minutes",
                agreed=True,
                consumer_attended=True,
                merchant_attended=True,
                consumer_position="维修已超过三周，要求更换同型号新机。",
                merchant_position="同意换新，但需消费者先寄回旧机。",
                remedy="exchange",
                due_in_days=10,
                terms="商家在收到旧机后3日内寄出同型号全新笔记本电脑，运费由商家承担。",
                next_step="消费者本周内寄回旧机，商家收到后3日内发出新机。",
            ),
            at(5.4, "consumer", "acknowledge_minutes", message="同意纪要内容。"),
        ),
        expect=("in_mediation", ""),
        order_number="JD2026103077",
    ),
    Story(
        LI,
        "shop2",
        10,
        "quality",
        "ecommerce",
        "天猫",
        "2380.00",
        ("exchange",),
        "实木餐桌收货即开裂",
        "收到的实木餐桌桌面有一条贯穿裂缝，拍照联系客服后一直没有回复。",
        expect=("in_mediation", ""),
    ),
    Story(
        ZHANG,
        "shop",
        40,
        "personal_info",
        "ecommerce",
        "淘宝",
        "150.00",
        ("apology", "compensation"),
        "下单后频繁接到推销电话",
        "在该店下单后一周内接到十几个推销电话，对方能准确说出我的订单信息。",
        steps=(
            at(1, "agent", "respond", kind="decline", message="我们的系统没有泄露客户信息，请您向平台反映。"),
            at(1.2, "agent", "message", message="已自查近期导出记录，未发现异常。", staff_only=True),
            at(2, "consumer", "request_mediation", message="商家推卸责任，请消委会介入。"),
            at(3, "supervisor", "assign", mediator="mediator"),
        ),
        expect=("in_mediation", ""),
        overdue=True,
    ),
    Story(
        CHEN,
        None,
        5,
        "quality",
        "offline",
        "门店",
        "599.00",
        ("refund",),
        "新买的羽绒服洗一次就严重跑绒",
        "在江汉路一家服装店购买的羽绒服，按洗标手洗一次后大面积跑绒。",
        merchant_name="江汉路某服装店",
        region="HB-WH-JA",
        steps=(
            at(1, "supervisor", "review_accept", message="已受理，转调解。"),
            at(2, "supervisor", "assign", mediator="mediator"),
            at(
                4,
                "mediator",
                "schedule_session",
                starts_in_hours=60,
                mode="in_person",
                address="武汉市江岸区消费者委员会调解室（沿江大道100号3楼）",
                message="请携带购物小票和羽绒服到场。",
            ),
            at(4.5, "consumer", "request_reschedule", message="周四要上班，能否改到周六上午？"),
        ),
        expect=("in_mediation", ""),
    ),
    Story(
        WANG,
        "shop",
        8,
        "quality",
        "social",
        "微信小程序",
        "1599.00",
        ("refund",),
        "扫地机器人频繁断连",
        "小程序商城购买的扫地机器人每天断连多次，无法按计划清扫。",
        steps=(
            at(0.5, "agent", "respond", kind="offer", remedy="exchange", message=SORRY + "可以为您换新。"),
            at(1, "consumer", "reject", message="同型号都有这个问题，换新没有用。"),
            at(1.5, "agent", "respond", kind="offer", remedy="repair", message="可以升级固件并上门调试。"),
            at(2, "consumer", "reject", message="调试过了，还是断连。"),
            at(
                2.5,
                "merchant",
                "respond",
                kind="offer",
                remedy="refund",
                offer_amount="800.00",
                message="可以退款800元，机器不用寄回。",
            ),
            at(3, "consumer", "reject", message="要求全额退款。"),
        ),
        expect=("in_mediation", ""),
        rounds=3,
    ),
    Story(
        CHEN,
        "shop",
        12,
        "quality",
        "ecommerce",
        "京东",
        "3999.00",
        ("exchange",),
        "换货后的冰箱仍然不制冷",
        "冰箱冷藏室不制冷，商家同意换货，但换来的新机同样不制冷。",
        steps=(
            at(0.5, "agent", "respond", kind="offer", remedy="exchange", message=SORRY + "为您换一台新机。"),
            at(1, "consumer", "accept"),
            at(2, "agent", "fulfil", message="新机已送达，物流单号 SF1420098876。"),
            at(4, "consumer", "dispute", message="换来的新机器同样不制冷。"),
            at(5, "supervisor", "assign", mediator="mediator"),
        ),
        expect=("in_mediation", ""),
    ),
    Story(
        LI,
        "shop2",
        30,
        "after_sales",
        "ecommerce",
        "淘宝",
        "960.00",
        ("refund",),
        "同意退款后迟迟不退",
        "商家同意退款三天内到账，过了一周仍未收到退款。",
        steps=(
            at(
                1,
                "merchant",
                "respond",
                kind="offer",
                remedy="refund",
                offer_amount="960.00",
                due_in_days=3,
                message="同意退款，三天内原路退回。",
            ),
            at(2, "consumer", "accept"),
            at(8, "supervisor", "assign", mediator="mediator"),
        ),
        expect=("in_mediation", ""),
    ),
    # --- settled, awaiting fulfilment ----------------------------------------------
    Story(
        WANG,
        "shop",
        4,
        "quality",
        "ecommerce",
        "京东",
        "899.00",
        ("exchange",),
        "电饭煲内胆涂层脱落",
        "使用不到一个月，电饭煲内胆涂层大面积脱落。",
        steps=(
            at(
                1,
                "agent",
                "respond",
                kind="offer",
                remedy="exchange",
                due_in_days=5,
                message=SORRY + "五天内为您更换新品。",
            ),
            at(2, "consumer", "accept"),
        ),
        expect=("settled", ""),
    ),
    Story(
        LI,
        "shop2",
        20,
        "delivery",
        "ecommerce",
        "淘宝",
        "4200.00",
        ("compensation",),
        "衣柜送货时磕坏门板",
        "送货师傅搬运时磕坏两扇柜门，签收时已当面指出。",
        steps=(
            at(1, "merchant", "respond", kind="decline", message="签收单上没有备注破损，无法处理。"),
            at(2, "consumer", "request_mediation", message="签收时有视频为证，请消委会调解。"),
            at(3, "supervisor", "assign", mediator="mediator"),
            at(10, "mediator", "record_agreement", message="经调解，商家免费更换两扇柜门，并补偿消费者200元。"),
        ),
        expect=("settled", ""),
    ),
    # --- awaiting the consumer's confirmation --------------------------------------
    Story(
        WANG,
        "shop",
        6,
        "after_sales",
        "ecommerce",
        "苏宁易购",
        "1299.00",
        ("refund",),
        "七天无理由退货被拒",
        "收到的空气净化器未拆封，申请七天无理由退货被客服拒绝。",
        steps=(
            at(
                1,
                "agent",
                "respond",
                kind="offer",
                remedy="refund",
                offer_amount="1299.00",
                message=SORRY + "同意退货退款，快递上门取件。",
            ),
            at(1.5, "consumer", "accept"),
            at(3, "agent", "fulfil", message="已原路退款，退款单号 RF20261119003。"),
        ),
        expect=("awaiting_confirmation", ""),
    ),
    Story(
        ZHANG,
        "shop2",
        9,
        "quality",
        "offline",
        "门店",
        "2680.00",
        ("repair",),
        "床垫塌陷",
        "购买半年的床垫中间明显塌陷，在质保期内。",
        steps=(
            at(1, "merchant", "respond", kind="offer", remedy="repair", message="安排师傅上门更换弹簧层。"),
            at(2, "consumer", "accept"),
            at(5, "merchant", "fulfil", message="已上门更换，维修单号 WX-0931。"),
        ),
        expect=("awaiting_confirmation", ""),
    ),
    # --- closed: resolved ----------------------------------------------------------
    Story(
        WANG,
        "shop",
        60,
        "quality",
        "ecommerce",
        "京东",
        "2999.00",
        ("refund",),
        "手机屏幕到货即碎",
        "开箱发现手机屏幕碎裂，有开箱视频。",
        steps=(
            at(
                0.5,
                "agent",
                "respond",
                kind="offer",
                remedy="refund",
                offer_amount="2999.00",
                message=SORRY + "全额退款。",
            ),
            at(1, "consumer", "accept"),
            at(3, "agent", "fulfil", message="已退款，退款单号 RF20260922001。"),
            at(4, "consumer", "confirm", message="已收到退款。"),
            at(4.1, "consumer", "rate", score=5, comment="处理及时，客服态度很好。"),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        LI,
        "shop",
        45,
        "after_sales",
        "ecommerce",
        "淘宝",
        "459.00",
        ("repair",),
        "电动牙刷无法充电",
        "使用两个月后无法充电。",
        steps=(
            at(1, "merchant", "respond", kind="offer", remedy="repair", message="寄回维修，来回运费我们承担。"),
            at(1.5, "consumer", "accept"),
            at(6, "agent", "fulfil", message="已修好寄回，单号 YT8812001234。"),
            at(7, "consumer", "confirm"),
            at(7.2, "consumer", "rate", score=4, comment="修好了，就是时间有点长。"),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        ZHANG,
        "shop2",
        30,
        "delivery",
        "ecommerce",
        "淘宝",
        "880.00",
        ("compensation",),
        "书桌配件缺失",
        "书桌少发了两根支撑杆，无法安装。",
        steps=(
            at(
                1,
                "merchant",
                "respond",
                kind="offer",
                remedy="compensation",
                offer_amount="100.00",
                message="补发配件并补偿100元。",
            ),
            at(2, "consumer", "accept"),
            at(3, "merchant", "fulfil", message="配件已补发，补偿已转账。"),
            at(4, "consumer", "confirm"),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        CHEN,
        "shop",
        80,
        "false_advertising",
        "livestream",
        "抖音直播间",
        "1680.00",
        ("refund", "compensation"),
        "宣传“一级能效”实为三级",
        "直播间宣传空调一级能效，收到后能效标识为三级。",
        steps=(
            at(1, "agent", "respond", kind="decline", message="主播口误，商品详情页写的是三级能效。"),
            at(2, "consumer", "request_mediation", message="直播中多次说一级能效，有录屏。"),
            at(2.5, "supervisor", "assign", mediator="mediator"),
            at(
                8,
                "mediator",
                "record_agreement",
                message="经调解，商家退还差价并按《消费者权益保护法》第五十五条协商赔偿500元。",
            ),
            at(12, "merchant", "fulfil", message="差价和赔偿已转账，转账单号 ZZ2026090101。"),
            at(13, "consumer", "confirm"),
            at(13.1, "consumer", "rate", score=3, comment="结果可以接受，但过程太长。"),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        WANG,
        None,
        70,
        "after_sales",
        "offline",
        "门店",
        "350.00",
        ("refund",),
        "家电维修收费后没有修好",
        "维修部收了350元维修费，电视机仍然无法开机。",
        merchant_name="武昌某家电维修部",
        merchant_phone="02787650000",
        region="HB-WH",
        steps=(
            at(1, "supervisor", "review_accept", message="已受理，转调解。"),
            at(1.5, "supervisor", "assign", mediator="mediator"),
            at(10, "mediator", "record_agreement", message="经调解，维修部退还维修费350元。"),
            at(15, "mediator", "fulfil", message="维修部已当面退还350元，消费者签收。"),
            at(16, "consumer", "confirm"),
            at(16.2, "consumer", "rate", score=4),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        LI,
        "shop",
        110,
        "quality",
        "ecommerce",
        "京东",
        "1999.00",
        ("refund",),
        "平板电脑屏幕漏光",
        "新买的平板电脑屏幕四角漏光明显。",
        steps=(
            at(0.3, "agent", "respond", kind="offer", remedy="refund", offer_amount="1999.00", message="同意退款。"),
            at(0.5, "consumer", "accept"),
            at(1, "agent", "fulfil", message="已退款。"),
            at(1.5, "consumer", "confirm"),
            at(1.6, "consumer", "rate", score=5),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        WANG,
        "shop2",
        100,
        "safety",
        "offline",
        "门店",
        "760.00",
        ("exchange", "compensation"),
        "儿童床护栏螺丝脱落",
        "儿童床护栏螺丝松脱，孩子差点摔下，存在安全隐患。",
        steps=(
            at(1, "merchant", "respond", kind="offer", remedy="exchange", message="免费更换加固护栏，上门安装。"),
            at(2, "consumer", "accept"),
            at(5, "merchant", "fulfil", message="已上门更换并加固。"),
            at(6, "consumer", "confirm"),
            at(6.1, "consumer", "rate", score=5, comment="上门很快，很负责。"),
        ),
        expect=("closed", "resolved"),
    ),
    Story(
        CHEN,
        "shop",
        55,
        "delivery",
        "food_delivery",
        "美团外卖",
        "68.00",
        ("refund",),
        "外卖送错餐",
        "收到的是别人的餐，联系商家没人回复。",
        steps=(
            at(0.2, "agent", "respond", kind="offer", remedy="refund", offer_amount="68.00", message="已为您退款。"),
            at(0.3, "consumer", "accept"),
            at(0.4, "agent", "fulfil", message="退款已原路退回。"),
            at(0.5, "consumer", "confirm"),
            at(0.6, "consumer", "rate", score=4),
        ),
        expect=("closed", "resolved"),
    ),
    # --- closed: unconfirmed, not settled, no reply, withdrawn, rejected ------------
    Story(
        LI,
        "shop2",
        50,
        "quality",
        "offline",
        "门店",
        "5600.00",
        ("repair",),
        "真皮沙发表面起皮",
        "购买不到半年的真皮沙发表面大面积起皮。",
        steps=(
            at(1, "merchant", "respond", kind="offer", remedy="repair", message="安排上门修补。"),
            at(2, "consumer", "accept"),
            at(4, "merchant", "fulfil", message="已上门修补，维修单号 WX-0877。"),
        ),
        expect=("closed", "unconfirmed"),
    ),
    Story(
        ZHANG,
        "shop",
        90,
        "contract",
        "ecommerce",
        "淘宝",
        "12800.00",
        ("refund",),
        "定制橱柜尺寸与合同不符",
        "定制橱柜实际尺寸比合同约定小了8厘米，无法安装。",
        steps=(
            at(1, "merchant", "respond", kind="decline", message="尺寸是按消费者确认的图纸制作的。"),
            at(2, "consumer", "request_mediation", message="图纸上的尺寸和合同一致，是工厂做错了。"),
            at(3, "supervisor", "assign", mediator="mediator"),
            at(
                20,
                "mediator",
                "record_failure",
                advice="12315",
                message="双方对尺寸责任分歧较大，调解不成，建议向12315投诉并申请检测。",
            ),
            at(21, "consumer", "rate", score=2, comment="调解没有结果。"),
        ),
        expect=("closed", "not_settled"),
    ),
    Story(
        CHEN,
        None,
        100,
        "contract",
        "offline",
        "门店",
        "9800.00",
        ("refund",),
        "培训机构拒绝退还剩余课时费",
        "报名一年的课程，上了三个月机构更换老师，要求退费被拒绝。",
        merchant_name="光谷某教育培训机构",
        region="HB-WH",
        steps=(
            at(2, "supervisor", "review_accept", message="已受理，转调解。"),
            at(3, "supervisor", "assign", mediator="mediator"),
            at(
                25,
                "mediator",
                "record_failure",
                advice="arbitration",
                message="机构坚持按合同违约条款扣费，调解不成，建议申请仲裁。",
            ),
        ),
        expect=("closed", "not_settled"),
    ),
    Story(
        WANG,
        "shop",
        35,
        "after_sales",
        "ecommerce",
        "京东",
        "599.00",
        ("refund",),
        "蓝牙音箱续航与宣传不符",
        "宣传续航24小时，实际不到6小时。",
        steps=(
            at(
                1,
                "agent",
                "respond",
                kind="offer",
                remedy="refund",
                offer_amount="300.00",
                message="可以部分退款300元。",
            ),
        ),
        expect=("closed", "no_reply"),
    ),
    Story(
        ZHANG,
        "shop2",
        65,
        "price",
        "ecommerce",
        "拼多多",
        "399.00",
        ("refund",),
        "结算价高于页面标价",
        "页面标价299元，付款时变成399元。",
        steps=(at(2, "merchant", "respond", kind="decline", message="299元为会员价，需开通会员。"),),
        expect=("closed", "no_reply"),
    ),
    Story(
        LI,
        "shop2",
        25,
        "price",
        "ecommerce",
        "淘宝",
        "199.00",
        ("refund",),
        "优惠券无法使用",
        "下单时店铺优惠券无法使用，客服称系统问题。",
        steps=(at(1, "consumer", "withdraw", message="已与商家线下协商解决。"),),
        expect=("closed", "withdrawn"),
    ),
    Story(
        ZHANG,
        "shop",
        15,
        "quality",
        "social",
        "小红书",
        "329.00",
        ("exchange",),
        "台灯灯光频闪",
        "台灯使用时频闪明显。",
        steps=(
            at(1, "agent", "respond", kind="offer", remedy="exchange", message="为您换新。"),
            at(2, "consumer", "withdraw", message="不需要了，自己处理。"),
        ),
        expect=("closed", "withdrawn"),
    ),
    Story(
        CHEN,
        "applied",
        20,
        "other",
        "offline",
        "门店",
        "30.00",
        ("apology",),
        "店员态度恶劣",
        "询问价格时店员出言不逊。",
        steps=(at(2, "supervisor", "review_reject", message="服务态度问题已转12345热线处理，本平台不予受理。"),),
        expect=("closed", "rejected"),
    ),
    Story(
        WANG,
        None,
        40,
        "other",
        "other",
        "滴滴出行",
        "45.00",
        ("refund",),
        "网约车绕路多收费",
        "司机绕路，车费比平时多一倍。",
        merchant_name="某网约车司机",
        region="HB-WH",
        steps=(at(3, "supervisor", "review_reject", message="不属于本会受理范围，已告知向交通运输部门反映。"),),
        expect=("closed", "rejected"),
    ),
]


# An incident (collective complaint) about a merchant not on the platform: the salon of the
# prepaid-card story above, which closed with its customers' money.
DEMO_INCIDENT = {
    "merchant_name": "星光美容美发店",
    "title": "星光美容美发店关门，预付卡无法使用",
    "description": "该店突然停业，多名消费者的预付卡余额无法使用。消委会正在联系经营者并统一处理。",
    "keywords": "预付卡 充值 关门",
}
