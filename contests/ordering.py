"""The order in which a participant sees a nomination's entries: shuffled per participant, stable.

A public vote shown in one fixed order favours the entries on top (the ballot-order effect).
Each participant gets an order of their own, the same every time they open the ballot (a
reload must not reshuffle under their thumb), and different from their neighbour's. The order is
by a keyed hash of each entry's id, so it does not depend on the order the entries arrive in,
and a newly admitted entry takes a place without moving the others relative to each other.

Plain Python, no Django: tested with fixed ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def _rank(contest_id: int, participant_id: int, entry_id: int) -> bytes:
    return hashlib.sha256(f"veche.ballot/1:{contest_id}:{participant_id}:{entry_id}".encode()).digest()


def ballot_order(entry_ids: Iterable[int], *, contest_id: int, participant_id: int) -> list[int]:
    """The entries in this participant's order for this contest (deterministic, a permutation)."""
    return sorted(set(entry_ids), key=lambda entry_id: (_rank(contest_id, participant_id, entry_id), entry_id))
