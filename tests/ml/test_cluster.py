"""Group suggestions on small fixed vectors with an obvious answer."""

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from ml.cluster import ClusterSettings, _view_graph, suggest_groups

TOPICS = {
    "лифт": ("Починить лифт в подъезде {}", [1.0, 0.0, 0.0, 0.0]),
    "мусор": ("Вывезти мусор со двора {}", [0.0, 1.0, 0.0, 0.0]),
    "парк": ("Разбить парк у реки {}", [0.0, 0.0, 1.0, 0.0]),
}


def make_session(per_topic: int = 12, seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    texts, vectors, truth = [], [], []
    for topic, (template, centre) in TOPICS.items():
        for number in range(per_topic):
            texts.append(template.format(number + 1))
            vectors.append(np.array(centre) + rng.normal(0, 0.15, 4))
            truth.append(topic)
    matrix = np.array(vectors, dtype=np.float32)
    return texts, matrix / np.linalg.norm(matrix, axis=1, keepdims=True), truth


def test_finds_the_three_topics() -> None:
    texts, vectors, truth = make_session()
    suggestion = suggest_groups(texts, vectors)
    assert len(suggestion.groups) == 3
    for group in suggestion.groups:
        topics = {truth[index] for index in group.members}
        assert len(topics) == 1
        assert topics.pop() in group.keywords
        assert group.representative in group.members
    grouped = sum(len(group.members) for group in suggestion.groups)
    assert grouped + len(suggestion.ungrouped) == len(texts)


def test_coordinates_and_json() -> None:
    texts, vectors, _ = make_session()
    suggestion = suggest_groups(texts, vectors)
    assert len(suggestion.coordinates) == len(texts)
    assert all(-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0 for x, y in suggestion.coordinates)
    data = json.loads(json.dumps(suggestion.to_dict()))
    assert {"groups", "ungrouped", "coordinates", "info"} <= set(data)
    assert set(data["groups"][0]) == {"members", "keywords", "representative", "label"}


def test_deterministic() -> None:
    texts, vectors, _ = make_session()
    assert suggest_groups(texts, vectors).to_dict() == suggest_groups(texts, vectors).to_dict()


def test_too_few_ideas_are_all_ungrouped() -> None:
    texts, vectors, _ = make_session(per_topic=1)
    suggestion = suggest_groups(texts, vectors)
    assert suggestion.groups == []
    assert suggestion.ungrouped == [0, 1, 2]


def test_texts_without_shared_words_still_cluster_by_vectors() -> None:
    _, vectors, truth = make_session()
    texts = [f"idea{number}" for number in range(len(truth))]
    suggestion = suggest_groups(texts, vectors)
    assert len(suggestion.groups) == 3


def test_mismatched_lengths() -> None:
    texts, vectors, _ = make_session()
    with pytest.raises(ValueError):
        suggest_groups(texts[:-1], vectors)


def test_settings_are_used() -> None:
    texts, vectors, _ = make_session()
    suggestion = suggest_groups(texts, vectors, settings=ClusterSettings(min_group_size=20))
    assert suggestion.groups == []


def test_a_requested_group_count_overrides_the_automatic_one() -> None:
    texts, vectors, _ = make_session()
    suggestion = suggest_groups(texts, vectors, settings=ClusterSettings(groups=2))
    assert suggestion.info["spectral_groups"] == 2
    assert suggestion.info["chosen_groups"] == 3
    assert suggestion.info["method"] == "spectral-requested"


def test_second_encoder_vectors_join_the_first() -> None:
    texts, vectors, truth = make_session()
    # A second "encoder" whose vectors share a large common part, as e5's do: centring removes it.
    rng = np.random.default_rng(1)
    second = np.hstack([vectors, np.full((len(texts), 4), 3.0)]) + rng.normal(
        0, 0.05, (len(texts), 8)
    )
    suggestion = suggest_groups(texts, vectors, second_vectors=second.astype(np.float32))
    assert suggestion.info["two_encoders"] == 1
    assert len(suggestion.groups) == 3
    for group in suggestion.groups:
        assert len({truth[index] for index in group.members}) == 1
    with pytest.raises(ValueError):
        suggest_groups(texts, vectors, second_vectors=second[:-1])


def test_two_encoders_build_one_graph_per_view_on_the_same_footing() -> None:
    texts, vectors, truth = make_session()
    rng = np.random.default_rng(2)
    # The second encoder's cosines run in a narrow high band (e5-like): rescaled per view, it
    # weighs as much as the first, and the three topics are found either way.
    second = (np.hstack([vectors, np.full((len(texts), 4), 5.0)])).astype(np.float32)
    second += rng.normal(0, 0.02, second.shape).astype(np.float32)
    fused = suggest_groups(texts, vectors, second_vectors=second)
    assert fused.info["graph"] == "per-view"
    assert len(fused.groups) == 3
    for group in fused.groups:
        assert len({truth[index] for index in group.members}) == 1
    mixed = suggest_groups(
        texts, vectors, second_vectors=second, settings=ClusterSettings(fuse_view_graphs=False)
    )
    assert mixed.info["graph"] == "mixed-cosine"
    assert suggest_groups(texts, vectors).info["graph"] == "mixed-cosine"  # one encoder


def test_a_view_graph_is_symmetric_and_each_idea_weighs_one() -> None:
    _, vectors, _ = make_session()
    graph = _view_graph(vectors, 5)
    assert abs(graph - graph.T).max() < 1e-6
    assert np.allclose(graph.sum(), vectors.shape[0], atol=1e-3)


def test_a_small_session_gets_at_least_three_groups_when_it_has_them() -> None:
    texts, vectors, _ = make_session(per_topic=10)
    assert ClusterSettings().min_groups == 3
    assert len(suggest_groups(texts, vectors).groups) == 3


def test_the_map_shows_groups_as_separate_clouds_and_is_stable() -> None:
    texts, vectors, truth = make_session(per_topic=15)
    first = suggest_groups(texts, vectors)
    points = np.array(first.coordinates)
    labels = np.array(truth)
    centres = {topic: points[labels == topic].mean(axis=0) for topic in set(truth)}
    spread = max(
        float(np.linalg.norm(points[labels == topic] - centre, axis=1).mean())
        for topic, centre in centres.items()
    )
    gaps = [
        float(np.linalg.norm(centres[a] - centres[b])) for a in centres for b in centres if a < b
    ]
    assert min(gaps) > 2 * spread  # clouds, not one curve
    assert suggest_groups(texts, vectors).coordinates == first.coordinates


def two_level_session(seed: int) -> tuple[list[str], np.ndarray, list[int]]:
    """Three topics of two close sub-topics each (16 ideas a sub-topic)."""
    rng = np.random.default_rng(seed)
    texts, vectors, sub_topics = [], [], []
    for topic in range(3):
        for side in (-1.0, 1.0):
            centre = np.zeros(6)
            centre[topic] = 1.0
            centre[3 + (topic + int(side > 0)) % 3] += 0.3 * side
            for number in range(16):
                texts.append(f"Идея {number}")
                vectors.append(centre + rng.normal(0, 0.12, 6))
                sub_topics.append(2 * topic + int(side > 0))
    matrix = np.array(vectors, dtype=np.float32)
    return texts, matrix / np.linalg.norm(matrix, axis=1, keepdims=True), sub_topics


def test_a_group_bonus_never_offers_fewer_groups_and_can_split_close_sub_topics() -> None:
    assert ClusterSettings().group_bonus > 0
    for seed in range(4):
        texts, vectors, sub_topics = two_level_session(seed)
        counts, agreement = [], []
        for bonus in (0.0, ClusterSettings().group_bonus, 0.5):
            suggestion = suggest_groups(texts, vectors, settings=ClusterSettings(group_bonus=bonus))
            counts.append(int(suggestion.info["chosen_groups"]))
            labels = np.array(suggestion.labels())
            labels = np.where(labels < 0, np.arange(labels.size) + labels.size, labels)
            agreement.append(adjusted_rand_score(sub_topics, labels))
        # A bonus per group can only move the modularity choice towards more groups.
        assert counts == sorted(counts)
        # Plain modularity merges some close sub-topics; a large bonus separates all six.
        assert counts[0] < 6 and counts[2] == 6
        assert agreement[2] > agreement[0]
