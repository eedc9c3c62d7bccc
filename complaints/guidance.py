"""Guidance for consumers (SPEC "Guidance for consumers"): the rules that apply, and what to
keep and know for each category of complaint. Shown beside the filing form and on the rights
guide page."""

from django.utils.translation import gettext_lazy as _

from .models import Category

KEEP_EVIDENCE = _(
    "Keep screenshots of the listing and of your chat with the seller, the order page, "
    "logistics records and photos of the goods."
)
SEVEN_DAYS = _(
    "Online, TV, phone and mail-order purchases can be returned within 7 days of receipt "
    "without giving a reason (Consumer Rights Protection Law, art. 25), except custom-made, "
    "perishable, digital and a few other goods."
)
ART_55 = _(
    "Fraud or false advertising entitles you to a refund plus compensation of 3 times the price, "
    "at least 500 CNY (Consumer Rights Protection Law, art. 55)."
)

GUIDANCE: dict[str, list] = {
    Category.AFTER_SALES: [
        _("Write down when you contacted after-sales, whom you spoke to and what they promised."),
        KEEP_EVIDENCE,
        SEVEN_DAYS,
    ],
    Category.QUALITY: [
        _("Photograph the defect and the packaging before you send anything back; keep the goods."),
        KEEP_EVIDENCE,
        _(
            "Defective goods must be repaired, exchanged or taken back as the law, the warranty or your agreement "
            "provides (Consumer Rights Protection Law, art. 24)."
        ),
        SEVEN_DAYS,
        ART_55,
    ],
    Category.FALSE_ADVERTISING: [
        _("Save the advertisement or listing exactly as you saw it: screenshots or a screen recording with the date."),
        ART_55,
        KEEP_EVIDENCE,
        SEVEN_DAYS,
    ],
    Category.PRICE: [
        _("Keep the price shown when you ordered and what you were charged: screenshots and the payment record."),
        ART_55,
        KEEP_EVIDENCE,
    ],
    Category.DELIVERY: [
        _("Keep the logistics record with its tracking number, and photos of the parcel on arrival."),
        SEVEN_DAYS,
    ],
    Category.CONTRACT: [
        _("Keep the contract, the terms you were shown and any membership or prepaid card records."),
        _(
            "Terms that unfairly exclude your rights or the merchant's liability are void "
            "(Consumer Rights Protection Law, art. 26)."
        ),
    ],
    Category.PERSONAL_INFO: [
        _("Write down what was collected or disclosed, when, and any calls or messages you received because of it."),
        _(
            "A merchant may collect your personal information only with your consent and must keep it confidential "
            "(Consumer Rights Protection Law, art. 29)."
        ),
    ],
    Category.SAFETY: [
        _("If anyone is hurt or in danger, stop using the product and get help first. Keep the product and receipts."),
        _("Safety complaints are handled with priority by the council."),
        KEEP_EVIDENCE,
    ],
    Category.OTHER: [KEEP_EVIDENCE, SEVEN_DAYS, ART_55],
}


def guidance_list() -> list[dict]:
    return [{"category": value, "label": label, "points": GUIDANCE[value]} for value, label in Category.choices]
