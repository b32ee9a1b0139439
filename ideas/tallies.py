"""Read-side of voting: tallies, sector breakdowns, consensus, results.

Tallies are always derived from the `Vote` rows (the source of truth), in a
constant number of queries per call, whatever the number of ideas.

Consensus (bridging) score, after Polis's group-aware consensus with the
declared sectors as the groups: for every sector with at least
`VECHE_MIN_SECTOR_VOTERS` voters, take (agree + 1) / (votes + 2), and multiply
across those sectors. An idea loved by one sector and rejected by another
scores low; one supported everywhere scores high.
- `agree` method: agree, pass and disagree votes on the idea count as votes.
- `support` and `dots` methods: a supporter (any dots) counts as agree, and
  every voter of the sector who voted on anything in the session counts as a
  vote on the idea (they saw it and chose not to support it).
Sectors with fewer voters are left out of both the product and the published
breakdowns (privacy: a sector of one is a person).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from ideas.models import CaseSession, Group, Idea, IdeaStatus, Participant, Vote, VotingMethod


@dataclass
class Tally:
    agree: int = 0
    disagree: int = 0
    passes: int = 0
    supporters: int = 0  # participants with a positive vote (support, agree, any dots)
    dots: int = 0
    votes: int = 0  # participants who voted on the idea at all

    def add(self, value: int, count: int) -> None:
        self.votes += count
        if value > 0:
            self.supporters += count
            self.dots += value * count
            self.agree += count
        elif value == 0:
            self.passes += count
        else:
            self.disagree += count

    def score(self, method: str) -> int:
        if method == VotingMethod.AGREE:
            return self.agree - self.disagree
        if method == VotingMethod.DOTS:
            return self.dots
        return self.supporters

    def as_dict(self, method: str) -> dict[str, int]:
        if method == VotingMethod.AGREE:
            counts = {"agree": self.agree, "pass": self.passes, "disagree": self.disagree}
        elif method == VotingMethod.DOTS:
            counts = {"dots": self.dots, "supporters": self.supporters}
        else:
            counts = {"supporters": self.supporters}
        return {**counts, "votes": self.votes, "score": self.score(method)}


def min_sector_voters() -> int:
    return int(settings.VECHE_MIN_SECTOR_VOTERS)


def idea_tallies(session: CaseSession, idea_ids: list[int] | None = None) -> dict[int, Tally]:
    """Total tallies per idea (one query)."""
    votes = Vote.objects.filter(idea__session=session)
    if idea_ids is not None:
        votes = votes.filter(idea_id__in=idea_ids)
    return _totals(votes)


def ideas_tallies(idea_ids: list[int]) -> dict[int, Tally]:
    """Total tallies of these ideas, whatever their sessions (one query; the live tick of many halls)."""
    if not idea_ids:
        return defaultdict(Tally)
    return _totals(Vote.objects.filter(idea_id__in=idea_ids))


def _totals(votes: QuerySet[Vote]) -> dict[int, Tally]:
    tallies: dict[int, Tally] = defaultdict(Tally)
    for row in votes.values("idea_id", "value").annotate(n=Count("id")).order_by():
        tallies[row["idea_id"]].add(row["value"], row["n"])
    return tallies


@dataclass
class SessionTallies:
    method: str
    totals: dict[int, Tally]
    by_sector: dict[int, dict[str, Tally]]
    sector_voters: dict[str, int]  # voters per sector in the whole session
    participants_by_sector: dict[str, int]
    consensus: dict[int, float | None] = field(default_factory=dict)

    def published_sectors(self) -> list[str]:
        return sorted(s for s, n in self.sector_voters.items() if n >= min_sector_voters())


def session_tallies(session: CaseSession, idea_ids: list[int] | None = None) -> SessionTallies:
    """Totals, by-sector tallies and consensus for a session's ideas (three queries)."""
    votes = Vote.objects.filter(idea__session=session)
    if idea_ids is not None:
        votes = votes.filter(idea_id__in=idea_ids)
    totals: dict[int, Tally] = defaultdict(Tally)
    by_sector: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    rows = (
        votes.values("idea_id", "participant__sector", "value").annotate(n=Count("id")).order_by()
    )
    for row in rows:
        totals[row["idea_id"]].add(row["value"], row["n"])
        by_sector[row["idea_id"]][row["participant__sector"]].add(row["value"], row["n"])
    sector_voters = dict(
        Vote.objects.filter(idea__session=session)
        .values("participant__sector")
        .annotate(n=Count("participant", distinct=True))
        .order_by()
        .values_list("participant__sector", "n")
    )
    participants_by_sector = dict(
        Participant.objects.filter(session=session)
        .values("sector")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("sector", "n")
    )
    result = SessionTallies(
        session.voting_method, totals, by_sector, sector_voters, participants_by_sector
    )
    for idea_id in set(totals) | set(idea_ids or []):
        result.consensus[idea_id] = consensus_score(
            method=session.voting_method,
            by_sector=by_sector.get(idea_id, {}),
            sector_voters=sector_voters,
        )
    return result


def consensus_score(
    *, method: str, by_sector: dict[str, Tally], sector_voters: dict[str, int]
) -> float | None:
    """Product over sectors with enough voters of (agree + 1) / (votes + 2); None if none qualifies."""
    minimum = min_sector_voters()
    score = 1.0
    counted = 0
    for sector, session_voters in sector_voters.items():
        tally = by_sector.get(sector, Tally())
        if method == VotingMethod.AGREE:
            votes = tally.votes
        else:
            votes = session_voters  # every active voter of the sector saw the idea
        if votes < minimum:
            continue
        score *= (tally.agree + 1) / (votes + 2)
        counted += 1
    return round(score, 6) if counted else None


def visible_ideas(session: CaseSession) -> Any:
    return Idea.objects.filter(session=session, status=IdeaStatus.PUBLISHED)


def session_results(session: CaseSession) -> dict[str, Any]:
    """The results document: per idea and group, by sector, consensus, turnout."""
    ideas = list(visible_ideas(session).select_related("group").order_by("id"))
    tallies = session_tallies(session, [idea.pk for idea in ideas])
    method = session.voting_method
    published = tallies.published_sectors()
    minimum = min_sector_voters()

    def sector_block(idea_id: int) -> dict[str, dict[str, int]]:
        block = tallies.by_sector.get(idea_id, {})
        return {s: block.get(s, Tally()).as_dict(method) for s in published}

    idea_rows = []
    for idea in ideas:
        total = tallies.totals.get(idea.pk, Tally())
        idea_rows.append(
            {
                "id": idea.pk,
                "title": idea.title,
                "text": idea.text,
                "group": idea.group_id,
                **total.as_dict(method),
                "by_sector": sector_block(idea.pk),
                "consensus": tallies.consensus.get(idea.pk),
                "merged_duplicates": [],
            }
        )
    merged = (
        Idea.objects.filter(session=session, status=IdeaStatus.MERGED)
        .values_list("pk", "merged_into_id")
        .order_by("pk")
    )
    rows_by_id = {row["id"]: row for row in idea_rows}
    for duplicate_id, target_id in merged:
        if target_id in rows_by_id:
            rows_by_id[target_id]["merged_duplicates"].append(duplicate_id)
    idea_rows.sort(key=lambda row: (-row["score"], -(row["consensus"] or 0), row["id"]))

    group_voters: dict[int, set[int]] = defaultdict(set)
    for group_id, participant_id in (
        Vote.objects.filter(idea__in=ideas, idea__group__isnull=False, value__gt=0)
        .values_list("idea__group_id", "participant_id")
        .distinct()
    ):
        group_voters[group_id].add(participant_id)
    group_rows = []
    for group in Group.objects.filter(session=session).order_by("order", "id"):
        members = [row for row in idea_rows if row["group"] == group.pk]
        group_rows.append(
            {
                "id": group.pk,
                "title": group.title,
                "keywords": group.keywords,
                "origin": group.origin,
                "ideas": [row["id"] for row in members],
                "score": sum(row["score"] for row in members),
                "votes": sum(row["votes"] for row in members),
                "supporters": len(group_voters.get(group.pk, set())),
            }
        )
    group_rows.sort(key=lambda row: (-row["score"], row["id"]))

    voters_total = (
        Vote.objects.filter(idea__session=session).values("participant").distinct().count()
    )
    participants_total = sum(tallies.participants_by_sector.values())
    consensus_ideas = [
        row["id"]
        for row in idea_rows
        if row["consensus"] is not None
        and supported_everywhere(row["by_sector"], tallies.sector_voters, published, method)
    ]
    return {
        "session": session.pk,
        "stage": session.stage,
        "voting_method": method,
        "ideas": idea_rows,
        "groups": group_rows,
        "consensus_ideas": consensus_ideas,
        "turnout": {
            "participants": participants_total,
            "voters": voters_total,
            "ideas": len(ideas),
            "votes": Vote.objects.filter(idea__session=session).count(),
            "by_sector": {
                s: {"participants": n, "voters": tallies.sector_voters.get(s, 0)}
                for s, n in sorted(tallies.participants_by_sector.items())
                if n >= minimum
            },
        },
        "min_sector_voters": minimum,
    }


def supported_everywhere(
    by_sector: dict[str, dict[str, int]],
    sector_voters: dict[str, int],
    sectors: list[str],
    method: str,
) -> bool:
    """Supported across all sectors: a majority of every published sector's voters is for it.

    `sectors` are the published ones (at least `VECHE_MIN_SECTOR_VOTERS` voters in the
    session); at least two are needed, or there is nothing to bridge.
    - `support` and `dots`: more than half of the sector's voters (everyone of the sector
      who voted on anything in the session saw the idea) support it (any dots count);
    - `agree`: more than half of the sector's votes on the idea agree (a pass is not for
      it), and at least `VECHE_MIN_SECTOR_VOTERS` of the sector voted on it, so that one
      person who happened to answer does not speak for a whole sector.
    """
    if len(sectors) < 2:
        return False
    minimum = min_sector_voters()
    for sector in sectors:
        block = by_sector.get(sector) or {}
        if method == VotingMethod.AGREE:
            voters, positive = block.get("votes", 0), block.get("agree", 0)
            if voters < minimum:
                return False
        else:
            voters, positive = sector_voters.get(sector, 0), block.get("supporters", 0)
        if not voters or positive * 2 <= voters:
            return False
    return True


def participant_votes(participant: Participant) -> dict[str, Any]:
    """The participant's own votes and, for dots, what is left of the budget."""
    session = participant.session
    votes = dict(Vote.objects.filter(participant=participant).values_list("idea_id", "value"))
    spent = sum(votes.values()) if session.voting_method == VotingMethod.DOTS else None
    return {
        "voting_method": session.voting_method,
        "votes": [{"idea": idea_id, "value": value} for idea_id, value in sorted(votes.items())],
        "dots_budget": session.dots_budget if spent is not None else None,
        "dots_left": session.dots_budget - spent if spent is not None else None,
        "dots_max_per_idea": session.dots_max_per_idea if spent is not None else None,
        "spent": spent,
    }
