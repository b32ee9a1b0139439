"""The evaluation command on tiny files (lexical encoder), and on the real data when present."""

import json
from pathlib import Path

import numpy as np
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
        "--grouping-encoder",
        "none",
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


def test_drawn_sessions_have_the_session_shape() -> None:
    from ml.evaluate import draw_sessions

    labels = [f"topic{i % 12}" for i in range(12 * 40)]
    sessions = draw_sessions(labels, 20, seed=3)
    assert len(sessions) == 20
    for session in sessions:
        topics = {labels[i] for i in session}
        assert 4 <= len(topics) <= 10
        assert 4 * 4 <= len(session) <= 130
        assert len(set(session.tolist())) == len(session)  # no idea drawn twice
    counts = [
        np.unique([labels[i] for i in session], return_counts=True)[1] for session in sessions
    ]
    assert any(c.max() >= 2 * c.min() for c in counts)  # uneven topic sizes
    again = draw_sessions(labels, 20, seed=3)
    assert all((a == b).all() for a, b in zip(sessions, again, strict=True))


def test_sessions_on_a_tiny_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topics = {
        "лифт": "Починить лифт в подъезде дома {}",
        "мусор": "Вывезти мусор со двора дома {}",
        "парк": "Разбить парк у реки номер {}",
        "свет": "Установить фонари освещение улицы {}",
        "автобус": "Пустить автобус маршрут остановка {}",
    }
    path = tmp_path / "ideas.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"text": template.format(i), "reason": topic}, ensure_ascii=False)
            for topic, template in topics.items()
            for i in range(30)
        ),
        encoding="utf-8",
    )
    argv = ["clustering", "--input", str(path), "--label-field", "reason", "--encoder", "lexical"]
    argv += ["--grouping-encoder", "none"]
    result = run(capsys, *argv, "--sessions", "5")
    assert result["sessions"] == 5
    assert result["true_topics_mean"] >= 4
    assert isinstance(result["ari_mean"], float) and result["ari_mean"] > 0.8
    assert result["ari_p10"] <= result["ari_mean"]
    again = run(capsys, *argv, "--sessions", "5")
    timings = {key for key in result if "seconds" in key}
    assert {k: v for k, v in again.items() if k not in timings} == {
        k: v for k, v in result.items() if k not in timings
    }  # seeded: the same sessions, the same figures
