"""The simulated market for `make load`: who visits, what they read, what they write, and how often.

Run by Locust in its own process (`python -m app.ops.load` starts it); the plan it acts on (accounts, listing ids,
search words) is a JSON file named by LOAD_PLAN (see plan.py). Every user logs in once at its start; between
two actions a user waits 0.5-2 s, a person's pace through pages, not a benchmark's. Requests are named by
endpoint (`GET /needs/[id]`), so the report has one row per endpoint, not per URL.

The mix, by weight: anonymous visitors browse the home page, the three lists (filters, sorts, pages), search
with Chinese words of the taxonomy, and detail pages with their recommendations panel; signed-in members of
universities and institutes do the same with their session; API clients read lists, search, listings and
recommendations with a bearer token; firms post and edit needs, express interest and move their contracts on;
bookers (enterprises) look for instruments free next week, read an instrument's availability, book a slot of it
and cancel some of their requests.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
from typing import Any

from locust import FastHttpUser, between, task

SEGMENTS = {"need": "needs", "achievement": "achievements", "service": "services"}
SORTS = {
    "need": ("newest", "deadline", "price", "trl"),
    "achievement": ("newest", "price", "trl"),
    "service": ("newest", "price"),
}
REC_KINDS = {
    "need": ("commission", "license", "incubation"),
    "achievement": ("needs", "incubation"),
    "service": ("needs",),
}
MODES = ("commission", "license", "transfer", "joint", "service", "incubation")
# A person's pause between two actions, in seconds; the harness's own test shortens it to run many tasks fast.
THINK_SECONDS = tuple(float(x) for x in os.environ.get("LOAD_THINK_SECONDS", "0.5,2").split(","))
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)" name="csrf_token"')


def load_plan() -> dict:
    with open(os.environ["LOAD_PLAN"], encoding="utf-8") as handle:
        return json.load(handle)


PLAN = load_plan() if os.environ.get("LOAD_PLAN") else {}


def _take(pool: str) -> dict:
    """The next account of a pool, each to one simulated user (they log in once and keep their session)."""
    accounts = PLAN[pool]
    taken = PLAN.setdefault("_taken", {}).get(pool, 0)
    PLAN["_taken"][pool] = taken + 1
    return accounts[taken % len(accounts)]


class Browsing:
    """The pages a person reads; shared by visitors and signed-in members."""

    client: Any  # the HTTP client of the locust user class this is mixed into

    # `self: object`: ApiClient borrows these two, which read nothing of the instance.
    def _listing(self: object) -> tuple[str, int]:
        kind = random.choice(("need", "need", "achievement", "achievement", "service"))
        return kind, random.choice(PLAN["listings"][kind])

    def _filters(self: object, kind: str) -> dict:
        params: dict = {"sort": random.choice(SORTS[kind]), "page": random.choice((1, 1, 1, 2, 3, 5))}
        draw = random.random()
        if draw < 0.5:
            params["industry"] = random.choice(PLAN["industries"])
        elif draw < 0.65:
            params["region"] = random.choice(PLAN["regions"])
        elif draw < 0.8:
            params["q"] = random.choice(PLAN["queries"])
            params["sort"] = "relevance"
        if random.random() < 0.2:
            params["mode"] = random.choice(MODES)
        if kind != "service" and random.random() < 0.2:
            params["trl_min"] = random.randint(3, 7)
        return params

    def home(self):
        self.client.get("/", name="GET /")

    def browse(self):
        kind = random.choice(tuple(SEGMENTS))
        self.client.get(f"/{SEGMENTS[kind]}", params=self._filters(kind), name=f"GET /{SEGMENTS[kind]}")

    def search(self):
        params = {"q": random.choice(PLAN["queries"])}
        if random.random() < 0.4:
            params["type"] = random.choice(tuple(SEGMENTS))
        if random.random() < 0.3:
            params["page"] = 2
        self.client.get("/search", params=params, name="GET /search")

    def detail(self):
        kind, listing_id = self._listing()
        self.client.get(f"/{SEGMENTS[kind]}/{listing_id}", name=f"GET /{SEGMENTS[kind]}/[id]")


class Visitor(Browsing, FastHttpUser):
    """Anyone, not signed in."""

    weight = 6
    wait_time = between(*THINK_SECONDS)

    @task(2)
    def home_page(self):
        self.home()

    @task(4)
    def list_page(self):
        self.browse()

    @task(3)
    def search_page(self):
        self.search()

    @task(3)
    def detail_page(self):
        self.detail()


class Member(Visitor):
    """A university's or institute's user, signed in once through the login form, then browsing."""

    weight = 3

    def on_start(self):
        account = _take("providers")
        page = self.client.get("/auth/login", name="GET /auth/login")
        match = CSRF.search(page.text or "")
        token = (match.group(1) or match.group(2)) if match else ""
        with self.client.post(
            "/auth/login",
            data={"email": account["email"], "password": PLAN["password"], "csrf_token": token},
            name="POST /auth/login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")


class ApiClient(FastHttpUser):
    """Another system reading the JSON API with a bearer token."""

    weight = 3
    wait_time = between(*THINK_SECONDS)
    pool = "providers"

    def on_start(self):
        self.account = account = _take(self.pool)
        with self.client.post(
            "/api/v1/auth/token",
            json={"email": account["email"], "password": PLAN["password"]},
            name="POST /api/v1/auth/token",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"token answered {response.status_code}")
                self.headers = {}
                return
            self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, path: str, name: str, **params):
        return self.client.get(f"/api/v1{path}", params=params or None, headers=self.headers, name=name)

    @task(3)
    def list_listings(self):
        kind = random.choice(tuple(SEGMENTS))
        params = Browsing._filters(self, kind)
        self.get(f"/{SEGMENTS[kind]}", f"GET /api/v1/{SEGMENTS[kind]}", **params)

    @task(3)
    def search(self):
        self.get("/search", "GET /api/v1/search", q=random.choice(PLAN["queries"]))

    @task(3)
    def recommendations(self):
        kind, listing_id = Browsing._listing(self)
        self.get(
            f"/{SEGMENTS[kind]}/{listing_id}/recommendations",
            f"GET /api/v1/{SEGMENTS[kind]}/[id]/recommendations",
            kind=random.choice(REC_KINDS[kind]),
        )

    @task(1)
    def listing(self):
        kind, listing_id = Browsing._listing(self)
        self.get(f"/{SEGMENTS[kind]}/{listing_id}", f"GET /api/v1/{SEGMENTS[kind]}/[id]")


class Firm(ApiClient):
    """An enterprise's user working through the API: posts and edits needs, expresses interest, and moves the
    contracts it is the client of forward (sign, start, complete)."""

    weight = 3
    pool = "dealers"

    def on_start(self):
        super().on_start()
        self.contracts = list(self.account["contracts"])
        self.needs: list[int] = []
        self.interested: set[tuple[str, int]] = set()

    @task(2)
    def post_need(self):
        industry = random.choice(PLAN["industries"])
        word = random.choice(PLAN["queries"])
        low = random.randint(5, 50) * 10_000
        body = {
            "title": f"{word}技术攻关需求",
            "description": f"我公司需要{word}方面的技术支持，寻求合作研发。",
            "industry": industry,
            "cooperation_modes": random.sample(MODES[:4], 2),
            "trl": random.randint(3, 7),
            "budget_min": low,
            "budget_max": low * 2,
            "region": random.choice(PLAN["regions"]),
            "deadline": (datetime.date.today() + datetime.timedelta(days=120)).isoformat(),
            "status": "published",
        }
        response = self.client.post(
            "/api/v1/needs", json=body, headers=self.headers, name="POST /api/v1/needs"
        )
        if response.status_code == 201:
            self.needs.append(response.json()["id"])

    @task(2)
    def edit_need(self):
        if not self.needs:
            return self.post_need()
        need_id = random.choice(self.needs)
        self.client.patch(
            f"/api/v1/needs/{need_id}",
            headers=self.headers,
            name="PATCH /api/v1/needs/[id]",
            json={
                "budget_max": random.randint(60, 120) * 10_000,
                "details": f"补充说明：希望{random.randint(3, 12)}个月内完成。",
            },
        )

    @task(2)
    def express_interest(self):
        kind = random.choice(("achievement", "service"))
        candidates = [i for i in PLAN["listings"][kind] if (kind, i) not in self.interested]
        if not candidates:
            return
        target = random.choice(candidates)
        self.interested.add((kind, target))
        with self.client.post(
            "/api/v1/interests",
            headers=self.headers,
            name="POST /api/v1/interests",
            json={
                "target_type": kind,
                "target_id": target,
                "message": "我们对该项目很感兴趣，希望进一步沟通合作方式。",
            },
            catch_response=True,
        ) as response:
            # An interest an earlier run already sent is the plan's repeat, not the app's failure.
            if response.status_code == 409:
                response.success()

    @task(2)
    def move_contract(self):
        if not self.contracts:
            return self.my_contracts()
        contract_id = self.contracts[0]
        response = self.client.get(
            f"/api/v1/contracts/{contract_id}", headers=self.headers, name="GET /api/v1/contracts/[id]"
        )
        if response.status_code != 200:
            return
        forward = [step for step in response.json()["allowed"] if step != "terminated"]
        if not forward:
            self.contracts.pop(0)
            return
        self.client.post(
            f"/api/v1/contracts/{contract_id}/transition",
            # Signing names the hash of the text read just now (another user may edit it in between: 409).
            json={"to": forward[0], "text_sha256": response.json()["text"]["sha256"]},
            headers=self.headers,
            name="POST /api/v1/contracts/[id]/transition",
        )

    @task(1)
    def my_contracts(self):
        self.get("/contracts", "GET /api/v1/contracts")

    @task(1)
    def my_interests(self):
        self.get("/interests", "GET /api/v1/interests", box="out")


def _broken_rule(response) -> bool:
    """A 422 naming the instrument's rule the slot breaks (its opening hours, minimum slot, who may book): the
    booker picks slots without reading each instrument's rules, so this is the app's right answer too. A 422
    naming no rule would be a malformed request, and stays a failure."""
    if response.status_code != 422:
        return False
    try:
        return bool(response.json()["error"]["fields"].get("rule"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


class Booker(FastHttpUser):
    """An enterprise booking shared instruments: the list filtered to those free next week, an instrument's
    availability, a two-hour slot of it (a slot another booker took first is a 409, and a slot the instrument's rules
    refuse a 422 naming the rule: the app's right answers, not failures), and now and then a cancellation of a request it made. It logs in as ApiClient does but has only
    these tasks, so that a short run still books."""

    weight = 2
    wait_time = between(*THINK_SECONDS)
    pool = "enterprises"
    headers: dict[str, str]
    account: dict

    def on_start(self):
        ApiClient.on_start(self)  # type: ignore[arg-type]
        self.requested: list[int] = []

    def get(self, path: str, name: str, **params):
        return ApiClient.get(self, path, name, **params)  # type: ignore[arg-type]

    def _instrument(self) -> int | None:
        return random.choice(PLAN["instruments"]) if PLAN.get("instruments") else None

    @task(2)
    def free_next_week(self):
        self.client.get("/instruments", params={"free": "next_week"}, name="GET /instruments?free=next_week")

    @task(3)
    def availability(self):
        instrument_id = self._instrument()
        if instrument_id is not None:
            self.get(
                f"/instruments/{instrument_id}/availability", "GET /api/v1/instruments/[id]/availability"
            )

    @task(2)
    def book(self):
        instrument_id = self._instrument()
        if instrument_id is None:
            return
        # A working day six weeks to four months ahead (grown bookings reach five weeks), morning or afternoon.
        day = datetime.date.today() + datetime.timedelta(days=random.randint(42, 120))
        day -= datetime.timedelta(days=max(0, day.weekday() - 4))
        start = datetime.datetime.combine(day, datetime.time(random.choice((9, 13))))
        offset = "+08:00"
        with self.client.post(
            f"/api/v1/instruments/{instrument_id}/bookings",
            headers=self.headers,
            name="POST /api/v1/instruments/[id]/bookings",
            json={
                "starts_at": start.isoformat() + offset,
                "ends_at": (start + datetime.timedelta(hours=2)).isoformat() + offset,
                "work": "按标准进行检测试验，样品 2 件。",
                "samples": 2,
            },
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.requested.append(response.json()["id"])
            elif response.status_code == 409 or _broken_rule(response):
                response.success()

    @task(1)
    def cancel(self):
        if not self.requested:
            return
        booking_id = self.requested.pop(random.randrange(len(self.requested)))
        self.client.post(
            f"/api/v1/bookings/{booking_id}/transition",
            headers=self.headers,
            name="POST /api/v1/bookings/[id]/transition",
            json={"to": "cancelled", "note": "计划调整"},
        )
