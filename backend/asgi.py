"""ASGI entry point: HTTP through Django, WebSockets through Channels.

The WebSocket stack is chained as the Channels docs show: origin validation,
then authentication, then the URL router.
"""

import asyncio
import os
import sys

# The event loop (every socket's fan-out) shares the GIL with the threads that run votes.
# With Python's 5 ms default, a loop back from I/O waits up to 5 ms per turn behind a busy
# vote thread, so tallies fell seconds behind under load; 1 ms lets it back in sooner.
sys.setswitchinterval(float(os.environ.get("VECHE_GIL_SWITCH_SECONDS", "0.001")))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from contests.vote_fast_path import PublicVoteFastPath  # noqa: E402
from ideas.api.vote_fast_path import RestVoteFastPath  # noqa: E402
from realtime.middleware import TokenAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402


class BoundedHTTP:
    """At most `limit` Django requests at once; the others wait on the event loop, not in the pool.

    Every sync request runs on a thread of its own holding a pooled database connection. More
    threads than the pool has connections queued inside the pool with a 10 s timeout (a 500 when
    it ran out) and, before the tally got a connection of its own, starved the live tally tick
    (issue 16: 57.6 s without a tally at 64 concurrent REST requests). The bound leaves room in
    the pool for the process's own threads (the vote intake, snapshots).
    """

    def __init__(self, app, limit: int) -> None:  # noqa: ANN001 - an ASGI app
        self.app = app
        self.limit = limit
        self._gates: dict[int, tuple[object, asyncio.Semaphore]] = {}  # per event loop (tests run several)

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        found = self._gates.get(id(loop))
        if found is None or found[0] is not loop:
            found = self._gates[id(loop)] = (loop, asyncio.Semaphore(self.limit))
        return found[1]

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        async with self._gate():
            await self.app(scope, receive, send)


def http_concurrency() -> int:
    """`VECHE_HTTP_CONCURRENCY`, else the pool's size less what the process's own threads use."""
    from django.conf import settings

    if os.environ.get("VECHE_HTTP_CONCURRENCY"):
        return max(1, int(os.environ["VECHE_HTTP_CONCURRENCY"]))
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size"):
        # The shared thread pool (snapshots, min(32, cores + 4)) and the vote thread keep theirs.
        return max(2, int(pool["max_size"]) - min(32, (os.cpu_count() or 1) + 4) - 1)
    return 16  # SQLite: one writer at a time anyway; readers need not queue behind many threads


django_http = BoundedHTTP(django_asgi_app, http_concurrency())
# Plain REST votes (on ideas, and the contests' public votes) go to the process's vote intake
# (group commit); the rest to Django. VECHE_REST_VOTE_FAST_PATH=0 sends them through DRF's
# views as well (for comparison).
http_app = (
    PublicVoteFastPath(RestVoteFastPath(django_http))
    if os.environ.get("VECHE_REST_VOTE_FAST_PATH", "1") != "0"
    else django_http
)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(
            TokenAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
