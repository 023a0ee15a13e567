"""The need's page and the contract's page at 200% zoom: every action visible and clickable, nothing scrolls
sideways.

Zooming Chromium to 200% in a 1280 x 900 window halves the layout viewport (640 x 450 CSS pixels) and doubles the
device pixel ratio: media queries, layout and hit-testing then see exactly what a 640 px viewport at device scale
factor 2 sees, which is how the test emulates it (Playwright cannot press Ctrl-+ in a headless page). A person
with low vision on a laptop gets this page; 640 px is also wider than the 390 px phone layout the other tests
check, so the tablet-ish layout between them is covered too.
"""

import pytest

from tests.e2e.test_deals import signed_deal  # noqa: F401  (the fixture, shared with test_deals)
from tests.utils.factories import PASSWORD

pytestmark = pytest.mark.e2e
ZOOMED = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}

# Each action a person can take in the page's content: buttons, button-links and the summaries that open forms.
ACTIONS = """() => [...document.querySelectorAll(
    'main button, main a.btn, main summary, main input[type=submit], main select, header button, header summary'
)].filter(el => el.checkVisibility({visibilityProperty: true}))  // not inside a closed <details>
  .map((el, i) => { el.dataset.zoomAction = String(i); return i; })"""

CHECK = """(i) => {
    const el = document.querySelector(`[data-zoom-action="${i}"]`);
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const x = r.left + Math.min(r.width / 2, 8), y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    return {
        name: (el.innerText || el.value || el.getAttribute('aria-label') || el.outerHTML).trim().slice(0, 160),
        covered: hit ? hit.outerHTML.slice(0, 120) : null,
        inside: r.left >= 0 && r.right <= document.documentElement.clientWidth + 0.5,
        clickable: !!hit && (hit === el || el.contains(hit) || hit.contains(el) && hit.tagName === 'LABEL'),
        width: r.width,
    };
}"""


def zoomed_page(browser, base: str, email: str):
    context = browser.new_context(locale="zh-CN", **ZOOMED)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/auth/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return page


def assert_usable(page, url: str) -> None:
    page.goto(url)
    width = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert width[0] <= width[1], f"{url} scrolls sideways at 200% zoom: {width[0]} > {width[1]} px"
    actions = page.evaluate(ACTIONS)
    assert len(actions) >= 3, f"{url}: only {len(actions)} actions found"
    problems = []
    for i in actions:
        found = page.evaluate(CHECK, i)
        if not (found["inside"] and found["clickable"] and found["width"] > 0):
            problems.append(found)
    assert not problems, f"{url}: actions cut off or covered at 200% zoom: {problems}"


def test_a_need_and_a_contract_are_usable_at_200_percent_zoom(signed_deal, browser):  # noqa: F811
    world = signed_deal
    base = world["base"]
    sme = zoomed_page(browser, base, world["emails"]["sme"])
    lab = zoomed_page(browser, base, world["emails"]["lab"])
    try:
        # The owner's need: edit, close, NDA, grants; the provider's view: its interest and the conversation.
        need = f"{base}/needs/{world['ids']['need']}"
        assert_usable(sme, need)
        assert_usable(lab, need)
        assert_usable(sme, world["contract"])
        assert_usable(lab, world["contract"])
        # The header's menu opens and its links are reachable at this width too.
        sme.get_by_role("button", name="菜单").click()
        assert sme.get_by_role("link", name="我的发布").is_visible()
    finally:
        sme.context.close()
        lab.context.close()


# How much of the placeholder the search box can show: its text width against the input's inner width.
PLACEHOLDER = """() => {
    const input = document.getElementById('site-search');
    const style = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [ctx.measureText(input.placeholder).width, room];
}"""


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_crowded_header_keeps_the_whole_search_placeholder(signed_deal, browser, width):  # noqa: F811
    """A center's user has the most header links (interests, contracts, the bell, two post buttons)."""
    page = zoomed_page(browser, signed_deal["base"], signed_deal["emails"]["lab"])
    try:
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/", "/needs"):
            page.goto(signed_deal["base"] + path)
            text, room = page.evaluate(PLACEHOLDER)
            assert text <= room, f"the search placeholder is cut at {width}px: {text:.0f} > {room:.0f} px"
    finally:
        page.context.close()
