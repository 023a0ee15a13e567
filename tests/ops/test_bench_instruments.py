"""`python -m app.ops.bench_instruments` at a tiny size, so the committed benchmark cannot rot unnoticed."""

import json

from app.ops import bench_instruments


def test_the_instrument_benchmark_grows_books_and_reports_its_figures(tmp_path, capsys):
    assert bench_instruments.main(["--listings", "200", "--runs", "1", "--samples", "3"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["database"] == "sqlite" and figures["listings"] == 200
    assert figures["instruments"] == 20 and figures["bookings"] == 400
    for name in ("booking_post", "availability_14_days", "free_next_week_page"):
        assert 0 < figures[name]["p50_ms"] <= figures[name]["p95_ms"], name
    assert figures["booking_post"]["requests"] == 3 and figures["free_next_week_page"]["requests"] == 5
    assert figures["refresh_all_s"] >= 0
