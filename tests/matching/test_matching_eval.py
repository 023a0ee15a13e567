"""The evaluation command on a tiny BEIR folder, and its metrics."""

import json

import pytest

from matching.eval import main, metrics, need_of

CORPUS = [
    ("d1", "车身激光焊接工艺，减少焊接变形", "automotive"),
    ("d2", "汽车铝合金一体化压铸", "automotive"),
    ("d3", "锂电池正极材料包覆", "new_energy"),
    ("d4", "固态锂电池电解质", "new_energy"),
]


@pytest.fixture
def beir(tmp_path):
    (tmp_path / "qrels").mkdir()
    with open(tmp_path / "corpus.jsonl", "w", encoding="utf-8") as out:
        for doc_id, text, field in CORPUS:
            out.write(
                json.dumps({"_id": doc_id, "title": "", "text": text, "metadata": {"discipline": field}})
                + "\n"
            )
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "激光焊接变形"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "锂电池电解质"})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td4\t1\n")
    return tmp_path


def test_metrics_of_a_ranked_list():
    result = metrics(["a", "b", "c"], {"b": 1})
    assert result["mrr@10"] == 0.5 and result["recall@10"] == 1.0
    assert result["ndcg@10"] == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert metrics(["x"], {"b": 1})["ndcg@10"] == 0.0


@pytest.mark.parametrize("channel", ["fused", "lexical"])
def test_eval_prints_one_json_line(beir, capsys, channel):
    assert main([str(beir), "--channel", channel]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["queries"] == 2 and result["ndcg@10"] == 1.0
    assert {"recall@10", "mrr@10", "recall@100", "seconds"} <= set(result)


def test_eval_rejects_a_folder_that_is_not_beir(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "not a BEIR folder" in capsys.readouterr().err


def test_per_query_file_has_one_row_of_metrics_per_judged_query(beir, tmp_path, capsys):
    out = tmp_path / "per-query.jsonl"
    assert main([str(beir), "--per-query", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["query"] for row in rows] == ["q1", "q2"]
    for key in ("ndcg@10", "recall@10", "mrr@10", "recall@100"):
        assert summary[key] == pytest.approx(sum(row[key] for row in rows) / len(rows), abs=1e-4)
    assert all(row["relevant"] == 1 for row in rows)


def test_per_query_file_that_cannot_be_written_is_an_error(beir, tmp_path, capsys):
    assert main([str(beir), "--per-query", str(tmp_path / "missing" / "rows.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err


def test_a_query_with_a_title_becomes_a_need_with_title_and_description():
    need = need_of({"_id": "q", "title": "激光焊接", "text": "激光焊接。车身焊接变形大"}, 7)
    assert (need.title, need.text, need.kind) == ("激光焊接", "车身焊接变形大", "need")
    untitled = need_of({"_id": "q", "text": "锂电池电解质"}, 8)
    assert (untitled.title, untitled.text) == ("", "锂电池电解质")


def test_share_cv_reports_both_folds_of_the_centroid_knob(beir, capsys, monkeypatch, tmp_path):
    """The cross-validation command on a tiny set with the e5 channel (a stand-in service): each half's pick,
    its figure on the other half, and the settings put back afterwards."""
    from matching import eval as evaluation
    from matching import matcher, share_cv
    from tests.utils.fake_e5 import FakeE5

    server = FakeE5()
    monkeypatch.setattr(evaluation, "E5_CACHE", tmp_path / "cache" / "vectors.sqlite3")
    monkeypatch.setenv("E5_URL", server.url)
    try:
        before = (matcher.CENTROID_SHARE, matcher.FIELD_TEMPERATURE)
        assert (
            share_cv.main([str(beir), "--knob", "centroid", "--shares", "0.5,1", "--temperatures", "0.01"])
            == 0
        )
    finally:
        server.stop()
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (matcher.CENTROID_SHARE, matcher.FIELD_TEMPERATURE) == before
    assert set(report["by_setting"]) == {
        "0.5,0.01",
        "1.0,0.01",
        f"0.0,{before[1]}",
        f"{before[0]},{before[1]}",
    }
    assert [fold["tuned_on_half"] for fold in report["folds"]] == [0, 1]
    assert all(0.0 <= fold["ndcg@10_held_out"] <= 1.0 for fold in report["folds"])


def test_share_cv_refuses_without_a_service(beir, capsys, monkeypatch):
    from matching import share_cv

    monkeypatch.delenv("E5_URL", raising=False)
    assert share_cv.main([str(beir)]) == 2
    assert "E5_URL" in capsys.readouterr().err
