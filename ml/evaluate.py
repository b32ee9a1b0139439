"""Measure the ML pipeline on labelled data; every change to it is judged by these numbers.

Usage (prints one JSON object):

    python -m ml.evaluate clustering --input FILE.jsonl --text-field text --label-field reason \
        [--also-label category]
    python -m ml.evaluate clustering --polis DIR [--include-rejected]
    python -m ml.evaluate duplicates --input FILE.jsonl
    python -m ml.evaluate screening --data DIR [--show]

Every command runs the product's own pipeline with its defaults (the encoder from
``VECHE_EMBEDDING_MODEL`` or ``--encoder``, ``ClusterSettings()``); nothing is tuned on the
input's labels.

- ``clustering``: ARI and NMI of ``ml.cluster.suggest_groups`` against the labels. Ungrouped
  ideas count as groups of one (a moderator must still place them), which is the honest
  reading; ``ari_grouped_only`` shows the agreement on the ideas that were grouped.
  ``--polis DIR`` (or ``--input`` naming a folder) mixes the ``comments.csv`` of every Polis
  conversation under ``DIR``, the conversation being the label; comments the Polis moderators
  rejected (``moderated = -1``) are left out as the platform would hide them, unless
  ``--include-rejected``. ``--input`` naming one CSV reads its ``comment-body`` column with the
  ``--label-field`` column as the label.
- ``duplicates``: pairs ``text_1``, ``text_2``, ``label``; positives are label 1, negatives the
  lowest label (-1, "not a paraphrase", when present: the loose 0s are then dropped; otherwise
  0). ROC-AUC of the cosine; recall@1 and @5 of finding each positive's partner among all
  distinct sentences of the file; the cosine at which precision reaches 0.9 (for calibrating
  ``ml.similar`` thresholds).
- ``screening``: recall of ``ml.screening.screen`` on positives built from real texts (see
  ``_screening_positives``), and how many real texts each code flags (``--show`` prints them
  for review).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import (
    adjusted_rand_score,
    normalized_mutual_info_score,
    precision_recall_curve,
    roc_auc_score,
)

from ml.cluster import ClusterSettings, suggest_groups
from ml.encoders import Encoder, build_encoder, get_encoder, grouping_encoder_spec
from ml.screening import REASONS, screen
from ml.similar import relevance_threshold


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _polis_comments(folder: Path, include_rejected: bool) -> Iterator[tuple[str, str]]:
    csv.field_size_limit(10_000_000)
    for path in sorted(folder.glob("*/comments.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if not include_rejected and row.get("moderated", "").strip() == "-1":
                    continue
                text = row.get("comment-body", "").strip()
                if text:
                    yield text, path.parent.name


def _encoder(spec: str | None) -> Encoder:
    return build_encoder(spec) if spec else get_encoder()


def _cached_encode(encoder: Encoder, texts: list[str], cache: str | None) -> NDArray[np.float32]:
    """``encoder.encode(texts)``, kept in ``cache`` (a folder) keyed by model and texts.

    Encoding the labelled files with e5 takes minutes on a shared host; the cache lets a
    measurement be repeated with other clustering settings without paying for it again.
    """
    if not cache:
        return encoder.encode(texts)
    digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = Path(cache) / f"{encoder.name}-{digest}.npy"
    if path.exists():
        return np.asarray(np.load(path), dtype=np.float32)
    vectors = encoder.encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _second_encoder(args: argparse.Namespace) -> Encoder | None:
    """The grouping encoder: ``--grouping-encoder``, else the product's default."""
    spec = args.grouping_encoder if args.grouping_encoder else grouping_encoder_spec()
    if not spec or spec.lower() in ("none", "off"):
        return None
    return build_encoder(spec)


def _load_labelled(args: argparse.Namespace) -> tuple[list[str], dict[str, list[str]]]:
    """Texts and one or more label columns, from JSONL, a Polis folder or one CSV."""
    source = Path(args.polis or args.input)
    if source.is_dir():
        pairs = list(_polis_comments(source, args.include_rejected))
        return [text for text, _ in pairs], {"conversation": [label for _, label in pairs]}
    fields = [args.label_field, *args.also_label]
    if source.suffix == ".csv":
        csv.field_size_limit(10_000_000)
        with source.open(encoding="utf-8", newline="") as handle:
            rows: list[dict[str, Any]] = list(csv.DictReader(handle))
        text_field = args.text_field if args.text_field in rows[0] else "comment-body"
    else:
        rows = _read_jsonl(source)
        text_field = args.text_field
    rows = [row for row in rows if str(row.get(text_field, "")).strip()]
    return [str(row[text_field]) for row in rows], {
        field: [str(row.get(field)) for row in rows] for field in fields
    }


def evaluate_clustering(args: argparse.Namespace) -> dict[str, Any]:
    if args.sessions:
        return evaluate_sessions(args)
    texts, labels = _load_labelled(args)
    encoder = _encoder(args.encoder)
    started = time.perf_counter()
    vectors = _cached_encode(encoder, texts, args.vector_cache)
    second = _second_encoder(args)
    second_vectors = _cached_encode(second, texts, args.vector_cache) if second else None
    settings = ClusterSettings(groups=args.groups) if args.groups else ClusterSettings()
    embedded = time.perf_counter()
    suggestion = suggest_groups(texts, vectors, settings=settings, second_vectors=second_vectors)
    clustered = time.perf_counter()
    predicted = np.array(suggestion.labels())
    # Each ungrouped idea is its own group of one for the metrics.
    singletons = np.where(predicted < 0, np.arange(len(predicted)) + len(predicted), predicted)
    grouped = predicted >= 0
    result: dict[str, Any] = {
        "encoder": encoder.name,
        "grouping_encoder": second.name if second else None,
        "texts": len(texts),
        "n_groups": len(suggestion.groups),
        "n_ungrouped": len(suggestion.ungrouped),
    }
    for number, (field, truth) in enumerate(labels.items()):
        prefix = "" if number == 0 else f"{field}_"
        truth_array = np.array(truth)
        result[f"{prefix}n_labels"] = len(set(truth))
        result[f"{prefix}ari"] = round(float(adjusted_rand_score(truth_array, singletons)), 4)
        result[f"{prefix}nmi"] = round(
            float(normalized_mutual_info_score(truth_array, singletons)), 4
        )
        result[f"{prefix}ari_grouped_only"] = round(
            float(adjusted_rand_score(truth_array[grouped], predicted[grouped])), 4
        )
    result["label_field"] = next(iter(labels))
    result["embedding_seconds"] = round(embedded - started, 2)
    result["clustering_seconds"] = round(clustered - embedded, 2)
    result["seconds"] = round(clustered - started, 2)
    result["examples"] = [
        {"keywords": group.keywords, "size": len(group.members)} for group in suggestion.groups[:8]
    ]
    return result


def draw_sessions(
    labels: Sequence[str],
    count: int,
    *,
    seed: int = 0,
    sizes: tuple[int, int] = (30, 120),
    topics: tuple[int, int] = (4, 10),
    unevenness: float = 2.0,
    smallest: int = 4,
) -> list[NDArray[np.int64]]:
    """``count`` sessions shaped like real ones, as index arrays into ``labels``.

    Each session has 30–120 ideas over 4–10 labels (fewer when the file has fewer), with uneven
    topic sizes: shares from a symmetric Dirichlet with concentration ``unevenness`` (2: the
    largest topic is typically 3–5 times the smallest), at least ``smallest`` ideas a topic,
    never more than the file holds. The same ``seed`` draws the same sessions.
    """
    rng = np.random.default_rng(seed)
    by_label: dict[str, NDArray[np.int64]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, np.empty(0, np.int64))
        by_label[label] = np.append(by_label[label], index)
    names = sorted(by_label)
    sessions: list[NDArray[np.int64]] = []
    for _ in range(count):
        wanted = int(rng.integers(sizes[0], sizes[1] + 1))
        k = int(rng.integers(min(topics[0], len(names)), min(topics[1], len(names)) + 1))
        chosen = rng.choice(len(names), size=k, replace=False)
        shares = rng.dirichlet(np.full(k, unevenness))
        quotas = np.maximum(smallest, np.round(shares * wanted)).astype(int)
        parts = []
        for number, quota in zip(chosen, quotas, strict=True):
            pool = by_label[names[int(number)]]
            parts.append(rng.choice(pool, size=min(int(quota), pool.size), replace=False))
        sessions.append(np.sort(np.concatenate(parts)))
    return sessions


def _with_singletons(predicted: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each ungrouped idea (-1) as its own group of one."""
    return np.where(predicted < 0, np.arange(len(predicted)) + len(predicted), predicted)


def evaluate_sessions(args: argparse.Namespace) -> dict[str, Any]:
    """Session-scale clustering: mean and 10th-percentile ARI over drawn sessions."""
    texts, labels = _load_labelled(args)
    truth = np.array(next(iter(labels.values())))
    encoder = _encoder(args.encoder)
    started = time.perf_counter()
    vectors = _cached_encode(encoder, texts, args.vector_cache)
    second = _second_encoder(args)
    second_vectors = _cached_encode(second, texts, args.vector_cache) if second else None
    embedding_seconds = time.perf_counter() - started
    aris, groups, topics, ungrouped, seconds, sizes = [], [], [], [], [], []
    drawn = draw_sessions(truth.tolist(), args.sessions, seed=args.seed, unevenness=args.unevenness)
    for session in drawn:
        sizes.append(len(session))
        session_texts = [texts[i] for i in session]
        session_truth = truth[session]
        count = len(set(session_truth.tolist()))
        settings = ClusterSettings(groups=count) if args.true_count else ClusterSettings()
        begun = time.perf_counter()
        suggestion = suggest_groups(
            session_texts,
            vectors[session],
            settings=settings,
            second_vectors=None if second_vectors is None else second_vectors[session],
        )
        seconds.append(time.perf_counter() - begun)
        predicted = np.array(suggestion.labels())
        aris.append(float(adjusted_rand_score(session_truth, _with_singletons(predicted))))
        groups.append(len(suggestion.groups))
        topics.append(count)
        ungrouped.append(len(suggestion.ungrouped) / len(session))
    return {
        "encoder": encoder.name,
        "grouping_encoder": second.name if second else None,
        "sessions": args.sessions,
        "seed": args.seed,
        "unevenness": args.unevenness,
        "true_count_forced": bool(args.true_count),
        "mean_ideas": round(float(np.mean(sizes)), 1),
        "ari_mean": round(float(np.mean(aris)), 4),
        "ari_p10": round(float(np.percentile(aris, 10)), 4),
        "ari_min": round(float(np.min(aris)), 4),
        "groups_offered_mean": round(float(np.mean(groups)), 2),
        "true_topics_mean": round(float(np.mean(topics)), 2),
        "ungrouped_share": round(float(np.mean(ungrouped)), 4),
        "clustering_seconds_mean": round(float(np.mean(seconds)), 3),
        "clustering_seconds_max": round(float(np.max(seconds)), 3),
        "embedding_seconds": round(embedding_seconds, 2),
    }


def evaluate_panel(args: argparse.Namespace) -> dict[str, Any]:
    """How often two texts with different labels reach the similar-ideas panel."""
    texts, labels = _load_labelled(args)
    truth = np.array(next(iter(labels.values())))
    encoder = _encoder(args.encoder)
    vectors = _cached_encode(encoder, texts, args.vector_cache)
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, len(texts), (2, 200_000))
    different = truth[first] != truth[second]
    scores = np.einsum("ij,ij->i", vectors[first[different]], vectors[second[different]])
    same = np.einsum("ij,ij->i", vectors[first[~different]], vectors[second[~different]])
    panel = relevance_threshold(encoder.name)
    return {
        "encoder": encoder.name,
        "panel_threshold": panel,
        "different_label_pairs": int(different.sum()),
        "different_label_pairs_reaching_panel": round(float(np.mean(scores >= panel)), 5),
        "same_label_pairs_reaching_panel": round(float(np.mean(same >= panel)), 4),
    }


def _recall_at(scores: np.ndarray[Any, Any], queries: list[tuple[int, int]], k: int) -> float:
    hits = 0
    for query, partner in queries:
        row = scores[query]
        # Rank of the partner: how many sentences score strictly higher (self excluded).
        higher = int(np.count_nonzero(row > row[partner])) - int(row[query] > row[partner])
        hits += higher < k
    return hits / len(queries) if queries else 0.0


def evaluate_duplicates(args: argparse.Namespace) -> dict[str, Any]:
    rows = _read_jsonl(Path(args.input))
    labels = {int(row["label"]) for row in rows}
    negative = -1 if -1 in labels else 0
    # Candidates for recall@k are all sentences of the file, loose paraphrases included.
    sentences = sorted({row["text_1"] for row in rows} | {row["text_2"] for row in rows})
    rows = [row for row in rows if int(row["label"]) in (1, negative)]
    index = {sentence: number for number, sentence in enumerate(sentences)}
    encoder = _encoder(args.encoder)
    started = time.perf_counter()
    vectors = _cached_encode(encoder, sentences, args.vector_cache)
    embedded = time.perf_counter()
    pairs = [(index[row["text_1"]], index[row["text_2"]], int(row["label"]) == 1) for row in rows]
    scores = np.array([float(vectors[a] @ vectors[b]) for a, b, _ in pairs])
    truth = np.array([positive for *_, positive in pairs])
    queries = [(a, b) for a, b, positive in pairs if positive]
    queries += [(b, a) for a, b, positive in pairs if positive]
    similarity = vectors @ vectors.T
    precision, _recall, thresholds = precision_recall_curve(truth, scores)
    reaching = np.flatnonzero(precision[:-1] >= 0.9)
    finished = time.perf_counter()
    panel = relevance_threshold(encoder.name)
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, len(sentences), (2, 20_000))
    random_scores = np.einsum("ij,ij->i", vectors[first], vectors[second])[first != second]
    result: dict[str, Any] = {
        "encoder": encoder.name,
        "panel_threshold": panel,
        "strict_paraphrases_reaching_panel": round(float(np.mean(scores[truth] >= panel)), 4),
        "random_pairs_reaching_panel": round(float(np.mean(random_scores >= panel)), 5),
        "pairs": len(pairs),
        "positives": int(truth.sum()),
        "negative_label": negative,
        "sentences": len(sentences),
        "roc_auc": round(float(roc_auc_score(truth, scores)), 4),
        "recall_at_1": round(_recall_at(similarity, queries, 1), 4),
        "recall_at_5": round(_recall_at(similarity, queries, 5), 4),
        "threshold_at_precision_0_9": (
            round(float(thresholds[reaching[0]]), 3) if reaching.size else None
        ),
        "embedding_seconds": round(embedded - started, 2),
        "seconds": round(finished - started, 2),
    }
    second = _second_encoder(args)
    if second is not None:
        result["rerank"] = _rerank_figures(
            second, sentences, pairs, truth, queries, similarity, args.vector_cache
        )
    return result


def _rerank_figures(
    second: Encoder,
    sentences: list[str],
    pairs: list[tuple[int, int, bool]],
    truth: NDArray[np.bool_],
    queries: list[tuple[int, int]],
    similarity: NDArray[np.float32],
    cache: str | None,
) -> dict[str, Any]:
    """Duplicates by two encoders: ROC-AUC of the combined score and recall@1 after re-ranking
    the fast encoder's top ``RERANK_TOP`` with the second encoder's vectors (``ml.similar``)."""
    from ml import similar

    started = time.perf_counter()
    other = _cached_encode(second, sentences, cache)
    embedded = time.perf_counter()
    fast = np.array([float(similarity[a, b]) for a, b, _ in pairs])
    slow = np.array([float(other[a] @ other[b]) for a, b, _ in pairs])
    combined = similar.combined_score(fast, slow, second.name)
    precision, _recall, thresholds = precision_recall_curve(truth, combined)
    reaching = np.flatnonzero(precision[:-1] >= 0.9)
    tops = []
    for query, partner in queries:
        row = similarity[query].copy()
        row[query] = -np.inf
        top = np.argpartition(-row, similar.RERANK_TOP)[: similar.RERANK_TOP]
        tops.append((query, partner, [(int(i), float(row[i])) for i in top]))

    def recall_at_1() -> float:
        hits = 0
        for query, partner, candidates in tops:
            rows = other[[index for index, _ in candidates]]
            hits += similar.rerank(candidates, other[query], rows, second.name)[0][0] == partner
        return hits / len(tops) if tops else 0.0

    reranked_recall = recall_at_1()
    # The weights tried (docs/ml.md lists the ones that lost).
    by_weight: dict[str, dict[str, float]] = {}
    default_weight = similar.RERANK_FAST_WEIGHT
    try:
        for weight in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
            similar.RERANK_FAST_WEIGHT = weight
            by_weight[str(weight)] = {
                "roc_auc": round(
                    float(roc_auc_score(truth, similar.combined_score(fast, slow, second.name))),
                    4,
                ),
                "recall_at_1": round(recall_at_1(), 4),
            }
    finally:
        similar.RERANK_FAST_WEIGHT = default_weight
    threshold = similar.combined_duplicate_threshold(second.name)
    flagged = combined >= threshold
    return {
        "second_encoder": second.name,
        "fast_weight": similar.RERANK_FAST_WEIGHT,
        "top": similar.RERANK_TOP,
        "roc_auc": round(float(roc_auc_score(truth, combined)), 4),
        "second_alone_roc_auc": round(float(roc_auc_score(truth, slow)), 4),
        "by_fast_weight": by_weight,
        "recall_at_1": round(reranked_recall, 4),
        "threshold_at_precision_0_9": (
            round(float(thresholds[reaching[0]]), 3) if reaching.size else None
        ),
        "duplicate_threshold": threshold,
        "precision_at_threshold": round(float(truth[flagged].mean()), 4) if flagged.any() else None,
        "recall_at_threshold": round(float(flagged[truth].mean()), 4),
        "embedding_seconds": round(embedded - started, 2),
    }


# --- screening ----------------------------------------------------------------------------

# Seed lemmas for the obscenity positives. Their word forms are NOT written here: pymorphy3's
# dictionary inflects each seed (every case, number, tense, person), so recall measures
# whether screening copes with morphology, on forms nobody picked by hand.
_OBSCENE_SEEDS = (
    "хуй хуйня хуёвый охуеть охуенный нахуй похуй пиздец пизда пиздёж пиздеть распиздяй "
    "спиздить ебать заебать выебать наебать уебать ебаный ебануть отъебаться долбоёб блядь "
    "блядский мудак мудила пидор пидорас залупа гандон шлюха сука"
).split()
_ENGLISH_PROFANE = (
    "fuck fucking fucked fucker motherfucker shit shitty bullshit bitch bitches asshole cunt "
    "bastard dickhead wanker twat slut whore"
).split()
# Insult seeds, inflected by pymorphy3 like the obscene ones.
_INSULT_SEEDS = (
    "идиот дебил придурок кретин урод быдло сволочь тварь ничтожество недоумок болван гнида "
    "дегенерат имбецил тупица дура дурак подонок мерзавец"
).split()
_ENGLISH_INSULTS = "idiot idiots moron morons imbecile scumbag".split()
# Latin letters that look like Cyrillic ones, the way people dodge a filter.
_LOOKALIKE_LATIN = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "к": "k",
        "б": "6",
        "з": "3",
    }
)


def _obfuscations(word: str, rng: random.Random) -> dict[str, str]:
    """The ways people dodge a word filter, each applied to one lexicon word."""
    letters = list(word)
    vowels = [i for i, ch in enumerate(letters) if ch in "аеёиоуыэюяaeiouy"]
    stretched = list(letters)
    if vowels:
        at = rng.choice(vowels)
        stretched[at] = stretched[at] * 3
    masked = list(letters)
    if len(letters) > 2:
        masked[rng.randint(1, len(letters) - 2)] = "*"
    return {
        "spaced": " ".join(letters),
        "dotted": ".".join(letters),
        "starred": "*".join(letters),
        "dashed": "-".join(letters),
        "latin_lookalike": word.translate(_LOOKALIKE_LATIN),
        "stretched": "".join(stretched),
        "one_letter_masked": "".join(masked),
        "upper_case": word.upper(),
    }


_TLDS = ("ru", "com", "org", "net", "рф", "io", "info", "su")
_NAMES = ("gorod", "vk", "example", "mysite", "petition", "sale", "akcia", "novosti", "yakutsk")


def _inflections(lemma: str) -> list[str]:
    from ml.text import morph

    parses = morph().parse(lemma)
    forms = {lemma}
    for parse in parses[:1]:
        forms.update(form.word for form in parse.lexeme)
    return sorted(forms)


def _screening_positives(rng: random.Random, clean: Sequence[str]) -> dict[str, list[str]]:
    """Real clean texts with one violation inserted at a random word boundary."""

    def insert(item: str) -> str:
        words = rng.choice(clean).split()
        position = rng.randint(0, len(words))
        return " ".join([*words[:position], item, *words[position:]])

    obscene = [form for seed in _OBSCENE_SEEDS for form in _inflections(seed)]
    obscene += _ENGLISH_PROFANE
    links = []
    for _ in range(300):
        name = rng.choice(_NAMES) + rng.choice(("", "-info", "24", "spb"))
        domain = f"{name}.{rng.choice(_TLDS)}"
        links.append(
            rng.choice(
                (
                    f"https://{domain}/page{rng.randint(1, 99)}",
                    f"http://www.{domain}",
                    f"www.{domain}",
                    domain,
                    f"{domain}/join",
                    f"t.me/{name}",
                )
            )
        )
    emails = [
        f"{rng.choice(('ivan', 'maria.k', 'info', 'sale_22'))}@{rng.choice(_NAMES)}.{rng.choice(_TLDS[:4])}"
        for _ in range(200)
    ]
    phones = []
    for _ in range(300):
        digits = [str(rng.randint(0, 9)) for _ in range(7)]
        area = str(rng.choice((812, 495, 914, 999, 4112, 800)))[:3]
        local = "".join(digits)
        phones.append(
            rng.choice(
                (
                    f"+7 ({area}) {local[:3]}-{local[3:5]}-{local[5:]}",
                    f"8{area}{local}",
                    f"8-{area}-{local[:3]}-{local[3:5]}-{local[5:]}",
                    f"+7{area}{local}",
                    f"{local[:3]}-{local[3:5]}-{local[5:]}",
                    f"+44 20 {local[:4]} {local[4:]}{rng.randint(0, 9)}",
                )
            )
        )
    handles = []
    for _ in range(300):
        user = rng.choice(
            ("prodam_kvartiru", "gorod_news", "ivan1985", "sale.spb", "kanal_yakutsk")
        )
        handles.append(
            rng.choice(
                (
                    f"@{user}",
                    f"пишите в телеграм @{user}",
                    f"tg: {user}",
                    f"t.me/{user}",
                    f"wa.me/7999{rng.randint(1000000, 9999999)}",
                    f"{rng.choice(('bit.ly', 'clck.ru', 'vk.cc', 'goo.gl', 'cutt.ly'))}/{user[:5]}",
                )
            )
        )
    obfuscated: dict[str, list[str]] = {}
    for word in obscene:
        if not re.fullmatch(r"[а-яё]+", word):
            continue
        for kind, variant in _obfuscations(word, rng).items():
            obfuscated.setdefault(f"obscenity_{kind}", []).append(insert(variant))
    insults = [form for seed in _INSULT_SEEDS for form in _inflections(seed)]
    insults += _ENGLISH_INSULTS
    return {
        "obscenity": [insert(item) for item in obscene],
        **obfuscated,
        "insult": [insert(item) for item in insults],
        "link": [insert(item) for item in links],
        "link_handles_and_short_links": [insert(item) for item in handles],
        "email": [insert(item) for item in emails],
        "phone": [insert(item) for item in phones],
    }


def _real_texts(data: Path) -> list[str]:
    texts: list[str] = []
    for name in ("ru-appeals/labelled.jsonl", "ru-appeals/corpus.jsonl"):
        if (data / name).exists():
            texts += [str(row["text"]) for row in _read_jsonl(data / name)]
    if (data / "polis").is_dir():
        texts += [text for text, _ in _polis_comments(data / "polis", include_rejected=True)]
    for name in ("paraphrase/ru.jsonl", "paraphrase/en.jsonl"):
        if (data / name).exists():
            rows = _read_jsonl(data / name)
            texts += sorted({row["text_1"] for row in rows} | {row["text_2"] for row in rows})
    return texts


def evaluate_screening(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(0)
    real = _real_texts(Path(args.data))
    if not real:
        raise SystemExit(f"no texts under {args.data}")
    flagged: dict[str, list[str]] = {reason: [] for reason in REASONS}
    timings: list[float] = []
    for text in real:
        started = time.perf_counter()
        reasons = screen(text)
        timings.append(time.perf_counter() - started)
        for reason in reasons:
            flagged[reason].append(text)
    clean = [text for text in real if not screen(text) and len(text) < 400]
    positives = _screening_positives(rng, clean)
    recall = {}
    for kind, texts in positives.items():
        reason = "link" if kind.startswith("link") else kind.split("_")[0]
        caught = [text for text in texts if reason in screen(text)]
        recall[kind] = {"positives": len(texts), "recall": round(len(caught) / len(texts), 4)}
        if args.show:
            missed = [text for text in texts if reason not in screen(text)]
            for text in missed:
                print(f"MISSED {kind}: {text[:160]}", file=sys.stderr)
    if args.show:
        for reason, texts in flagged.items():
            for text in texts:
                print(f"FLAGGED {reason}: {text[:200]}", file=sys.stderr)
    ms = np.array(timings) * 1000
    return {
        "real_texts": len(real),
        "real_texts_flagged": {reason: len(texts) for reason, texts in flagged.items()},
        "synthetic_positives": recall,
        "milliseconds_p50": round(float(np.percentile(ms, 50)), 3),
        "milliseconds_p99": round(float(np.percentile(ms, 99)), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    clustering = commands.add_parser("clustering", help="ARI / NMI of group suggestions")
    source = clustering.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="JSONL file, one CSV, or a folder of Polis conversations")
    source.add_argument("--polis", help="folder of Polis conversations (each with comments.csv)")
    clustering.add_argument("--text-field", default="text")
    clustering.add_argument("--label-field", default="label")
    clustering.add_argument("--also-label", action="append", default=[], help="another label")
    clustering.add_argument("--include-rejected", action="store_true")
    clustering.add_argument("--encoder", help="VECHE_EMBEDDING_MODEL value to use instead")
    clustering.add_argument(
        "--groups", type=int, help="diagnostic only: force the number of groups (not the default)"
    )
    clustering.add_argument(
        "--sessions", type=int, default=0, help="draw N sessions of 30-120 ideas over 4-10 labels"
    )
    clustering.add_argument(
        "--vector-cache", help="folder to keep the file's vectors in between runs"
    )
    clustering.add_argument(
        "--unevenness", type=float, default=2.0, help="Dirichlet concentration of topic sizes"
    )
    clustering.add_argument(
        "--grouping-encoder",
        help="second encoder for grouping (default: VECHE_GROUPING_MODEL or e5; none: off)",
    )
    clustering.add_argument("--seed", type=int, default=0, help="seed of the drawn sessions")
    clustering.add_argument(
        "--true-count", action="store_true", help="diagnostic: force each session's topic count"
    )
    duplicates = commands.add_parser("duplicates", help="ROC-AUC, recall@k of paraphrase pairs")
    duplicates.add_argument("--input", required=True)
    duplicates.add_argument("--encoder", help="VECHE_EMBEDDING_MODEL value to use instead")
    duplicates.add_argument(
        "--vector-cache", help="folder to keep the file's vectors in between runs"
    )
    duplicates.add_argument(
        "--grouping-encoder",
        help="second encoder that re-ranks duplicates (default: VECHE_GROUPING_MODEL or e5; none)",
    )
    panel = commands.add_parser("panel", help="different-label pairs reaching the similar panel")
    panel.add_argument("--input", required=True)
    panel.add_argument("--polis", default=None, help=argparse.SUPPRESS)
    panel.add_argument("--text-field", default="text")
    panel.add_argument("--label-field", default="label")
    panel.add_argument("--also-label", action="append", default=[], help=argparse.SUPPRESS)
    panel.add_argument("--include-rejected", action="store_true", help=argparse.SUPPRESS)
    panel.add_argument("--encoder", help="VECHE_EMBEDDING_MODEL value to use instead")
    panel.add_argument("--vector-cache", help="folder to keep the file's vectors in between runs")
    screening = commands.add_parser("screening", help="recall and real-text flags of screening")
    screening.add_argument("--data", default="../shared/data")
    screening.add_argument("--show", action="store_true", help="print flagged and missed texts")
    args = parser.parse_args(argv)
    if args.command == "clustering":
        result = evaluate_clustering(args)
    elif args.command == "duplicates":
        result = evaluate_duplicates(args)
    elif args.command == "panel":
        result = evaluate_panel(args)
    else:
        result = evaluate_screening(args)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
