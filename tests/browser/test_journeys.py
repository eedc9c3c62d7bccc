"""Every role's journey in a real Chromium: consumer (phone), merchant agent, mediation, supervisor, deadlines."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import deadlines, workflow
from complaints.models import Complaint, Status
from merchants.models import MerchantStatus, Violation, ViolationStatus
from tests.conftest import PASSWORD, proof_for
from tests.integration.conftest import wait_for

from .conftest import DESKTOP, PHONE, act, field_label, log_in, png_bytes

pytestmark = pytest.mark.browser


def _offer(agent, complaint, message="We will refund the full price."):
    workflow.perform(
        actor=agent,
        complaint_id=complaint.pk,
        action="respond",
        kind="offer",
        message=message,
        remedy="refund",
        offer_amount=Decimal("2999.00"),
    )


@pytest.mark.integration
def test_consumer_signs_up_with_sms_code_files_from_phone_and_closes_the_case(
    page, live_server, celery_worker, shop, agent, shots
):
    celery_worker.start()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/accounts/signup/")
    shots(page, "signup")
    page.get_by_label("Mobile number").fill("13800138555")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/accounts/signup/complete/")
    text = wait_for(
        lambda: next((t for t in celery_worker.texts() if "13800138555" in t), None),
        "the sign-up SMS",
        worker=celery_worker,
    )
    code = re.search(r"\b(\d{6})\b", text.split("\n", 2)[-1]).group(1)
    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_label("Your name").fill("赵小燕")
    page.get_by_label(field_label("Password")).fill("long-enough-pass-1")
    page.get_by_label("Password again").fill("long-enough-pass-1")
    shots(page, "signup-code")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/my/new/")
    page.get_by_label(field_label("Merchant")).select_option(value=str(shop.pk))
    page.get_by_label("What went wrong").select_option(index=1)
    page.get_by_label("Where you bought it").select_option(index=1)
    page.get_by_label("Title").fill("Phone screen cracked on arrival")
    page.get_by_label("What happened").fill("The screen was cracked when I opened the box on delivery day.")
    page.get_by_label("Refund", exact=True).check()
    page.get_by_label("Evidence").set_input_files(
        [
            {"name": "box.png", "mimeType": "image/png", "buffer": png_bytes("red")},
            {"name": "screen.png", "mimeType": "image/png", "buffer": png_bytes("blue")},
        ]
    )
    shots(page, "complaint-form")
    with page.expect_navigation():
        page.get_by_role("button", name="File the complaint").click()
    shots(page, "case-filed")
    assert re.search(r"/cases/\d+/$", page.url), page.locator("main").inner_text()
    complaint = Complaint.objects.get(title="Phone screen cracked on arrival")
    assert complaint.evidence.count() == 2
    assert no_overflow(page)
    # the merchant's notice went out through the worker
    wait_for(lambda: any("13900000001" in t for t in celery_worker.texts()), "the merchant's SMS", worker=celery_worker)

    _offer(agent, complaint)
    page.reload()
    assert "We will refund the full price." in page.locator("#timeline").inner_text()
    shots(page, "merchant-answered")
    act(page, "accept", check=("I have read these terms and accept them",))
    workflow.perform(
        actor=agent,
        complaint_id=complaint.pk,
        action="fulfil",
        message="Refund sent, receipt 8812.",
        **proof_for(complaint),
    )
    page.reload()
    assert "Refund sent, receipt 8812." in page.locator("#timeline").inner_text()
    act(page, "confirm")
    act(page, "rate", check=("5",))
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.satisfaction == 5
    shots(page, "closed-and-rated")
    page.set_viewport_size(DESKTOP)
    shots(page, "closed-desktop")


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_merchant_agent_answers_from_the_inbox_with_masked_consumer_data(
    page, live_server, transactional_db, wang, agent, file_complaint, shots, browser
):
    complaint = file_complaint(title="Washing machine leaks", share_contact=False)
    log_in(page, live_server, "agent", PASSWORD)
    page.goto(f"{live_server.url}/merchant/")
    shots(page, "inbox")
    page.locator("tr", has_text="Washing machine leaks").get_by_role("link").first.click()
    page.wait_for_url(f"**/cases/{complaint.pk}/")
    body = page.locator("main").inner_text()
    assert "王*" in body
    assert "138****8000" in body
    assert "13800138000" not in page.content()
    assert "王小明" not in page.content()
    shots(page, "case-masked")
    act(
        page,
        "respond",
        fields={"Message to the consumer": "We will replace it this week.", "Amount (CNY)": "1200"},
        choose={"Remedy offered": "Exchange"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_CONSUMER
    workflow.perform(actor=wang, complaint_id=complaint.pk, action="accept")
    page.reload()
    act(
        page,
        "fulfil",
        fields={"What was done": "Replacement delivered.", "Courier": "SF Express", "Tracking number": "SF123456"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_CONFIRMATION
    shots(page, "fulfilled")

    # the same pages in Chinese, as a browser that asks for it (Accept-Language)
    zh = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    try:
        zh_page = zh.new_page()
        log_in_any(zh_page, live_server, "agent", PASSWORD)
        zh_page.goto(f"{live_server.url}/merchant/")
        assert zh_page.locator("html").get_attribute("lang").lower().startswith("zh")
        shots(zh_page, "inbox-zh")
        zh_page.goto(f"{live_server.url}/cases/{complaint.pk}/")
        shots(zh_page, "case-zh")
    finally:
        zh.close()


def log_in_any(page, live_server, username, password):
    """Log in whatever the page's language: by field names, not labels."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def test_rejected_twice_then_mediated_to_an_agreement(
    page, live_server, transactional_db, wang, agent, supervisor, mediator, file_complaint, shots
):
    complaint = file_complaint(title="Sofa delivered broken")
    log_in(page, live_server, wang.username, PASSWORD)
    for round_ in (1, 2):
        _offer(agent, complaint, message=f"Offer number {round_}.")
        page.goto(f"{live_server.url}/cases/{complaint.pk}/")
        act(page, "reject", fields={"What is still wrong": f"Not enough, round {round_}."})
    _offer(agent, complaint, message="Final offer.")
    page.goto(f"{live_server.url}/cases/{complaint.pk}/")
    act(page, "request_mediation", fields={"Why you ask for mediation": "We cannot agree."})
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_MEDIATION
    shots(page, "consumer-asked-mediation")

    page.context.clear_cookies()
    log_in(page, live_server, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/cases/{complaint.pk}/")
    shots(page, "supervisor-case")
    act(page, "assign", choose={"Mediator": f"{mediator.display_name} · {mediator.council.name}"})
    complaint.refresh_from_db()
    assert complaint.mediator_id == mediator.pk

    page.context.clear_cookies()
    log_in(page, live_server, "mediator", PASSWORD)
    page.goto(f"{live_server.url}/cases/{complaint.pk}/")
    agreed = (timezone.localdate() + timedelta(days=5)).isoformat()
    act(
        page,
        "record_agreement",
        fields={"What was agreed": "Half refund.", "Amount (CNY)": "1500", "Carried out by": agreed},
        choose={"Agreed remedy": "Refund"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.SETTLED
    assert complaint.agreement["due_date"] == agreed and complaint.agreement["amount"] == "1500.00"
    assert "Half refund." in page.locator("#timeline").inner_text()
    shots(page, "mediator-agreement")


def test_supervisor_filters_dashboards_exports_approves_and_confirms_a_violation(
    page, live_server, transactional_db, wang, agent, supervisor, unlisted_shop, file_complaint, shots
):
    laptop = file_complaint(title="Laptop battery dead")
    reported = file_complaint(title="Rude calls about my refund")
    _offer(agent, reported)
    fridge = file_complaint(title="Fridge noisy")
    log_in(page, live_server, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/council/")
    page.get_by_label("Case number, order number or text:").fill("Laptop")
    page.get_by_role("button", name="Show cases").click()
    page.wait_for_load_state()
    table = page.locator("table.case-table").first.inner_text()
    assert "Laptop battery dead" in table and "Fridge noisy" not in table
    shots(page, "queue-filtered")

    page.goto(f"{live_server.url}/council/dashboard/")
    page.wait_for_function("() => [...document.querySelectorAll('canvas')].some(c => Chart.getChart(c))")
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('canvas')].filter(c => {
            const chart = Chart.getChart(c);
            if (!chart || c.width === 0) return false;
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
            return false;
        }).length"""
    )
    assert drawn >= 1
    shots(page, "dashboard")

    page.goto(f"{live_server.url}/council/?q=Laptop")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as CSV").click()
    csv_text = open(download.value.path(), encoding="utf-8-sig").read()
    assert laptop.case_number in csv_text
    assert fridge.case_number not in csv_text

    page.goto(f"{live_server.url}/council/merchants/{unlisted_shop.pk}/")
    shots(page, "merchant-application")
    page.locator("#decision-approve").get_by_label("I checked these details against the business licence").check()
    with page.expect_navigation():
        page.locator("#decision-approve button[type=submit]").click()
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.ENROLLED

    workflow.perform(
        actor=wang,
        complaint_id=reported.pk,
        action="report_violation",
        kind="harassment",
        message="He called me at night.",
    )
    page.goto(f"{live_server.url}/council/violations/?status=reported")
    shots(page, "violations")
    page.get_by_label("Confirm: the merchant owes the compensation").first.check()
    page.get_by_label("I confirm the merchant owes the consumer", exact=False).first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").first.click()
    violation = Violation.objects.get(complaint=reported)
    assert violation.status == ViolationStatus.CONFIRMED
    assert "Confirmed:" in page.locator("main").inner_text()


def test_overdue_case_is_escalated_by_the_deadline_job_and_listed_as_overdue(
    page, live_server, transactional_db, wang, agent, supervisor, file_complaint, shots
):
    late = file_complaint(title="Headphones never arrived")
    file_complaint(title="Kettle on time")
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    counts = deadlines.apply_deadlines()
    assert counts.get("merchant_overdue") == 1
    late.refresh_from_db()
    assert late.status == Status.IN_MEDIATION

    log_in(page, live_server, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/cases/{late.pk}/")
    assert "The merchant did not answer in time" in page.locator("#timeline").inner_text()
    shots(page, "escalated-case")

    # the council's own mediation deadline passes too: the case is overdue for the staff
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    deadlines.apply_deadlines()
    page.goto(f"{live_server.url}/council/dashboard/")
    assert "Headphones never arrived" in page.locator("#overdue-cases").inner_text()
    shots(page, "dashboard-overdue")
    page.locator("#figure-overdue").click()
    page.wait_for_load_state()
    listed = page.locator("table.case-table").first.inner_text()
    assert "Headphones never arrived" in listed
    assert "Kettle on time" not in listed
    shots(page, "overdue-list")
