"""How soon a listing posted during the run is found: by search, and by the recommendations of a need it fits.

A provider posts an achievement written from an existing need's own words (so the need's "license"
recommendations should rank it), then a visitor who is not that provider polls the search API and that need's
recommendations until the achievement appears. The reader must be someone else: the panel never recommends
the viewer's own organization, so a provider polling for its own listing would wait forever. The clock
starts when the POST is answered: from then on the listing is saved.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Freshness:
    listing_id: int
    need_id: int
    search_s: float | None
    recommendations_s: float | None

    def describe(self) -> str:
        def seconds(value):
            return "not within the wait" if value is None else f"{value:.2f} s"

        return (
            f"freshness: achievement {self.listing_id} found by search in {seconds(self.search_s)}, "
            f"by need {self.need_id}'s recommendations in {seconds(self.recommendations_s)}"
        )


class Api:
    """A few JSON calls with a bearer token (the standard library: this runs beside Locust, not in it)."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body: dict | None = None, **params):
        url = f"{self.base}/api/v1{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        request = urllib.request.Request(
            url,
            method=method,
            data=json.dumps(body).encode() if body else None,
            headers={
                "Content-Type": "application/json",
                "Accept-Language": "zh-CN",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def login(self, email: str, password: str) -> None:
        self.token = self.call("POST", "/auth/token", {"email": email, "password": password})["token"]


def probe(api: Api, *, need_id: int, wait: float = 30.0, reader: Api | None = None) -> Freshness:
    """Post an achievement as `api`'s account that fits need `need_id`, time how long search and
    recommendations take to show it to `reader` (an anonymous visitor unless given), then delete it (the
    cached database keeps no probes)."""
    reader = reader or Api(api.base)
    need = api.call("GET", f"/needs/{need_id}")
    # A word no listing has, so a search for it can only find this one.
    marker = f"探针{secrets.token_hex(4)}"
    posted = api.call(
        "POST",
        "/achievements",
        {
            "title": f"{need['title']}{marker}"[:200],
            "description": need["description"],
            "industry": need["industry"],
            # The need's own modes: a probe offering another mode than the need asks for ranks, rightly, below
            # the grown market's listings of the same topic that offer it, and was never recommended.
            "cooperation_modes": need.get("cooperation_modes") or ["license", "transfer"],
            "trl": 7,
            "status": "published",
        },
    )
    listing_id = posted["id"]
    start = time.perf_counter()
    try:

        def in_search():
            hits = reader.call("GET", "/search", q=marker, type="achievement")["hits"]
            return any(hit["entity_id"] == listing_id for hit in hits)

        def in_recommendations():
            recs = reader.call("GET", f"/needs/{need_id}/recommendations", kind="license", k=10)
            return any(rec["target_id"] == listing_id for rec in recs)

        found: dict[str, float] = {}
        checks = {"search": in_search, "recommendations": in_recommendations}
        while len(found) < len(checks) and time.perf_counter() - start < wait:
            for name, check in checks.items():
                if name not in found and check():
                    found[name] = time.perf_counter() - start
            time.sleep(POLL_SECONDS)
    finally:
        try:
            api.call("DELETE", f"/achievements/{listing_id}")
        except urllib.error.URLError:
            pass  # the stack is going down; the next run's probe is unaffected
    return Freshness(listing_id, need_id, found.get("search"), found.get("recommendations"))
