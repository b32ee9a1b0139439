# Veche production image: daphne web processes and the background worker share it.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VECHE_VAR_DIR=/var/lib/veche \
    STATIC_ROOT=/var/lib/veche/static \
    VECHE_MANIFEST_STATIC=true \
    HF_HUB_OFFLINE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend backend
COPY ideas ideas
COPY realtime realtime
COPY ml ml
COPY archive archive
COPY pages pages
COPY manage.py ./

# Point PIP_EXTRA_INDEX_URL at a CPU-only torch index to keep the image small (the CUDA
# build works too, it is only larger); sentence-transformers serves a baked-in model.
ARG PIP_EXTRA_INDEX_URL=""
RUN pip install "torch==2.13.0" && pip install ".[transformers]"

# Bake a multilingual sentence-transformers model into the image at build time, so nothing is
# downloaded at run time. Point VECHE_EMBEDDING_MODEL at it (see docker-compose.yml).
ARG EMBEDDING_MODEL=sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2
RUN python -c "import sys; from sentence_transformers import SentenceTransformer; \
SentenceTransformer(sys.argv[1]).save('/opt/models/multilingual')" "$EMBEDDING_MODEL"

RUN python manage.py compilemessages -v0 \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0

RUN useradd --system --home /app veche && mkdir -p /var/lib/veche && chown -R veche /var/lib/veche
USER veche
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "backend.asgi:application"]
