"""Browser tests: Playwright drives Debian's chromium against a live server on loopback."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):  # never skipped: a run without the browser tests is not a green run
        pytest.fail(f"The browser tests need Chromium and there is none at {CHROMIUM}. `make test` installs "
                    "Debian's chromium when run as root; otherwise `sudo apt-get install chromium fonts-noto-core` "
                    "(or set CHROMIUM_PATH).", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(10000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    def sign_in(username: str, password: str = DEMO_PASSWORD):
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()

    return sign_in


AXE_PATH = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source, installed under tests/e2e by `make test` (or here when missing); injected into the
    page under test by Playwright, never served by the application."""
    if not AXE_PATH.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("The accessibility checks need axe-core: install Node.js and npm, then run make test.",
                        pytrace=False)
        subprocess.run([npm, "ci", "--prefix", str(AXE_PATH.parents[2]), "--no-audit", "--no-fund", "--silent"],
                       check=True)
    return AXE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def check_accessibility(axe_source):
    """Runs axe-core on the page as it is and fails on any serious or critical violation, listing them."""
    def check(page, label: str = ""):
        page.add_script_tag(content=axe_source)
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')),
                count: v.nodes.length}));
        }""")
        if result:
            lines = [f"{label or page.url}: {len(result)} serious/critical axe-core violation(s)"]
            for violation in result:
                lines.append(f"- {violation['id']} ({violation['impact']}, {violation['count']} elements): "
                             f"{violation['help']}")
                lines.extend(f"    {node}" for node in violation["nodes"])
            pytest.fail("\n".join(lines), pytrace=False)

    return check
