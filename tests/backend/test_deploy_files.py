"""The production files stay consistent with the code (no Docker engine runs here to try them)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_production_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "proxy", "migrate"} <= set(services)
    assert "daphne" in services["web"]["command"]
    assert services["web"]["deploy"]["replicas"] >= 2
    assert "db_worker" in " ".join(services["worker"]["command"])
    env = compose["x-veche-env"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["VECHE_TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    for name in ("db", "redis", "web", "live"):
        assert "healthcheck" in services[name], name
    # Live sockets on processes of their own, reached through the proxy's /ws/ route.
    assert "daphne" in services["live"]["command"] and services["live"]["deploy"]["replicas"] >= 2
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "handle /ws/* {\n\t\treverse_proxy live:8000" in caddyfile


def test_dockerfile_copies_every_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for app in ("backend", "ideas", "realtime", "ml", "archive", "pages"):
        assert f"COPY {app} {app}" in dockerfile
        assert (ROOT / app).is_dir()
