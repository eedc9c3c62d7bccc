"""The whole UI in Simplified Chinese and English: the language is chosen from the browser or
the switcher, notices go out in the recipient's language, times are Beijing time, amounts in yuan."""

import datetime
from decimal import Decimal

import pytest
import sms
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from complaints import workflow
from complaints.templatetags.cases import cny

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def text(response, status=200) -> str:
    assert response.status_code == status
    return response.content.decode()


# --- the language of pages ------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_follows_the_browser_language(client):
    chinese = text(client.get(reverse("home"), **ZH))
    assert '<html lang="zh-hans">' in chinese
    assert "消费投诉，在消费者协会监督下解决" in chinese
    assert "Consumer complaints, settled under" not in chinese

    english = text(client.get(reverse("home"), **EN))
    assert '<html lang="en">' in english
    assert "Consumer complaints, settled under" in english
    assert "消费者协会监督" not in english


@pytest.mark.django_db
def test_login_page_in_chinese_and_english(client):
    assert "使用短信验证码登录" in text(client.get(reverse("accounts:login"), **ZH))
    assert "Log in with a code sent by SMS" in text(client.get(reverse("accounts:login"), **EN))


def test_complaint_form_in_chinese_and_english(client, wang, shop):
    client.force_login(wang)
    chinese = text(client.get(reverse("complaints:new"), **ZH))
    assert "提交投诉" in chinese
    assert "支付金额（元）" in chinese
    assert "售后服务" in chinese  # the category choices too
    english = text(client.get(reverse("complaints:new"), **EN))
    assert "File the complaint" in english
    assert "Amount paid (CNY)" in english


def test_case_page_in_chinese_and_english(client, wang, file_complaint):
    case = file_complaint()
    client.force_login(wang)
    chinese = text(client.get(reverse("complaints:detail", args=[case.pk]), **ZH))
    assert "处理进程" in chinese
    assert "待商家处理" in chinese  # the status
    assert "提交投诉" in chinese  # the first timeline entry
    english = text(client.get(reverse("complaints:detail", args=[case.pk]), **EN))
    assert "Timeline" in english
    assert "Awaiting the merchant" in english


@pytest.mark.django_db
def test_the_switcher_sets_the_language_of_the_next_pages(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, **EN)
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    # The cookie wins over the browser's Accept-Language.
    assert "消费投诉，在消费者协会监督下解决" in text(client.get(reverse("home"), **EN))

    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")}, **ZH)
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Consumer complaints, settled under" in text(client.get(reverse("home"), **ZH))


@pytest.mark.django_db
def test_the_switcher_offers_both_languages_by_their_own_names(client):
    page = text(client.get(reverse("home"), **EN))
    assert '<option value="zh-hans">简体中文</option>' in page
    assert '<option value="en" selected>English</option>' in page


def test_a_wrong_login_is_explained_in_chinese(client, wang):
    response = client.post(reverse("accounts:login"), {"username": wang.phone, "password": "wrong-password"}, **ZH)
    assert "手机号码、用户名或密码错误。" in text(response)


def test_form_errors_of_the_complaint_form_are_in_chinese(client, wang, shop):
    client.force_login(wang)
    response = client.post(reverse("complaints:new"), {"merchant": shop.pk}, **ZH)
    page = text(response, status=400)
    assert "请修改下方标出的内容。" in page
    assert "This field is required." not in page


# --- notices in the recipient's language ------------------------------------------------


def bodies_to(phone) -> list[str]:
    return [m.body for m in sms.outbox if m.recipients == [phone]]


def test_merchant_notice_phones_get_the_platform_default_chinese(
    settings, file_complaint, shop, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        case = file_complaint()
    [body] = bodies_to(shop.notice_phones[0])
    assert body.startswith("【315】有消费者对您提交了投诉")
    assert case.case_number in body


def test_a_consumer_gets_sms_in_their_own_language(
    settings, file_complaint, wang, owner, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    wang.language = "en"
    wang.save(update_fields=["language"])
    case = file_complaint(consumer=wang)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="Used goods.")
    [body] = bodies_to(wang.phone)
    assert body.startswith("[315] The merchant answered your complaint")


def test_a_chinese_consumer_gets_chinese_sms_on_an_english_platform(
    file_complaint, wang, owner, django_capture_on_commit_callbacks
):
    wang.language = "zh-hans"
    wang.save(update_fields=["language"])
    case = file_complaint(consumer=wang)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="Used goods.")
    [body] = bodies_to(wang.phone)
    assert body.startswith("【315】商家已答复您的投诉")
    assert "{" not in body  # every placeholder was filled


# --- Beijing time and yuan ------------------------------------------------------------------


def test_case_page_shows_beijing_time(client, wang, file_complaint):
    case = file_complaint()
    filed = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
    type(case).objects.filter(pk=case.pk).update(filed_at=filed)
    client.force_login(wang)
    page = text(client.get(reverse("complaints:detail", args=[case.pk]), **ZH))
    assert "2026-03-02 04:30" in page
    assert "2026-03-01 20:30" not in page
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


@pytest.mark.parametrize(
    "amount, shown",
    [
        (Decimal("1234.56"), "¥1,234.56"),
        (Decimal("2999"), "¥2,999.00"),
        (Decimal("0.005"), "¥0.01"),
        (Decimal("1234567.8"), "¥1,234,567.80"),
        ("88.5", "¥88.50"),
        (12, "¥12.00"),
        (Decimal("-5"), "-¥5.00"),
        (Decimal("0"), "¥0.00"),
        (None, ""),
        ("", ""),
        ("not a number", ""),
        (Decimal("NaN"), ""),
    ],
)
def test_cny_formats_amounts_in_yuan(amount, shown):
    assert cny(amount) == shown


def test_case_page_shows_the_amount_in_yuan(client, wang, file_complaint):
    case = file_complaint(amount="12345.60")
    client.force_login(wang)
    page = text(client.get(reverse("complaints:detail", args=[case.pk]), **EN))
    assert "¥12,345.60" in page


def test_offer_amount_is_shown_in_yuan(client, wang, owner, file_complaint):
    case = file_complaint()
    workflow.perform(
        actor=owner,
        complaint_id=case.pk,
        action="respond",
        kind="offer",
        message="We refund you.",
        remedy="refund",
        offer_amount=Decimal("2999"),
    )
    client.force_login(wang)
    page = text(client.get(reverse("complaints:detail", args=[case.pk]), **ZH))
    assert "¥2,999.00" in page
