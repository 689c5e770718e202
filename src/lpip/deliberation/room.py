"""The room sees itself: a workshop's opinion groups and what the whole room agrees on, live.

:func:`room_map` runs the pol.is method (:func:`~lpip.deliberation.opinions.find_opinion_groups`)
on a workshop's votes (:func:`~lpip.deliberation.votes.workshop_votes`) and keeps only what a
room may see of itself: how big each group is, where its members sit on pol.is's two-dimensional
opinion map (anonymous positions, no ids), the statements that set each group apart (withheld for
a group smaller than :data:`MIN_GROUP_SHOWN`), and the statements every group agrees on
(group-informed consensus). It never says who is who: no participant ids, no names, no sectors
per group; a participant may be told their own group and their own place on the map.

:func:`vote_state` is a cheap summary of a workshop's votes; a map is recomputed only when it
changes (see :class:`RoomMapCache`), so forty phones asking at once cost one computation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import ConversationTooSmall
from lpip.workshops.models import Contribution, Vote

MIN_OWN_VOTES = 3  # votes a participant casts before their page shows the map
PER_GROUP = 3  # statements shown for what sets each group apart
AGREED_MAX = 5  # statements shown as what the whole room agrees on
AGREED_SHARE = 0.6  # every group's (smoothed) share agreeing must reach this
GROUP_NAMES = "ABCDEFGH"
# A group this small is drawn and counted, but what sets it apart is withheld: with one or two
# members, "group B agrees that ..." says how those people voted, and the people beside them
# in the room may know who they are.
MIN_GROUP_SHOWN = 3
# Why a map is not ready (the pages say it in the reader's language): fewer than three people have
# voted, or they have not voted on enough statements in common for groups to form.
REASONS = ("few_voters", "few_votes")


@dataclass(frozen=True)
class RoomMap:
    """What the room may see of its opinion groups.

    Attributes
    ----------
    ready : bool
        Whether there are enough votes to form groups; when not, ``reason`` says why.
    reason : str
        Empty when ready, else one of :data:`REASONS` (a code: the pages word it).
    voters, votes : int
        People who have voted and votes cast (latest vote per person and statement).
    groups : list of dict
        ``name`` ("A", "B", ...; largest first), ``size``, ``share`` (0-1), ``positions``: where
        the group's members sit on the opinion map, a list of ``(x, y)`` in -1..1 (the map's
        longer side spans -1 to 1; sorted, so the order says nothing about who is who),
        ``withheld`` (True when the group has fewer than :data:`MIN_GROUP_SHOWN` members) and
        ``unites``: up to :data:`PER_GROUP` statements that set the group apart (none when
        withheld), each ``text``, ``direction`` ("agree" or "disagree") and ``share`` of the
        group voting that way.
    agreed : list of dict
        Up to :data:`AGREED_MAX` statements every group agrees on: ``text`` and ``share`` (the
        lowest group's smoothed share agreeing), best first.
    """

    ready: bool
    reason: str = ""
    voters: int = 0
    votes: int = 0
    groups: list[dict] = field(default_factory=list)
    agreed: list[dict] = field(default_factory=list)
    # participant id -> group name and -> (x, y): for telling a participant their own group and
    # place, never shown whole.
    membership: dict = field(default_factory=dict, repr=False)
    places: dict = field(default_factory=dict, repr=False)

    def group_of(self, participant_id: int) -> str | None:
        return self.membership.get(participant_id)

    def position_of(self, participant_id: int) -> tuple[float, float] | None:
        """Where a participant sits on the map (as in ``positions``), if they are in a group."""
        return self.places.get(participant_id)


def vote_state(session: Session, workshop_id: int) -> tuple:
    """A summary that changes whenever the map could: votes cast, the latest vote, statements hidden."""
    votes = session.execute(
        select(func.count(Vote.id), func.max(Vote.voted_at)).join(Contribution, Contribution.id == Vote.contribution_id)
        .where(Contribution.workshop_id == workshop_id, Contribution.kind == "statement")).one()
    hidden = session.scalar(select(func.count(Contribution.id)).where(
        Contribution.workshop_id == workshop_id, Contribution.kind == "statement", Contribution.status != "visible"))
    return int(votes[0]), str(votes[1]), int(hidden or 0)


def room_map(session: Session, workshop_id: int) -> RoomMap:
    """A workshop's room map from its votes now (see :class:`RoomMap`).

    Examples
    --------
    >>> room_map(session, 1).ready  # doctest: +SKIP
    False
    """
    from lpip.deliberation.opinions import find_opinion_groups
    from lpip.deliberation.votes import workshop_votes

    votes, statements, _ = workshop_votes(session, workshop_id)
    voters, cast = int(votes["participant"].nunique()), len(votes.drop_duplicates(["participant", "statement"]))
    if voters < 3 or cast == 0:
        return RoomMap(False, "few_voters", voters, cast)
    try:
        result = find_opinion_groups(votes, statements, bootstraps=0)
    except ConversationTooSmall:
        return RoomMap(False, "few_votes", voters, cast)
    names = {int(g): GROUP_NAMES[i] if i < len(GROUP_NAMES) else str(i + 1) for i, g in enumerate(result.groups["group"])}
    places = _places(result.participants)
    membership = _membership(result, names)
    groups = []
    for row in result.groups.itertuples(index=False):
        name = names[int(row.group)]
        withheld = int(row.participants) < MIN_GROUP_SHOWN
        rep = result.representative[result.representative["group"] == row.group].head(0 if withheld else PER_GROUP)
        unites = [dict(text=str(r.text), direction=str(r.repful_for), share=float(r.p_success))
                  for r in rep.itertuples(index=False) if isinstance(r.text, str)]
        positions = sorted(places[p] for p, g in membership.items() if g == name)
        groups.append(dict(name=name, size=int(row.participants), share=float(row.share), positions=positions,
                           withheld=withheld, unites=unites))
    return RoomMap(True, "", voters, cast, groups, _agreed(result.group_consensus), membership, places)


def _agreed(consensus) -> list[dict]:
    shares = consensus.filter(like="p_agree_")
    lowest = shares.min(axis=1)
    keep = consensus.assign(lowest=lowest)
    keep = keep[(keep["lowest"] >= AGREED_SHARE) & ~keep["moderated_out"].astype(bool) & keep["text"].notna()]
    return [dict(text=str(r.text), share=float(r.lowest)) for r in keep.head(AGREED_MAX).itertuples(index=False)]


def _places(participants) -> dict:
    """Each clustered participant's (x, y), centred and scaled together so that the longer side
    of the map spans -1 to 1 (both axes alike: distances keep their meaning), rounded."""
    clustered = participants.dropna(subset=["group"])
    xy = clustered[["x", "y"]].to_numpy(dtype=float)
    if len(xy) == 0:
        return {}
    low, high = xy.min(axis=0), xy.max(axis=0)
    half = float((high - low).max()) / 2
    scaled = (xy - (low + high) / 2) / half if half > 0 else xy * 0.0
    return {p: (round(float(x), 3), round(float(y), 3)) for p, (x, y) in zip(clustered["participant"], scaled)}


def _membership(result, names: dict) -> dict:
    clustered = result.participants.dropna(subset=["group"])
    return {p: names[int(g)] for p, g in zip(clustered["participant"], clustered["group"])}


class RoomMapCache:
    """Room maps per workshop, recomputed only when :func:`vote_state` changes; one computation at a
    time per workshop (the others wait for it rather than repeat it)."""

    def __init__(self) -> None:
        self._maps: dict[int, tuple[tuple, RoomMap]] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()
        self.computed = 0  # how many times a map was computed (for tests and benchmarks)

    def get(self, session: Session, workshop_id: int) -> RoomMap:
        with self._guard:
            lock = self._locks.setdefault(workshop_id, threading.Lock())
        with lock:
            state = vote_state(session, workshop_id)
            cached = self._maps.get(workshop_id)
            if cached is not None and cached[0] == state:
                return cached[1]
            made = room_map(session, workshop_id)
            self.computed += 1
            self._maps[workshop_id] = (state, made)
            return made
