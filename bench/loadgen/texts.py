"""Chinese complaint texts for the filing loads: the same texts for this platform and the peer.

Each filing n gets a title and a description of a few sentences (about 150 characters) built
from its number, so consecutive filings differ and a run is reproducible.
"""

import random

PRODUCTS = [
    "空调",
    "冰箱",
    "洗衣机",
    "手机",
    "笔记本电脑",
    "电动自行车",
    "羽绒服",
    "运动鞋",
    "奶粉",
    "扫地机器人",
    "电热水器",
    "健身年卡",
    "英语培训课程",
    "旅游套餐",
    "外卖套餐",
    "沙发",
]
PROBLEMS = [
    ("收到时外壳破损", "打开包装发现外壳有明显裂痕，快递员当场签收时未允许验货。"),
    ("使用三天后无法开机", "按说明书操作后仍然无法启动，联系客服多次均未得到答复。"),
    ("与宣传不符", "直播间宣传为正品原装，收到后发现型号和参数都与页面描述不一致。"),
    ("商家拒绝七天无理由退货", "商品未拆封且在七天内申请退货，商家以活动商品为由拒绝。"),
    ("维修后问题依旧", "已经返厂维修两次，故障仍然存在，商家要求再次自费检测。"),
    ("价格欺诈", "下单前标价与结算价不一致，多收了费用，商家不予退还差价。"),
    ("迟迟不发货", "付款后承诺四十八小时内发货，已经过去两周仍未发货。"),
    ("预付费后门店关闭", "办理预付费会员后不到一个月门店关闭，剩余金额无法退还。"),
]
ENDINGS = [
    "希望消费者委员会帮助协调，尽快解决。",
    "请求商家依法退款并赔偿损失。",
    "希望商家给出合理的处理方案。",
    "要求更换同型号新品或全额退款。",
]
PLATFORMS = ["淘宝", "京东", "拼多多", "抖音", "美团", "线下门店"]


def complaint_text(n: int) -> dict:
    """Title, description, platform, order number and amount of filing n."""
    pick = random.Random(n)
    product = pick.choice(PRODUCTS)
    problem, detail = pick.choice(PROBLEMS)
    title = f"购买的{product}{problem}"
    description = (
        f"我于上月在商家处购买了{product}，订单金额{pick.randint(50, 9000)}元。{detail}"
        f"我已保留聊天记录、付款凭证和照片（第{n}号记录）。{pick.choice(ENDINGS)}"
    )
    return {
        "title": title,
        "description": description,
        "platform": pick.choice(PLATFORMS),
        "order_number": f"{pick.randint(10**15, 10**16 - 1)}",
        "amount": f"{pick.randint(5000, 900000) / 100:.2f}",
    }
