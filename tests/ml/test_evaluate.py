"""The evaluation command on tiny files (lexical encoder), and on the real data when present."""

import json
from pathlib import Path

import pytest

from ml.evaluate import main

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_duplicates_on_a_tiny_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        ("Починить лифт в подъезде", "Отремонтировать лифт в подъезде", 1),
        ("Убрать мусор во дворе", "Уборка мусора во дворе", 1),
        ("Построить парк у реки", "Починить лифт в подъезде", -1),
        ("Больше автобусов", "Убрать мусор во дворе", -1),
        ("Больше автобусов", "Чаще ходят автобусы", 0),
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": i, "text_1": a, "text_2": b, "label": label})
            for i, (a, b, label) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    result = run(capsys, "duplicates", "--input", str(path), "--encoder", "lexical")
    assert result["pairs"] == 4 and result["negative_label"] == -1
    assert result["roc_auc"] == 1.0
    assert result["recall_at_1"] == 1.0


def test_clustering_on_a_tiny_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = [(f"Починить лифт в подъезде номер {i}", "лифт") for i in range(8)]
    texts += [(f"Вывезти мусор со двора дома {i}", "мусор") for i in range(8)]
    path = tmp_path / "ideas.jsonl"
    path.write_text(
        "\n".join(json.dumps({"text": t, "reason": r}, ensure_ascii=False) for t, r in texts),
        encoding="utf-8",
    )
    result = run(
        capsys,
        "clustering",
        "--input",
        str(path),
        "--label-field",
        "reason",
        "--encoder",
        "lexical",
    )
    assert result["texts"] == 16
    assert result["n_groups"] == 2
    assert result["ari"] == 1.0


@pytest.mark.slow
def test_screening_on_the_real_texts(capsys: pytest.CaptureFixture[str]) -> None:
    if not DATA.is_dir():
        pytest.skip("shared data is absent")
    result = run(capsys, "screening", "--data", str(DATA))
    recalls = result["synthetic_positives"]
    assert isinstance(recalls, dict)
    assert all(entry["recall"] >= 0.95 for entry in recalls.values())
