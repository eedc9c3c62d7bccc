"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against a live server.

No browser is ever downloaded (`playwright install` is never run). pytest-playwright starts one
browser per pytest process (a session fixture) and a fresh context and page per test.
"""

import os
import re

# live_server + Playwright's sync API run Django ORM calls from a thread with an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402

# The real Celery worker of the integration tests, for journeys whose notices matter (SMS codes).
from tests.integration.conftest import (  # noqa: E402, F401
    broker,
    celery_worker,
    point_broker_at,
    redis_url,
    test_database_url,
)

CHROMIUM = "/usr/bin/chromium"
VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def _live_server_media_url():
    """The app serves no media (MEDIA_URL = None: evidence only goes through a permission check),
    but Django's live server thread parses MEDIA_URL as a str. Give it a prefix no page links to."""
    previous = settings.MEDIA_URL
    settings.MEDIA_URL = "/_live-server-media-unused/"
    yield
    settings.MEDIA_URL = previous


@pytest.fixture(scope="session")
def live_server(_live_server_media_url, live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Asia/Shanghai", "viewport": DESKTOP}


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    """Pages show English by default (Accept-Language en); static files come from the finders."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


class Shots:
    """Saves numbered screenshots to artifacts/screenshots/<test>/NN-name.png."""

    def __init__(self, name: str):
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page, name: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.name.replace("[", "-").replace("]", "").replace("/", "-"))


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Mobile number or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (vendored from the npm registry, injected into the page) and return the
    violations of the given impacts as {id, impact, help, targets}."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def act(
    page,
    action: str,
    fields: dict[str, str] | None = None,
    choose: dict[str, str] | None = None,
    check: tuple[str, ...] = (),
) -> None:
    """Take a case action from the case page: open its panel, fill `fields` (label -> text),
    pick `choose` (select label -> option label), tick `check` (radio or checkbox labels),
    press its button, wait for the next page."""
    box = page.locator(f"#action-{action}")
    box.wait_for()
    if box.evaluate("e => e.tagName") == "DETAILS" and not box.evaluate("e => e.open"):
        box.locator("summary").click()
    for label, value in (fields or {}).items():
        box.get_by_label(field_label(label)).fill(value)
    for label, option in (choose or {}).items():
        box.get_by_label(field_label(label)).select_option(label=option)
    for label in check:
        box.get_by_label(label, exact=True).check()
    with page.expect_navigation():
        box.locator("button[type=submit]").first.click()


def field_label(text: str) -> re.Pattern:
    """A form field's label, with or without Django's label suffix (":")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*:?\s*$")


def png_bytes(colour: str) -> bytes:
    """A small real PNG (evidence uploads are sniffed for their content)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()
