"""Every page speaks the visitor's language: the main pages of each role, rendered in English and
in Chinese over a small demo-like world, show no English words in Chinese and no Chinese in
English, once the user data (titles, descriptions, names, messages ...) is taken out; and no
page shows a raw code (`complaint.message`, `merchant_agent`, `awaiting_merchant`).

A failure lists the offending strings page by page: usually a text without its translation
(a missing msgid in locale/), or a code shown where its label belongs."""

import html.parser
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Council, User
from complaints import incidents, workflow
from complaints.access import mask_email, mask_name, mask_phone
from complaints.models import (
    CaseAddress,
    CollectiveAct,
    Complaint,
    ComplaintEvent,
    Evidence,
    Incident,
    MediationSession,
    SessionParticipant,
    Status,
)
from merchants.models import Merchant, Violation
from notifications.models import Notification

LANGUAGES = ["en", "zh-hans"]

# Text the pages show in both languages on purpose: a language's own name in the switcher and
# product names; acronyms (SMS, CNY, PDF, XLSX, IP) pass the word pattern by themselves.
ALWAYS_SHOWN = ("English", "简体中文", "WebP", "Excel")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# An English-looking word: two letters or more, one of them lower case (acronyms pass).
ENGLISH_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*(?:[ '’-]+[A-Za-z]*[a-z][A-Za-z]*)*")
# A code shown as text: snake_case (merchant_agent) or a dotted action (complaint.message).
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]{3,}\.[a-z_]{3,}\b")
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _VisibleText(html.parser.HTMLParser):
    """The text a person reads on a page: text nodes outside script and style, and the
    attributes a browser shows (title, placeholder, aria-label, alt, a button's value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        attrs = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(page: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    return [" ".join(part.split()) for part in parser.parts]


# --- user data ------------------------------------------------------------------------------------


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


# What people typed or were named with, model by model. Codes are not user data: a status, a
# role or an event kind must be shown by its label.
USER_FIELDS = {
    User: ("username", "name", "email", "phone"),
    Council: ("name",),
    Merchant: ("name", "uscc", "address", "email", "notice_phones"),
    Complaint: (
        "case_number",
        "merchant_name",
        "merchant_phone",
        "platform",
        "order_number",
        "title",
        "description",
        "satisfaction_comment",
        "offer",
        "agreement",
    ),
    ComplaintEvent: ("message", "data"),
    Incident: ("title", "description", "merchant_name", "keywords", "order_pattern"),
    CollectiveAct: ("message",),
    MediationSession: ("link", "address", "terms", "next_step"),
    SessionParticipant: ("reschedule_reason", "reschedule_reply", "position", "dispute_reason"),
    CaseAddress: ("recipient", "district", "street", "postcode"),
    Evidence: ("original_name",),
    Violation: ("message", "reason"),
    Notification: ("params",),  # the case number, the merchant's name, a deadline as sent
}


def user_data() -> list[str]:
    """Every value people typed or were named with in the test world, longest first. Codes kept
    in JSON (a remedy's `refund`) are not user data: a page must show their labels."""
    values = set()
    for model, fields in USER_FIELDS.items():
        for row in model.objects.values_list(*fields):
            for field, value in zip(fields, row, strict=True):
                for text in _strings(value):
                    text = text.strip()
                    coded = not isinstance(value, str) and re.fullmatch(r"[a-z_]+", text)
                    if len(text) >= 2 and not coded and field != "sender":
                        values.add(text)
    # Names and addresses as pages show them to those who may not see them whole.
    for user in User.objects.all():
        values.update({user.display_name, mask_name(user.name), mask_phone(user.phone), mask_email(user.email)})
    return sorted((v for v in values if v), key=len, reverse=True)


def _pattern(value: str) -> re.Pattern:
    # A word is taken out whole: the user name "supervisor" leaves "supervisors" alone.
    before = r"(?<![A-Za-z])" if value[0].isascii() and value[0].isalpha() else ""
    after = r"(?![A-Za-z])" if value[-1].isascii() and value[-1].isalpha() else ""
    return re.compile(before + re.escape(value) + after)


def without_user_data(parts: list[str], data: list[str]) -> list[str]:
    patterns = [_pattern(value) for value in data]
    kept = []
    for part in parts:
        for pattern in patterns:
            part = pattern.sub(" ", part)
        for name in ALWAYS_SHOWN:
            part = part.replace(name, " ")
        if part.strip():
            kept.append(part)
    return kept


def offending(parts: list[str], language: str) -> list[str]:
    found = []
    for part in parts:
        if language == "en":
            found += HAN.findall(part)
        else:
            found += [m.group(0) for m in ENGLISH_WORD.finditer(part) if len(m.group(0)) >= 2]
    return sorted(set(found))


# --- the world -------------------------------------------------------------------------------------


@pytest.fixture
def world(
    request, case_in, file_complaint, wang, li, owner, agent, supervisor, mediator, shop, other_shop, unlisted_shop
):
    """Demo-like cases at every stage, notices written in the recipients' language (the one the
    page is read in), audit entries and a merchant record."""
    language = request.param
    User.objects.update(language=language)
    for person in (wang, li, owner, agent, supervisor, mediator):
        person.refresh_from_db()

    def step(actor, case, action, **payload):
        return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)

    closed = step(wang, case_in(Status.CLOSED), "rate", score=4)
    mediated = case_in(Status.IN_MEDIATION)
    mediated = step(supervisor, mediated, "assign", mediator=mediator)
    step(mediator, mediated, "message", message="Both parties, please send your receipts.")
    answered = case_in(Status.AWAITING_CONSUMER)
    step(wang, answered, "message", message="When will the refund arrive?")
    step(owner, answered, "assign_agent", agent=agent)
    waiting = file_complaint(title="Sofa delivered late", amount=Decimal("1200.00"))
    reviewed = file_complaint(merchant=unlisted_shop, title="Gym card refused")
    withdrawn = file_complaint(title="Wrong size")
    step(wang, withdrawn, "withdraw")
    incident = incidents.open_incident(actor=supervisor, merchant=shop, title="Sofas never delivered")
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk, mediated.pk])
    incidents.message_all(actor=supervisor, incident_id=incident.pk, message="We are in touch with the shop.")
    return {
        "incident": incident,
        "language": language,
        "cases": {"closed": closed, "mediated": mediated, "answered": answered, "waiting": waiting},
        "reviewed": reviewed,
    }


def pages_of(world, shop):
    """(who, url) for the main pages of each role."""
    cases = world["cases"]
    case = lambda key: reverse("complaints:detail", args=[cases[key].pk])  # noqa: E731
    return [
        (None, reverse("home")),
        (None, reverse("merchants:public_list")),
        (None, reverse("merchants:public_record", args=[shop.pk])),
        (None, reverse("supervision:public_stats")),
        (None, reverse("merchants:guide")),
        (None, reverse("accounts:login")),
        (None, reverse("accounts:signup")),
        (None, "/no-such-page/"),
        ("wang", reverse("complaints:mine")),
        ("wang", reverse("complaints:new")),
        ("wang", case("answered")),
        ("wang", case("closed")),
        ("wang", reverse("notifications:inbox")),
        ("wang", reverse("my_data")),
        ("owner", reverse("merchants:inbox")),
        ("owner", reverse("merchants:record")),
        ("owner", reverse("merchants:team")),
        ("owner", case("waiting")),
        ("owner", reverse("notifications:inbox")),
        ("agent", reverse("merchants:inbox")),
        ("agent", case("answered")),
        ("supervisor", reverse("supervision:queue")),
        ("supervisor", reverse("supervision:dashboard")),
        ("supervisor", reverse("supervision:intake")),
        ("supervisor", reverse("supervision:incident_list")),
        ("supervisor", reverse("supervision:incident_new")),
        ("supervisor", reverse("supervision:incident_detail", args=[world["incident"].pk])),
        ("supervisor", reverse("supervision:audit_log")),
        ("supervisor", reverse("supervision:integrity")),
        ("supervisor", reverse("merchants:council_list")),
        ("supervisor", reverse("merchants:council_violations")),
        ("supervisor", reverse("complaints:detail", args=[world["reviewed"].pk])),
        ("supervisor", case("mediated")),
        ("supervisor", reverse("notifications:inbox")),
        ("mediator", reverse("supervision:queue")),
        ("mediator", case("mediated")),
    ]


def read_pages(world, shop, people) -> dict[str, list[str]]:
    """Each page's visible text, user data taken out, keyed by "who url"."""
    texts = {}
    clients = {}
    for who, url in pages_of(world, shop):
        if who not in clients:
            clients[who] = Client(raise_request_exception=False)
            clients[who].cookies["django_language"] = world["language"]
            if who:
                clients[who].force_login(people[who])
        response = clients[who].get(url)
        assert response.status_code in (200, 404), f"{who} {url}: {response.status_code}"
        texts[f"{who or 'visitor'} {url}"] = visible_text(response.content.decode())
    data = user_data()
    return {page: without_user_data(parts, data) for page, parts in texts.items()}


@pytest.fixture
def people(wang, owner, agent, supervisor, mediator):
    return {"wang": wang, "owner": owner, "agent": agent, "supervisor": supervisor, "mediator": mediator}


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}: {json.dumps(strings, ensure_ascii=False)}" for page, strings in found.items())


# --- the tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("world", ["en"], indirect=True)
def test_english_pages_show_no_chinese_but_user_data(world, shop, people):
    pages = read_pages(world, shop, people)
    found = {page: strings for page, parts in pages.items() if (strings := offending(parts, "en"))}
    assert not found, "Chinese text on English pages:\n" + _report(found)


@pytest.mark.parametrize("world", ["zh-hans"], indirect=True)
def test_chinese_pages_show_no_english_but_user_data(world, shop, people):
    pages = read_pages(world, shop, people)
    found = {page: strings for page, parts in pages.items() if (strings := offending(parts, "zh-hans"))}
    assert not found, "English text on Chinese pages (missing translations):\n" + _report(found)


@pytest.mark.parametrize("world", LANGUAGES, indirect=True)
def test_no_page_shows_a_raw_code(world, shop, people):
    pages = read_pages(world, shop, people)
    found = {
        page: strings
        for page, parts in pages.items()
        if (strings := sorted({m.group(0) for part in parts for m in RAW_CODE.finditer(part)}))
    }
    assert not found, "Codes shown where their labels belong:\n" + _report(found)


# --- the audit log and notice titles in words -------------------------------------------------------


@pytest.mark.parametrize("world", ["en"], indirect=True)
def test_the_audit_log_shows_actions_roles_and_statuses_as_labels(world, client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("supervision:audit_log")).content.decode()
    text = " ".join(visible_text(page))
    assert "Case: Withdraw the complaint" in text and "Case: Add a message" in text
    assert "Merchant owner" in text and "Staff login" in text
    assert "Status: Closed" in text
    for code in ("complaint.withdraw", "merchant_owner", "awaiting_merchant"):
        assert code not in text
    options = re.findall(r'<option value="complaint\.withdraw"[^>]*>([^<]+)<', page)
    assert options == ["Case: Withdraw the complaint"]


def test_a_notice_written_in_chinese_has_an_english_title_in_the_english_inbox(client, wang, file_complaint, owner):
    wang.language = "zh-hans"
    wang.save()
    case = file_complaint()
    workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )
    notice = Notification.objects.get(recipient=wang, channel="in_app", event="responded")
    assert HAN.search(notice.subject)  # written in Wang's language of the time
    client.force_login(wang)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert f"Complaint {case.case_number}: the merchant answered" in page
    assert notice.subject not in page
