"""WebSocket votes of one process, applied together (group commit).

The intake lives in `ideas.vote_intake`, so that the REST vote (`ideas.api.vote_fast_path`)
goes through the same batches as the socket's votes without the domain importing the live
stream. One intake per process (per event loop): a burst of socket and REST votes is
stored in a few transactions.
"""

from __future__ import annotations

from ideas.vote_intake import BATCH_MAX, VOTE_EXECUTOR, Result, VoteIntake, current_intake

__all__ = ["BATCH_MAX", "VOTE_EXECUTOR", "Result", "VoteIntake", "current_intake"]
