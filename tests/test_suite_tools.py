"""The suite's own speed-ups keep what they promise: the longest files are handed out first (tests/utils/
slow_first.py), and a page layout's second axe look is claimed by one worker only (tests/e2e/axe.py)."""

import multiprocessing
from pathlib import Path
from types import SimpleNamespace

from tests.e2e.axe import Claims
from tests.utils import slow_first

SLOW = "tests/e2e/test_bureau.py"  # one test, in KNOWN as the longest browser walk


class Node:
    """A worker as xdist's scheduler sees it: it is sent the indexes of the tests to run."""

    def __init__(self, name: str, sent: list[list[int]]) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.shutting_down = False
        self.sent = sent

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.append(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def scheduled(collection: list[str], recorded: dict[str, float], monkeypatch) -> list[str]:
    """The files in the order the two workers are given them."""
    monkeypatch.setattr(slow_first, "recorded", lambda: recorded)
    config = SimpleNamespace(
        getvalue=lambda name: ["2*popen"] if name == "tx" else None,
        getoption=lambda name, default=None: "loadfile" if name == "dist" else default,
        option=SimpleNamespace(loadscopereorder=True),
    )
    scheduler = slow_first.pytest_xdist_make_scheduler(config, None)
    sent: list[list[int]] = []  # by either worker, in the order handed out
    nodes = [Node("gw0", sent), Node("gw1", sent)]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    while scheduler.workqueue:  # the workers finish their first files: more are handed out
        scheduler._assign_work_unit(nodes[0])
    return [collection[indexes[0]].split("::")[0] for indexes in sent]


def test_the_longest_files_are_handed_out_first(monkeypatch):
    many = [f"tests/market/test_pages.py::test_{i}" for i in range(30)]
    some = [f"tests/deals/test_rules.py::test_{i}" for i in range(5)]
    collection = many + some + [f"{SLOW}::test_walk"]
    # Never timed: the browser walk (KNOWN) before the 30 quick tests, before the 5.
    assert scheduled(collection, {}, monkeypatch) == [
        SLOW,
        "tests/market/test_pages.py",
        "tests/deals/test_rules.py",
    ]
    # Timed by the last run: its seconds decide.
    timed = {SLOW: 1.0, "tests/deals/test_rules.py": 90.0, "tests/market/test_pages.py": 20.0}
    assert scheduled(collection, timed, monkeypatch) == [
        "tests/deals/test_rules.py",
        "tests/market/test_pages.py",
        SLOW,
    ]


def _claim_all(path: str, keys: list[str], won) -> None:
    claims = Claims(Path(path))
    for key in keys:
        if claims.claim(key):
            won.put(key)


def test_two_workers_claiming_the_same_pages_check_each_once(tmp_path):
    keys = [f"/contracts/_? {i:04x} en 390" for i in range(200)]
    processes = multiprocessing.get_context("fork")
    won = processes.Queue()
    workers = [
        processes.Process(target=_claim_all, args=(str(tmp_path / "claims"), keys, won)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    claimed = [won.get(timeout=10) for _ in range(len(keys))]
    assert sorted(claimed) == sorted(keys)  # every key checked by exactly one of them
    assert won.empty()
    assert not Claims(tmp_path / "claims").claim(keys[0])  # and by no one after
    assert Claims(tmp_path / "claims").claim("/contracts/_? other en 390")
