"""ASGI entry point: HTTP through Django, WebSockets through Channels.

The WebSocket stack is chained as the Channels docs show: origin validation,
then authentication, then the URL router.
"""

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

from realtime.middleware import TokenAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            TokenAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
