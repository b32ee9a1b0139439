"""The embedded default's task backend: run tasks in-process, off the request thread.

A newcomer runs one process with no worker; posting an idea must still not wait
on the embedding model. Tasks run on a small thread pool after the enqueuing
transaction commits. Production uses `django_tasks_db.DatabaseBackend` and a
`db_worker` process instead, so a lost process loses nothing.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections
from django_tasks.backends.immediate import ImmediateBackend

logger = logging.getLogger("veche.tasks")

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veche-task")


class ThreadBackend(ImmediateBackend):
    """ImmediateBackend's bookkeeping, but the work happens on a background thread."""

    def _execute_task(self, task_result: Any) -> None:
        def run() -> None:
            close_old_connections()
            try:
                super(ThreadBackend, self)._execute_task(task_result)
            except Exception:
                logger.exception("background task %s failed", task_result.task.name)
            finally:
                close_old_connections()

        _pool.submit(run)


def wait_for_background_tasks(timeout: float = 60.0) -> None:
    """Block until queued in-process tasks have run (tests and management commands)."""
    _pool.submit(lambda: None).result(timeout=timeout)
