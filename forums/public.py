"""The public forum page: the programme by day and hall, what is live now, past sessions' records."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from forums import selectors
from ideas.models import Forum, Stage
from ideas.selectors import Viewer


@require_GET
def forum_public(request: HttpRequest, forum_id: int) -> HttpResponse:
    forum = get_object_or_404(Forum, pk=forum_id)
    viewer = Viewer(request.user)
    if not selectors.forum_visible(forum, viewer):
        raise Http404
    now = timezone.now()
    with timezone.override(selectors.forum_zone(forum)):
        days = selectors.programme(forum, viewer)
        live = selectors.live_now(forum, viewer, now=now)
        for day in days:
            for _hall, events in day.halls:
                for event in events:
                    session = event.session
                    event.is_live = event in live  # type: ignore[attr-defined]
                    event.archive_id = (  # type: ignore[attr-defined]
                        selectors.archive_id(session) if session and session.stage == Stage.ARCHIVED else None
                    )
        return render(
            request,
            "forums/forum_public.html",
            {
                "forum": forum,
                "days": days,
                "live": live,
                "organiser": viewer.organises(forum),
                "zone": forum.time_zone,
            },
        )
