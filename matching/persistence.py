"""Matcher snapshots on disk: generation folders, an atomic CURRENT pointer, one writer per folder.

Layout of a store folder::

    writer.lock          held (fcntl.flock, exclusive) by the one process that may write here
    CURRENT              the name of the newest complete generation
    gen-<ns>-<pid>/      one saved snapshot: manifest.json, state.pkl, a FAISS file per (encoder, kind),
                         and reader.lock, which every process holds shared while it reads that generation

Clean-up removes a generation only when it can take reader.lock exclusively, so a generation another
process is loading is never deleted under it; the kernel drops a dead process's locks, so a crash never
pins a generation for ever.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import IO, Any

from matching.config import MatcherConfig
from matching.kindindex import KindIndex
from matching.matcher import LISTING_KINDS, Matcher
from matching.vectorstore import VectorStore

FORMAT_VERSION = 3
READER_LOCK = "reader.lock"


class WriterLock:
    """The right to write one store folder, held for the life of the process (or until release)."""

    def __init__(self, store_dir: str | Path):
        self.path = Path(store_dir) / "writer.lock"
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it; return whether this process now holds it."""
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - the lock lives as long as the open file
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class Pin:
    """A shared lock on one generation: while held, clean-up leaves that generation alone."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._handle = open(folder / READER_LOCK, "a+")  # noqa: SIM115 - held until release()
        fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def current_generation(store_dir: str | Path) -> str | None:
    """The name CURRENT points to, or None before the first save."""
    pointer = Path(store_dir) / "CURRENT"
    return pointer.read_text().strip() if pointer.is_file() else None


def save(matcher: Matcher, store_dir: str | Path, *, cursor: int = 0, lock: WriterLock) -> str:
    """Write a snapshot to a fresh generation, point CURRENT at it, and remove unpinned older ones.

    `cursor` is the last outbox event the snapshot holds: a process loading it replays from there.
    """
    if not lock.held:
        raise ValueError(f"Only the process holding {lock.path} may save here.")
    if not matcher.kinds:
        raise ValueError("Nothing to save: call rebuild() first.")
    store_dir = Path(store_dir)
    generation = f"gen-{time.time_ns()}-{os.getpid()}"
    folder = store_dir / generation
    pointer = store_dir / f"CURRENT.tmp{os.getpid()}"
    try:
        _write_generation(matcher, folder, cursor)
        pointer.write_text(generation)
        os.replace(pointer, store_dir / "CURRENT")
    except BaseException:
        # A save that fails (a full disk, most often) leaves CURRENT on the last good generation; its remains
        # would only hold on to the space the next save needs.
        shutil.rmtree(folder, ignore_errors=True)
        pointer.unlink(missing_ok=True)
        raise
    remove_old_generations(store_dir, keep=generation)
    return generation


def _write_generation(matcher: Matcher, folder: Path, cursor: int) -> None:
    folder.mkdir(parents=True)
    (folder / READER_LOCK).touch()
    for listing_kind, index in matcher.kinds.items():
        for name, store in index.stores.items():
            store.save(folder / f"vectors-{name}-{listing_kind}.faiss")
    state = {
        "encoders": matcher.encoders,
        "classifier": matcher.classifier,
        "ranker": matcher.ranker,
        "kinds": {k: (index.base_items, index.lexical, index.delta) for k, index in matcher.kinds.items()},
    }
    with open(folder / "state.pkl", "wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    manifest = {
        "format": FORMAT_VERSION,
        "encoders": {n: e.dim for n, e in matcher.encoders.items()},
        "model": matcher.config.model,
        "kinds": list(LISTING_KINDS),
        "cursor": int(cursor),
        "saved_at": time.time(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


# A generation folder still without a manifest after this long was left by a save that died.
ABANDONED_SECONDS = 3600.0


def remove_old_generations(store_dir: str | Path, keep: str) -> list[str]:
    """Delete generations other than `keep` that no process has pinned; return what was deleted."""
    removed = []
    for folder in sorted(Path(store_dir).glob("gen-*")):
        if folder.name == keep or not folder.is_dir():
            continue
        # A generation without its manifest is still being written (by another thread or process): leave it,
        # unless it is old enough to be the remains of a save that crashed.
        if (
            not (folder / "manifest.json").exists()
            and time.time() - folder.stat().st_mtime < ABANDONED_SECONDS
        ):
            continue
        try:
            handle = open(folder / READER_LOCK, "a+")  # noqa: SIM115 - closed just below
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        shutil.rmtree(folder, ignore_errors=True)
        handle.close()
        removed.append(folder.name)
    return removed


def load(config: MatcherConfig | None, store_dir: str | Path) -> tuple[Matcher, dict[str, Any], Pin]:
    """Read the newest generation: (matcher, manifest, the pin that keeps it from clean-up until released).

    Raises FileNotFoundError when nothing was saved, ValueError when the save does not fit `config`.
    """
    store_dir = Path(store_dir)
    for _attempt in range(3):
        generation = current_generation(store_dir)
        if generation is None:
            raise FileNotFoundError(f"No saved matcher in {store_dir}; run a rebuild first.")
        folder = store_dir / generation
        try:
            pin = Pin(folder)
        except FileNotFoundError:
            continue  # cleaned up between reading CURRENT and pinning: read CURRENT again
        try:
            return _read(config, folder), json.loads((folder / "manifest.json").read_text()), pin
        except BaseException:
            pin.release()
            raise
    raise FileNotFoundError(f"The saved matcher in {store_dir} kept changing while loading; try again.")


def _read(config: MatcherConfig | None, folder: Path) -> Matcher:
    matcher = Matcher(config)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        with open(folder / "state.pkl", "rb") as handle:
            state = pickle.load(handle)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"The saved matcher in {folder.parent} is incomplete ({error.filename}); rebuild it."
        ) from None
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"The saved matcher in {folder.parent} has format {manifest.get('format')}; rebuild it."
        )
    if (
        list(manifest["encoders"]) != list(matcher.config.encoders)
        or manifest.get("model") != matcher.config.model
    ):
        raise ValueError(
            f"The saved matcher in {folder.parent} used encoders {list(manifest['encoders'])} "
            f"(model {manifest.get('model')}), but the configuration asks for "
            f"{list(matcher.config.encoders)} (model {matcher.config.model}); rebuild it."
        )
    matcher.encoders = state["encoders"]
    matcher.classifier = state["classifier"]
    matcher.ranker = state["ranker"]
    kinds = {}
    for listing_kind, (items, lexical, delta) in state["kinds"].items():
        stores = {
            name: VectorStore.load(
                folder / f"vectors-{name}-{listing_kind}.faiss",
                dim,
                matcher.config.exact_limit,
                matcher.config.nprobe,
            )
            for name, dim in manifest["encoders"].items()
        }
        kinds[listing_kind] = KindIndex(
            listing_kind, items, lexical, stores, delta, prune_above=matcher.config.scan_limit
        )
    matcher.kinds = kinds
    return matcher
