"""The first user journeys, in a real browser."""
import re

from playwright.sync_api import expect


def test_booker_finds_an_giang_by_searching_and_opens_it(page, login):
    login("booker")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    page.get_by_test_id("nav-endpoints-menu").click()
    page.get_by_role("link", name="Tất cả điểm cầu").click()
    expect(page.get_by_test_id("endpoint-count")).to_have_text("70 điểm cầu")
    page.get_by_placeholder(re.compile("An Giang")).fill("an giang")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("endpoint-count")).to_have_text("1 điểm cầu")
    page.get_by_role("link", name="Cục Thi hành án dân sự tỉnh An Giang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cục Thi hành án dân sự tỉnh An Giang")
    expect(page.get_by_test_id("distance")).to_contain_text("km")


def test_operator_cannot_open_the_admin_pages(page, login):
    login("op-thads-an-giang")
    expect(page.get_by_test_id("nav-endpoints-menu")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Quản trị"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Quản trị"))).to_have_count(0)
    for path in ("/admin/users", "/admin/audit", "/endpoints/thads-an-giang/edit", "/endpoints/reorganisation"):
        response = page.goto(path)
        assert response.status == 403
        expect(page.locator(".error-status")).to_have_text("403")


def test_the_interface_switches_to_english(page, login):
    login("leader")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_test_id("nav-endpoints-menu")).to_have_text(re.compile("Endpoints"))
    page.get_by_role("button", name="VI").click()
    expect(page.get_by_test_id("nav-endpoints-menu")).to_have_text(re.compile("Điểm cầu"))


def test_the_layout_works_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("booker")
    page.get_by_label("Mật khẩu").fill("demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("load")  # the menu's script is ready before the menu is opened
    page.get_by_role("button", name="Danh mục").click()
    expect(page.get_by_test_id("nav-endpoints-menu")).to_be_visible()
    page.get_by_test_id("nav-endpoints-menu").click()
    page.get_by_role("link", name="Tất cả điểm cầu").click()
    expect(page.get_by_test_id("endpoint-count")).to_have_text("70 điểm cầu")
    page.wait_for_load_state("load")  # measure with the stylesheets applied
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("Array.from(document.querySelectorAll('body *')).filter(e => "
                         "e.getBoundingClientRect().right > 391).slice(0, 5).map(e => e.tagName + '.' + e.className)")
    assert width <= 390, f"the page must not scroll sideways on a phone: {wide}"
    context.close()
