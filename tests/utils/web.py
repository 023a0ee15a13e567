"""Helpers for driving the HTML forms in tests."""

import re
import threading


def csrf_token(client, path: str) -> str:
    """The CSRF token of the first form on `path`."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def bearer(client, email: str, password: str) -> dict:
    """Authorization headers with a fresh API token for this user."""
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def concurrently(*calls):
    """Run the calls in threads released together; returns their results in order (re-raising any error)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def sign_on_page(client, contract_path: str, password: str):
    """Sign a contract as a user would: open the confirmation page (the text and its hash), type the password."""
    html = client.get(f"{contract_path}/sign").get_data(as_text=True)
    sha = re.search(r'name="text_sha256"[^>]*value="([0-9a-f]{64})"', html) or re.search(
        r'value="([0-9a-f]{64})"[^>]*name="text_sha256"', html
    )
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert sha and token, f"no signing form on {contract_path}/sign"
    return client.post(
        f"{contract_path}/sign",
        data={"csrf_token": token.group(1), "text_sha256": sha.group(1), "password": password},
    )


def card_titles(html: str) -> list[str]:
    """The titles of a results page's cards, in order, as a reader sees them (highlight tags and spacing gone)."""
    return [
        " ".join(re.sub(r"<[^>]+>", "", title).split())
        for _tag, title in re.findall(r'<(h[23]) class="card-title">(.*?)</\1>', html, flags=re.S)
    ]
