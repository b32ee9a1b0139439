"""Veche's machine-learning helpers: plain typed functions, no Django.

Modules (each documents its own API):

- :mod:`ml.text` — language detection, tokens, Russian lemmas, English stems, stop words.
- :mod:`ml.screening` — ``screen(text) -> list[str]`` reason codes for auto-moderation.
- :mod:`ml.encoders` — ``get_encoder()``: one sentence encoder per process, loaded lazily.
- :mod:`ml.similar` — cosine top-k and the "possible duplicate" threshold.
- :mod:`ml.cluster` — ``suggest_groups(texts, vectors)``: groups, remainder, map coordinates.
- :mod:`ml.labels` — class-based TF-IDF keyword labels for groups.
- :mod:`ml.evaluate` — ``python -m ml.evaluate clustering|duplicates|screening``.

Only the domain layer (``ideas/``) calls these; nothing here touches the database.
"""
