"""Peak memory of parallel image uploads: `python -m app.ops.bench_images` (one JSON line).

Issue 21 item 8 measured 1.3–1.7 GB added to the process by four parallel uploads of a 6300×6300 PNG of 165 KB.
This draws such a PNG (and the largest picture IMAGE_MAX_PIXELS lets in, 6000×4000 by default), then, for
each, starts a fresh Python process per run that builds the app, makes thumbnails of `--parallel` copies at
once through `app.platform.files.thumbnail_bytes` (what an upload calls), and reports its peak resident memory
(VmHWM, reset just before) minus its resident memory before: the memory the uploads added. Medians of `--runs`
runs. Linux only (/proc). Run it from another checkout's root with PYTHONPATH pointing there to measure that code
(`PYTHONPATH=../old python /path/to/app/ops/bench_images.py`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

SIZES = ("6300x6300", "6000x4000")


def draw_png(path: Path, width: int, height: int) -> int:
    """A mostly flat diagram, as scanned drawings and slides are: large in pixels, small in bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (245, 245, 240))
    pen = ImageDraw.Draw(image)
    for i in range(0, max(width, height), 150):
        pen.line([(i, 0), (i, height)], fill=(30, 90, 200), width=3)
        pen.line([(0, i), (width, i)], fill=(200, 60, 40), width=2)
    pen.rectangle([width // 4, height // 4, width // 2, height // 2], fill=(20, 140, 90))
    image.save(path, "PNG", optimize=True)
    return path.stat().st_size


def _status(field: str) -> int:
    """A /proc/self/status memory field, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(path: Path, parallel: int) -> dict:
    """In a fresh process: the memory `parallel` simultaneous thumbnails of the file add to it."""
    from app import create_app
    from app.platform import files
    from app.platform.errors import Invalid

    folder = Path(tempfile.mkdtemp(prefix="bench-images-"))
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "UPLOAD_DIR": str(folder / "uploads"),
            "SEARCH_PATH": str(folder / "search.sqlite3"),
            "VECTOR_DIR": str(folder / "vectors"),
        }
    )
    data = path.read_bytes()
    with app.app_context():
        files.thumbnail_bytes(_small_png())  # load the codecs before measuring
    gc.collect()
    before = _status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
    except OSError:
        pass
    outcomes: list[str] = []
    start = threading.Barrier(parallel)

    def upload() -> None:
        with app.app_context():
            start.wait()
            try:
                files.thumbnail_bytes(data)
                outcomes.append("thumbnail")
            except Invalid:
                outcomes.append("refused")

    threads = [threading.Thread(target=upload) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "added_mb": round((_status("VmHWM") - before) / 2**20, 1),
        "outcomes": sorted(outcomes),
        "IMAGE_MAX_PIXELS": app.config.get("IMAGE_MAX_PIXELS"),
        "IMAGE_DECODE_CONCURRENCY": app.config.get("IMAGE_DECODE_CONCURRENCY"),
    }


def _small_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def measure(sizes: tuple[str, ...], runs: int, parallel: int) -> dict:
    report: dict = {"parallel": parallel, "runs": runs, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="bench-images-") as folder:
        for size in sizes:
            width, height = (int(v) for v in size.lower().split("x"))
            path = Path(folder) / f"{size}.png"
            file_kb = round(draw_png(path, width, height) / 1024)
            results = [
                json.loads(
                    subprocess.run(
                        [sys.executable, __file__, "--child", str(path), "--parallel", str(parallel)],
                        check=True,
                        capture_output=True,
                        text=True,
                        env=os.environ,
                    ).stdout.splitlines()[-1]
                )
                for _ in range(runs)
            ]
            report["sizes"][size] = {
                "file_kb": file_kb,
                "added_mb_median": statistics.median(r["added_mb"] for r in results),
                "added_mb_runs": [r["added_mb"] for r in results],
                "outcomes": results[0]["outcomes"],
            }
            report["IMAGE_MAX_PIXELS"] = results[0]["IMAGE_MAX_PIXELS"]
            report["IMAGE_DECODE_CONCURRENCY"] = results[0]["IMAGE_DECODE_CONCURRENCY"]
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument(
        "--size", action="append", help="WIDTHxHEIGHT (repeatable); default: " + ", ".join(SIZES)
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.parallel)))
        return
    print(json.dumps(measure(tuple(args.size or SIZES), args.runs, args.parallel), ensure_ascii=False))


if __name__ == "__main__":
    main()
