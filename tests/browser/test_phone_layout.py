"""Reading the site on a phone and on a desktop: the main pages of the consumer, a merchant agent, a
merchant owner, a supervisor and a mediator, at 375 px and 1440 px, in English and Chinese.

On every page: nothing sticks out of its container sideways (tables scroll inside their .table-wrap),
no case number or date is broken across lines, the header is one row with space below it, and the
case page's notice table keeps its words whole."""

import re

import pytest

from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, log_in

pytestmark = pytest.mark.browser

PAGES = {
    "consumer": ("13800138000", ["/my/", "/my/new/", "/cases/{case}/"]),
    "agent": ("agent", ["/merchant/", "/merchant/?tab=open", "/cases/{case}/"]),
    "owner": ("owner", ["/merchant/?tab=open", "/merchant/team/", "/merchant/record/"]),
    "supervisor": ("supervisor", ["/council/", "/council/dashboard/", "/council/merchants/", "/cases/{case}/"]),
    "mediator": ("mediator", ["/council/", "/cases/{case}/"]),
}
LANGUAGES = ("en", "zh-hans")

# Elements wider than their container, outside the containers that scroll sideways on purpose.
OVERFLOWING = """() => {
  const scrolls = e => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX);
  const found = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!e.checkVisibility({visibilityProperty: true})) continue;
    if (['absolute', 'fixed'].includes(getComputedStyle(e).position)) continue;
    const box = e.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    let scrolled = false;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scrolls(p)) { scrolled = true; break; }
    }
    if (scrolled) continue;
    const outer = e.parentElement.getBoundingClientRect();
    if (box.right > outer.right + 1 || box.left < outer.left - 1) {
      found.push(`${e.tagName.toLowerCase()}#${e.id}.${String(e.className).trim().replace(/\\s+/g, '.')} `
        + `[${Math.round(box.left)}, ${Math.round(box.right)}]`
        + ` in [${Math.round(outer.left)}, ${Math.round(outer.right)}]`);
    }
  }
  return found.slice(0, 5);
}"""

# Case numbers and dates broken across lines: an inline box on two lines has two client rectangles.
BROKEN_WORDS = r"""() => {
  const caseNumber = /^[A-Z]{2}\d{4}-\d{6}$/;
  const words = [...document.querySelectorAll('main a, main strong, main td, main span, main time')]
    .filter(e => e.checkVisibility() && (e.tagName === 'TIME' || caseNumber.test(e.textContent.trim())));
  const broken = [];
  for (const e of words) {
    const range = document.createRange();
    range.selectNodeContents(e);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
    if (lines.size > 1) broken.push(`${e.tagName.toLowerCase()} "${e.textContent.trim()}" on ${lines.size} lines`);
  }
  return broken.slice(0, 5);
}"""

# The header's visible parts (brand, links, menu button, language switch) on the brand's row, and
# the page's first line at least 12 px below the header.
HEADER = """() => {
  const header = document.querySelector('.site-header'), brand = header.querySelector('.brand').getBoundingClientRect();
  const middle = brand.top + brand.height / 2;
  const parts = [...header.querySelectorAll('a, button, select, summary')].filter(e => e.checkVisibility()
    && !e.closest('[open] .nav-more-body, .site-menu[open] .menu-body'));
  const off = parts.filter(e => { const r = e.getBoundingClientRect(); return r.top > middle || r.bottom < middle; })
    .map(e => e.textContent.trim().slice(0, 20));
  const first = document.querySelector('main').firstElementChild.getBoundingClientRect();
  const bar = header.getBoundingClientRect();
  return {off: off, height: bar.height, gap: first.top - bar.bottom};
}"""

# The notice table's channel, status, tries and time: one line each (no "已/发/送").
NOTICE_CELLS = """() => [...document.querySelectorAll('#notices tbody td:nth-child(n+2)')]
  .filter(td => td.firstChild && td.firstChild.nodeType === Node.TEXT_NODE && td.firstChild.textContent.trim())
  .filter(td => { const range = document.createRange(); range.selectNodeContents(td.firstChild);
    return new Set([...range.getClientRects()].map(r => Math.round(r.bottom))).size > 1; })
  .map(td => td.textContent.trim())"""


@pytest.fixture
def cases(case_in, file_complaint, mediator):
    """Cases in several states, with titles long enough to wrap; the returned one has notices."""
    from complaints.models import Complaint, Status

    first = case_in(Status.AWAITING_MERCHANT)
    Complaint.objects.filter(pk=first.pk).update(
        title="直播间宣称“纯铜电机”，拆开是铝线，商家拒绝退货并且不再回复消息", priority=35
    )
    case_in(Status.AWAITING_CONSUMER)
    mediated = case_in(Status.IN_MEDIATION)
    Complaint.objects.filter(pk=mediated.pk).update(mediator=mediator)
    case_in(Status.CLOSED)
    file_complaint(title="Washing machine drum wobbles and leaks water on the spin cycle, twice in a week")
    return first


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_fit_a_phone_and_a_desktop_in_both_languages(
    role, browser, live_server, transactional_db, cases, wang, owner, agent, supervisor, mediator, shots
):
    username, paths = PAGES[role]
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    try:
        log_in(page, live_server, username, PASSWORD)
        for language in LANGUAGES:
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            for viewport in (PHONE, DESKTOP):
                page.set_viewport_size(viewport)
                for path in paths:
                    path = path.format(case=cases.pk)
                    response = page.goto(live_server.url + path)
                    assert response.ok, f"{path}: HTTP {response.status}"
                    where = f"{language} {viewport['width']} px {path}"
                    problems += _problems(page, where, viewport)
                    name = re.sub(r"[^a-z0-9]+", "-", path).strip("-")
                    shots(page, f"{language}-{viewport['width']}-{name}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def _problems(page, where: str, viewport: dict) -> list[str]:
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport["width"]:
        problems.append(f"{where}: the page is {width} px wide")
    problems += [f"{where}: sticks out: {e}" for e in page.evaluate(OVERFLOWING)]
    problems += [f"{where}: broken: {e}" for e in page.evaluate(BROKEN_WORDS)]
    header = page.evaluate(HEADER)
    if header["off"]:
        problems.append(f"{where}: the header is more than one row ({header['height']:.0f} px): {header['off']}")
    if header["gap"] < 12:
        problems.append(f"{where}: the page starts {header['gap']:.0f} px below the header")
    problems += [f"{where}: notice cell on several lines: {text}" for text in page.evaluate(NOTICE_CELLS)]
    return problems


def test_the_phone_menu_opens_without_javascript(browser, live_server, transactional_db, supervisor, shots):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        log_in(page, live_server, "supervisor", PASSWORD)
        page.goto(f"{live_server.url}/council/")
        queue_link = page.get_by_role("link", name="Dashboard")
        assert not queue_link.is_visible()
        page.get_by_text("Menu", exact=True).click()
        shots(page, "menu-open", full_page=False)
        assert queue_link.is_visible()
        with page.expect_navigation():
            queue_link.click()
        assert page.url.endswith("/council/dashboard/")
    finally:
        context.close()


def test_the_api_docs_load_without_breaking_the_content_security_policy(page, live_server, transactional_db):
    messages = []
    page.on("console", lambda message: messages.append(message.text))

    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info").wait_for()

    assert not [text for text in messages if "Content Security Policy" in text]
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"].startswith("image/")
