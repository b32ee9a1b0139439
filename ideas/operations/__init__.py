"""Domain operations: the one place where Veche's state changes.

The REST views, the WebSocket consumer, the pages and the admin all call these
functions (Zulip's `actions`, HackSoft's services). Each validates, changes state
inside one transaction, logs what moderators did, and emits domain events
(`ideas.events`) that leave after commit. Names are `<entity>_<verb>`; arguments
are keyword-only. One module per entity; everything is importable from here.
"""

from ideas.operations._shared import (
    _ensure_moderator,
    _ensure_not_archived,
    _locked_session,
    _log,
)
from ideas.operations.groups import (
    _ensure_grouping,
    group_create,
    group_delete,
    group_merge,
    group_update,
    idea_set_group,
)
from ideas.operations.ideas import idea_merge, idea_moderate, idea_post, idea_unmerge
from ideas.operations.participants import Joined, participant_join
from ideas.operations.sessions import (
    session_create,
    session_duplicate,
    session_set_stage,
    session_set_timer,
    session_update,
)
from ideas.operations.votes import (
    VoteChange,
    VoteOutcome,
    vote_cast,
    vote_withdraw,
    votes_apply,
)
from ideas.text import clean_text

__all__ = [
    "Joined",
    "VoteChange",
    "VoteOutcome",
    "_ensure_grouping",
    "_ensure_moderator",
    "_ensure_not_archived",
    "_locked_session",
    "_log",
    "clean_text",
    "group_create",
    "group_delete",
    "group_merge",
    "group_update",
    "idea_merge",
    "idea_moderate",
    "idea_post",
    "idea_set_group",
    "idea_unmerge",
    "participant_join",
    "session_create",
    "session_duplicate",
    "session_set_stage",
    "session_set_timer",
    "session_update",
    "vote_cast",
    "vote_withdraw",
    "votes_apply",
]
