"""Background tasks (Django's tasks API via the django-tasks backport).

Embedded default: run in-process on a thread (`ideas.task_backends.ThreadBackend`).
Production: `django_tasks_db.DatabaseBackend`, drained by `manage.py db_worker`;
a task survives a crashed worker in the database.
"""

from __future__ import annotations

from django_tasks import task


@task()
def embed_idea(idea_id: int) -> bool:
    from ideas.embeddings import idea_embed

    return idea_embed(idea_id)


@task()
def embed_idea_for_grouping(idea_id: int) -> bool:
    from ideas.embeddings import idea_embed_for_grouping

    return idea_embed_for_grouping(idea_id)


@task()
def compute_group_suggestion(suggestion_id: int) -> str:
    from ideas.grouping import suggestion_compute

    return suggestion_compute(suggestion_id)
