"""axe-core (Deque's accessibility engine, fetched by `make test` into .cache/axe) run on every page the browser
tests visit, in both languages and at desktop and phone width.

The tests are not rewritten for it: `install` wraps Playwright's navigation points (a `goto`, a click, a context
closing), and before each one the page the test is on is checked as the test left it (a form with its errors, a
dialog opened), once per page shape, person, language and width. A page reached by GET is also opened in the same
browser context (the same person) in a second tab in the other language and width, so a test that walks in Chinese
at 1280 px also proves the English and 390 px pages; that second look is taken once per page layout (see
`Watch.elsewhere`) for the whole run, across the test workers. The script is evaluated through the DevTools
protocol, which the app's Content-Security-Policy does not govern: the app's CSP stays strict and nothing is added
to the app.

A serious or critical violation fails the test with the rule, the element's selector and the page; every
violation (all impacts) is appended as a JSON line to $AXE_REPORT when it is set, for a before/after count.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / ".cache" / "axe" / "axe.min.js"
LANGS = {"zh-CN": "zh_Hans_CN", "en": "en"}
WIDTHS = (1280, 390)
FAILING = ("serious", "critical")

RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''}))
    }));
}"""
# Whose page it is: the log-out button carries the signed-in person's e-mail.
WHO = "() => [document.documentElement.lang, document.querySelector('.account button[title]')?.title || '']"
# What the page is made of, without its words or numbers: its landmarks and sections, every element id, every
# form (by where it posts) and every named field. A set, so a list of five rows is a list of two; a contract in
# another status (other forms, other sections) or a bureau's page (its own forms) is another set. Classes are left
# out: a badge's colour, a flash message or a card's variant does not make another template.
LAYOUT = """() => {
    const norm = (value) => (value || '').replace(/\\d+/g, '_');
    const landmarks = new Set(['header', 'nav', 'main', 'aside', 'footer', 'section', 'form', 'table', 'dialog',
                               'details', 'fieldset']);
    const parts = new Set();
    for (const el of document.body.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        if (landmarks.has(tag)) parts.add(tag);
        if (el.id) parts.add('#' + norm(el.id));
        if (tag === 'form') parts.add('form ' + norm(el.getAttribute('action')));
        if (el.hasAttribute('name')) parts.add(tag + '[name=' + norm(el.getAttribute('name')) + ']');
    }
    return [...parts].sort().join('\\n');
}"""
# The charts draw after their data arrive; axe reads them once they say so.
SETTLED = '() => !document.querySelector(\'[data-ready="0"], [data-ready=""]\')'


def shape(url: str) -> str:
    """A page's kind rather than its instance: ids and tokens in the path and query values do not count."""
    parts = urlsplit(url)
    path = re.sub(r"/[0-9a-f]{16,}|/\d+", "/_", parts.path)
    return path + "?" + "&".join(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))


@dataclass
class Document:
    """The main frame's current document, as its response said."""

    url: str
    method: str
    html: bool
    checked: bool = False


@dataclass
class Claims:
    """The second tab's keys already checked in this run, by this worker or another.

    With a file, a key is claimed under an exclusive lock on it, so two workers walking the same page at once
    check it once; without one (a run without workers), the keys are this process's alone.
    """

    path: Path | None = None
    known: set[str] = field(default_factory=set)

    def claim(self, key: str) -> bool:
        """True for the first to ask for `key` in this run (which then checks it), False for everyone after."""
        if key in self.known:
            return False
        if self.path is None:
            self.known.add(key)
            return True
        with self.path.open("a+", encoding="utf-8") as shared:
            fcntl.flock(shared, fcntl.LOCK_EX)  # released when the file closes
            shared.seek(0)
            self.known.update(shared.read().splitlines())
            if key in self.known:
                return False
            shared.write(key + "\n")
        self.known.add(key)
        return True


@dataclass
class Watch:
    """What has been checked (once per page shape, person, language, width) and what failed."""

    script: str
    seen: set[tuple[str, ...]] = field(default_factory=set)
    claims: Claims = field(default_factory=Claims)
    failures: list[str] = field(default_factory=list)
    docs: dict[int, Document] = field(default_factory=dict)
    helpers: dict[int, Any] = field(default_factory=dict)
    originals: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None

    def follow(self, page: Any) -> None:
        """Remember each document the page's main frame receives (a redirect's target, not the redirect)."""

        def on_response(response: Any) -> None:
            request = response.request
            if request.resource_type != "document" or response.frame != page.main_frame:
                return
            if 300 <= response.status < 400:
                return
            html = "text/html" in (response.headers.get("content-type") or "")
            self.docs[id(page)] = Document(response.url, request.method, html)

        page.on("response", on_response)

    def check(self, page: Any) -> None:
        """Run axe on the page as it is now, then on the same URL in the other languages and widths."""
        doc = self.docs.get(id(page))
        if doc is None or doc.checked or not doc.html or page.is_closed():
            return
        doc.checked = True
        try:
            page.wait_for_load_state("load", timeout=5_000)
            lang, who = page.evaluate(WHO)
        except Exception:  # noqa: BLE001 - a page navigating away is not the test's failure
            return
        width = (page.viewport_size or {}).get("width", 0)
        key = (shape(doc.url), who, doc.method, lang, str(width))
        here = key not in self.seen
        if here:
            self.seen.add(key)
            self.run(
                page,
                f"{page.url} [{lang}, {width}px{', after ' + doc.method if doc.method != 'GET' else ''}]",
            )
        if doc.method == "GET":
            self.elsewhere(page, doc.url, (lang, width), checked_here=here)

    def elsewhere(self, page: Any, url: str, current: tuple[str, int], checked_here: bool = False) -> None:
        """The same URL, the same person, in the languages and widths the test did not look at.

        Once per page layout, language and width in the whole run: the key is the URL's shape (the route: ids
        and query values left out) and a digest of the page's parts (`LAYOUT`: landmarks and sections, element
        ids, forms by where they post, named fields; no words, no numbers, no classes). What axe judges in another
        language and width is the markup and its styles (names, labels, roles, landmarks, contrast, the phone
        layout), and those parts are what a template renders differently: the same route with the same parts is
        the same template in the same state, and checking it again for another deal or another signed-in person
        finds what the first check found. A page whose content differs by state, a contract signed rather than
        drafted, a bureau's page rather than a member's, adds or drops forms, sections and fields, so it has
        another digest and is checked again. The page the test is on is still checked in its own language and
        width as before (`check`), classes and words included; when it was, just now, that counts for its own
        language and width here too (`checked_here`), so a walk at 390 px does not look again at the 1280 px page
        a walk at 1280 px was on. The digest is read from the page as the test left it, so the same page before
        and after the test opened a dialog counts twice: a repeat, never a gap.

        Measured on tests/e2e (-n 2): the old key (the route and the signed-in person, so once per page per
        test, as every test signs up its own people) opened 613 second-tab pages; the route alone, 183.
        """
        try:
            layout = hashlib.sha256(page.evaluate(LAYOUT).encode("utf-8")).hexdigest()[:16]
        except Exception:  # noqa: BLE001 - a page navigating away is not the test's failure
            return
        if checked_here:
            self.claims.claim(f"{shape(url)} {layout} {current[0]} {current[1]}")
        todo = [
            (lang, width)
            for lang in LANGS
            for width in WIDTHS
            if (lang, width) != current and self.claims.claim(f"{shape(url)} {layout} {lang} {width}")
        ]
        if not todo:
            return
        context = page.context
        saved = [c for c in context.cookies() if c["name"] == "lang"]
        helper = self.helpers.get(id(context))
        if helper is None or helper.is_closed():
            helper = self.originals["new_page"](context)
            self.helpers[id(context)] = helper
        try:
            for lang, width in todo:
                context.add_cookies([{"name": "lang", "value": LANGS[lang], "url": url}])
                helper.set_viewport_size({"width": width, "height": 900})
                response = self.originals["goto"](helper, url)
                if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                    return
                self.run(helper, f"{helper.url} [{lang}, {width}px]")
        finally:
            context.clear_cookies(name="lang")
            if saved:
                context.add_cookies(saved)

    def run(self, page: Any, where: str) -> None:
        try:
            page.wait_for_function(SETTLED, timeout=5_000)
        except Exception:  # noqa: BLE001 - a chart that never settles is checked as it is
            pass
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.script)
        violations = page.evaluate(RUN)
        if self.report is not None:
            with self.report.open("a", encoding="utf-8") as out:
                for v in violations:
                    out.write(json.dumps({"page": where, **v}, ensure_ascii=False) + "\n")
        for v in violations:
            if v["impact"] in FAILING:
                nodes = "\n".join(
                    f"      {n['target']}: {n['summary'].splitlines()[-1].strip()}" for n in v["nodes"][:8]
                )
                more = f"\n      … and {len(v['nodes']) - 8} more" if len(v["nodes"]) > 8 else ""
                self.failures.append(f"{v['id']} ({v['impact']}: {v['help']}) on {where}\n{nodes}{more}")

    def take_failures(self) -> list[str]:
        failures, self.failures = self.failures, []
        return failures


def install(monkeypatch: Any, claims: Path | None = None) -> Watch:
    """Wrap Playwright's navigation points so every page is checked before the test leaves it.

    `claims` is the file the run's workers share the second tab's keys through (`Claims`).
    """
    from playwright.sync_api import BrowserContext, Locator, Page

    watch = Watch(script=AXE_SCRIPT.read_text(encoding="utf-8"), claims=Claims(claims))
    if os.environ.get("AXE_REPORT"):
        watch.report = Path(os.environ["AXE_REPORT"])
    originals = watch.originals
    originals.update(
        new_page=BrowserContext.new_page,
        close=BrowserContext.close,
        goto=Page.goto,
        page_click=Page.click,
        locator_click=Locator.click,
    )

    def new_page(self: Any, *args: Any, **kwargs: Any) -> Any:
        page = originals["new_page"](self, *args, **kwargs)
        watch.follow(page)
        return page

    def close(self: Any, *args: Any, **kwargs: Any) -> Any:
        for page in list(self.pages):
            watch.check(page)
        return originals["close"](self, *args, **kwargs)

    def goto(self: Any, *args: Any, **kwargs: Any) -> Any:
        watch.check(self)
        return originals["goto"](self, *args, **kwargs)

    def page_click(self: Any, *args: Any, **kwargs: Any) -> Any:
        watch.check(self)
        return originals["page_click"](self, *args, **kwargs)

    def locator_click(self: Any, *args: Any, **kwargs: Any) -> Any:
        watch.check(self.page)
        return originals["locator_click"](self, *args, **kwargs)

    monkeypatch.setattr(BrowserContext, "new_page", new_page)
    monkeypatch.setattr(BrowserContext, "close", close)
    monkeypatch.setattr(Page, "goto", goto)
    monkeypatch.setattr(Page, "click", page_click)
    monkeypatch.setattr(Locator, "click", locator_click)
    return watch
