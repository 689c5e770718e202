"""Table plans for world-café rounds: mix sectors, make new connections, keep hosts in place.

A plan seats every attendee at one table in every round. Hosts stay at their table; everyone
else moves. The optimiser starts from a greedy plan and improves it by local search (swapping
two movers in one round), all driven by a seeded random generator, so the same input and seed
give the same plan.

Scores (see :class:`PlanScores`): distinct pairs who share a table at least once, how many of
them are cross-sector, repeat meetings (a pair sharing a table in more than one round counts
once per extra round), and the worst table's sector mix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from lpip.errors import InvalidContribution


@dataclass(frozen=True)
class PlanScores:
    """How good a plan is.

    Attributes
    ----------
    distinct_pairs : pairs of attendees who share a table at least once.
    cross_sector_pairs : of those, pairs from different sectors.
    repeats : extra meetings: for each pair, rounds together beyond the first.
    worst_table_mix : the lowest, over all tables and rounds, of (distinct sectors at the
        table) / (the most distinct sectors that table size and the attendee list allow).
        1.0 means every table is as mixed as it can be.
    """

    distinct_pairs: int
    cross_sector_pairs: int
    repeats: int
    worst_table_mix: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TablePlan:
    """A plan: ``seats`` has columns attendee_id, round, table (rounds and tables from 1)."""

    seats: pd.DataFrame
    scores: PlanScores
    upper_bound_pairs: int
    seed: int


def _table_sizes(n_people: int, tables: int) -> np.ndarray:
    base, extra = divmod(n_people, tables)
    return np.array([base + (1 if t < extra else 0) for t in range(tables)])


def validate(attendees: pd.DataFrame, tables: int, rounds: int) -> None:
    if tables < 1 or rounds < 1:
        raise InvalidContribution("A plan needs at least one table and one round.")
    if len(attendees) < 2:
        raise InvalidContribution("A plan needs at least two attendees.")
    hosts = attendees["host_table"].dropna()
    if ((hosts < 1) | (hosts > tables)).any():
        raise InvalidContribution(f"A host's table must be between 1 and {tables}.")
    if hosts.duplicated().any():
        table = int(hosts[hosts.duplicated()].iloc[0])
        raise InvalidContribution(f"Table {table} has more than one host; give each table at most one host.")
    if len(attendees) < tables:
        raise InvalidContribution(f"{len(attendees)} attendees cannot fill {tables} tables; use fewer tables.")


class _State:
    """Seats as an array [round, person] -> table, with pair-meeting counts kept up to date."""

    def __init__(self, seats: np.ndarray, sectors: np.ndarray, tables: int):
        self.seats, self.sectors, self.tables = seats, sectors, tables
        n = seats.shape[1]
        self.meet = np.zeros((n, n), dtype=np.int32)
        for r in range(seats.shape[0]):
            self._add_round(r, 1)

    def _add_round(self, r: int, sign: int) -> None:
        for t in range(self.tables):
            people = np.flatnonzero(self.seats[r] == t)
            self.meet[np.ix_(people, people)] += sign
        np.fill_diagonal(self.meet, 0)

    def table_of(self, r: int, t: int) -> np.ndarray:
        return np.flatnonzero(self.seats[r] == t)


def _cost(meet: np.ndarray, seats: np.ndarray, sectors: np.ndarray, tables: int, n_sectors: int, mix_weight: float) -> float:
    repeats = np.triu(np.maximum(meet - 1, 0), 1).sum()
    return float(repeats) + mix_weight * _mix_penalty(seats, sectors, tables, n_sectors)


def _mix_penalty(seats: np.ndarray, sectors: np.ndarray, tables: int, n_sectors: int) -> float:
    """Sum over tables and rounds of squared excess of same-sector pairs at a table."""
    penalty = 0.0
    for r in range(seats.shape[0]):
        for t in range(tables):
            counts = np.bincount(sectors[seats[r] == t], minlength=n_sectors)
            penalty += float((counts * (counts - 1)).sum()) / 2
    return penalty


def _swap_delta(state: _State, r: int, a: int, b: int, mix_weight: float) -> float:
    """Change in cost if movers ``a`` and ``b`` swap tables in round ``r``."""
    ta, tb = state.seats[r, a], state.seats[r, b]
    others_a = state.table_of(r, ta)
    others_a = others_a[others_a != a]
    others_b = state.table_of(r, tb)
    others_b = others_b[others_b != b]
    meet = state.meet
    # Repeats: a leaves others_a, joins others_b; b the reverse.
    def repeat_change(person, leave, join):
        leaving = (meet[person, leave] >= 2).sum()
        joining = (meet[person, join] >= 1).sum()
        return joining - leaving
    delta = repeat_change(a, others_a, others_b) + repeat_change(b, others_b, others_a)
    sa, sb = state.sectors[a], state.sectors[b]
    if sa != sb:
        same_a_at_b = (state.sectors[others_b] == sa).sum() - (state.sectors[others_a] == sa).sum()
        same_b_at_a = (state.sectors[others_a] == sb).sum() - (state.sectors[others_b] == sb).sum()
        delta += mix_weight * (same_a_at_b + same_b_at_a)
    return float(delta)


def _apply_swap(state: _State, r: int, a: int, b: int) -> None:
    """Swap two movers' tables in round ``r``, updating only their rows of the meeting counts."""
    ta, tb = state.seats[r, a], state.seats[r, b]
    at_a = state.table_of(r, ta)
    at_a = at_a[at_a != a]
    at_b = state.table_of(r, tb)
    at_b = at_b[at_b != b]
    for person, leave, join in ((a, at_a, at_b), (b, at_b, at_a)):
        state.meet[person, leave] -= 1
        state.meet[leave, person] -= 1
        state.meet[person, join] += 1
        state.meet[join, person] += 1
    state.seats[r, a], state.seats[r, b] = tb, ta


def _greedy(hosts: np.ndarray, sectors: np.ndarray, tables: int, rounds: int, rng: np.random.Generator) -> np.ndarray:
    """Round by round, seat each mover where they have met fewest and their sector is rarest."""
    n = len(sectors)
    sizes = _table_sizes(n, tables)
    seats = np.full((rounds, n), -1, dtype=np.int64)
    meet = np.zeros((n, n), dtype=np.int32)
    for r in range(rounds):
        filled = np.zeros(tables, dtype=np.int64)
        for person in np.flatnonzero(hosts >= 0):
            seats[r, person] = hosts[person]
            filled[hosts[person]] += 1
        for person in rng.permutation(np.flatnonzero(hosts < 0)):
            best, best_cost = -1, None
            for t in range(tables):
                if filled[t] >= sizes[t]:
                    continue
                mates = np.flatnonzero(seats[r] == t)
                cost = meet[person, mates].sum() * 10 + (sectors[mates] == sectors[person]).sum() + rng.random() * 0.01
                if best_cost is None or cost < best_cost:
                    best, best_cost = t, cost
            seats[r, person] = best
            filled[best] += 1
        for t in range(tables):
            people = np.flatnonzero(seats[r] == t)
            meet[np.ix_(people, people)] += 1
        np.fill_diagonal(meet, 0)
    return seats


def _local_search(state: _State, movers: np.ndarray, iterations: int, mix_weight: float, rng: np.random.Generator) -> None:
    rounds = state.seats.shape[0]
    if len(movers) < 2:
        return
    for _ in range(iterations):
        r = int(rng.integers(rounds))
        a, b = rng.choice(movers, size=2, replace=False)
        if state.seats[r, a] == state.seats[r, b]:
            continue
        # Sideways moves (no change in cost) are taken too: they let the search cross the
        # plateaus where a strictly-better-only search stalls short of the best plan.
        if _swap_delta(state, r, a, b, mix_weight) <= 0:
            _apply_swap(state, r, a, b)


def score_plan(seats: np.ndarray, sectors: np.ndarray, tables: int) -> PlanScores:
    """Scores of a plan given as an array [round, person] -> table (0-based)."""
    n = seats.shape[1]
    meet = np.zeros((n, n), dtype=np.int32)
    worst = 1.0
    present = len(np.unique(sectors))
    for r in range(seats.shape[0]):
        for t in range(tables):
            people = np.flatnonzero(seats[r] == t)
            meet[np.ix_(people, people)] += 1
            if len(people):
                possible = min(len(people), present)
                worst = min(worst, len(np.unique(sectors[people])) / possible)
    np.fill_diagonal(meet, 0)
    upper = np.triu(meet, 1)
    met = upper > 0
    cross = sectors[:, None] != sectors[None, :]
    return PlanScores(
        distinct_pairs=int(met.sum()),
        cross_sector_pairs=int((met & cross).sum()),
        repeats=int(np.maximum(upper - 1, 0).sum()),
        worst_table_mix=round(float(worst), 3),
    )


def upper_bound_pairs(n_people: int, n_hosts: int, tables: int, rounds: int) -> int:
    """A bound no plan can beat: seats shared across rounds, all pairs, and hosts never meeting."""
    sizes = _table_sizes(n_people, tables)
    shared = rounds * int((sizes * (sizes - 1) // 2).sum())
    pairs = n_people * (n_people - 1) // 2 - n_hosts * (n_hosts - 1) // 2
    per_person = sum(min(n_people - 1, rounds * (int(sizes.max()) - 1)) for _ in range(n_people)) // 2
    return int(min(shared, pairs, per_person))


def _encode(attendees: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    codes, uniques = pd.factorize(attendees["sector"].fillna("unknown"))
    hosts = attendees["host_table"].fillna(0).astype(int).to_numpy() - 1
    return codes.astype(np.int64), hosts, len(uniques)


def plan_tables(
    attendees: pd.DataFrame, tables: int, rounds: int, seed: int = 0, iterations: int = 20000, mix_weight: float = 1.0,
) -> TablePlan:
    """Seat attendees at tables for every round.

    Parameters
    ----------
    attendees : DataFrame with columns ``attendee_id``, ``sector`` and ``host_table``
        (the host's table number, from 1, or empty for people who move).
    tables, rounds : how many tables and rounds.
    seed : seeds every random choice; the same input and seed give the same plan.
    iterations : local-search swap attempts.

    Examples
    --------
    >>> people = pd.DataFrame({"attendee_id": range(1, 13), "sector": ["public", "private", "academic"] * 4,
    ...                        "host_table": [1, 2, 3] + [None] * 9})
    >>> plan = plan_tables(people, tables=3, rounds=3, seed=1)
    >>> plan.seats.groupby("round").size().tolist()
    [12, 12, 12]
    """
    validate(attendees, tables, rounds)
    sectors, hosts, n_sectors = _encode(attendees)
    rng = np.random.default_rng(seed)
    state = _State(_greedy(hosts, sectors, tables, rounds, rng), sectors, tables)
    _local_search(state, np.flatnonzero(hosts < 0), iterations, mix_weight, rng)
    return TablePlan(
        seats=_seats_frame(state.seats, attendees["attendee_id"].to_numpy()),
        scores=score_plan(state.seats, sectors, tables),
        upper_bound_pairs=upper_bound_pairs(len(sectors), int((hosts >= 0).sum()), tables, rounds),
        seed=seed,
    )


def _seats_frame(seats: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    rounds, n = seats.shape
    return pd.DataFrame({
        "attendee_id": np.tile(ids, rounds),
        "round": np.repeat(np.arange(1, rounds + 1), n),
        "table": seats.reshape(-1) + 1,
    })


def random_rotation(attendees: pd.DataFrame, tables: int, rounds: int, seed: int = 0) -> PlanScores:
    """Scores of a random plan (hosts fixed, movers shuffled each round): the baseline."""
    validate(attendees, tables, rounds)
    sectors, hosts, _ = _encode(attendees)
    rng = np.random.default_rng(seed)
    n = len(sectors)
    sizes = _table_sizes(n, tables)
    seats = np.empty((rounds, n), dtype=np.int64)
    for r in range(rounds):
        free = np.concatenate([np.full(sizes[t] - (hosts == t).sum(), t) for t in range(tables)])
        seats[r, hosts >= 0] = hosts[hosts >= 0]
        seats[r, hosts < 0] = rng.permutation(free)
    return score_plan(seats, sectors, tables)


def random_rotation_mean(attendees: pd.DataFrame, tables: int, rounds: int, seed: int = 0, samples: int = 50) -> dict:
    """Mean scores over ``samples`` random rotations."""
    scores = [random_rotation(attendees, tables, rounds, seed + i).as_dict() for i in range(samples)]
    return pd.DataFrame(scores).mean().round(3).to_dict()




# ---- re-planning after no-shows ------------------------------------------------------------


@dataclass(frozen=True)
class Replan:
    """A plan re-made for the people present, moving as few as possible.

    Attributes
    ----------
    seats : attendee_id, round, table for everyone present (rounds before ``from_round``
        unchanged, absent people included there since they sat there).
    moves : attendee_id, round, from_table, to_table: the present people who change table
        (``from_table`` empty for someone the old plan had not seated).
    fewest_moves : the fewest moves any plan with balanced tables needs (per round: the people
        over each table's size, given the best choice of which tables keep the larger size).
        ``len(moves)`` equals it.
    scores, before : the plan's scores for the people present, after and before re-planning
        (before: the old plan with the absent taken out, tables left unbalanced).
    """

    seats: pd.DataFrame
    moves: pd.DataFrame
    fewest_moves: int
    scores: PlanScores
    before: PlanScores
    seed: int


def target_sizes(counts: np.ndarray, n_people: int, order: np.ndarray | None = None) -> np.ndarray:
    """Balanced table sizes (differing by at most one) that keep the most people seated.

    The ``n_people % tables`` larger tables go to the tables that hold most people now (ties in
    ``order``, default table order). Any table over its size must lose the excess, so the moves
    needed are ``sum(max(0, counts - sizes))``; giving the larger sizes to the fullest tables
    makes that sum the least possible.

    Examples
    --------
    >>> target_sizes(np.array([6, 2, 5, 4]), 17).tolist()
    [5, 4, 4, 4]
    """
    tables = len(counts)
    base, extra = divmod(n_people, tables)
    order = np.arange(tables) if order is None else order
    ranked = sorted(range(tables), key=lambda t: (-counts[t], int(np.flatnonzero(order == t)[0])))
    sizes = np.full(tables, base, dtype=np.int64)
    sizes[ranked[:extra]] += 1
    return sizes


def fewest_moves(counts: np.ndarray, n_people: int) -> int:
    """The fewest people who must change table in one round for tables to differ by at most one."""
    return int(np.maximum(counts - target_sizes(counts, n_people), 0).sum())


def replan_tables(
    seats: pd.DataFrame, attendees: pd.DataFrame, absent, tables: int, seed: int = 0, from_round: int = 1,
) -> Replan:
    """Re-plan from ``from_round`` on for the people present, keeping everyone else in place.

    In every round from ``from_round``, the absent leave their tables; where that leaves tables
    differing by more than one person, the fewest people possible move (never a host) from the
    fullest tables to the emptiest. Who moves, and where to, is chosen for the sector mix and for
    meeting new people; ties are broken by the seeded generator, so the same input and seed give
    the same plan. Present people the old plan has not seated fill the free places.

    Parameters
    ----------
    seats : the current plan: attendee_id, round, table.
    attendees : attendee_id, sector, host_table for everyone registered.
    absent : attendee ids not there.

    Examples
    --------
    >>> people = pd.DataFrame({"attendee_id": range(1, 13), "sector": ["public", "private", "academic"] * 4,
    ...                        "host_table": [1, 2, 3] + [None] * 9})
    >>> plan = plan_tables(people, tables=3, rounds=2, seed=1)
    >>> at_one = plan.seats.query("round == 1 and table == 1")["attendee_id"].tolist()[1:3]
    >>> again = replan_tables(plan.seats, people, absent=at_one, tables=3, seed=1)
    >>> len(again.moves) == again.fewest_moves
    True
    """
    absent = {int(a) for a in absent}
    rounds = int(seats["round"].max()) if len(seats) else 0
    if rounds < 1:
        raise InvalidContribution("There is no plan to re-plan: plan the tables first.")
    if not 1 <= from_round <= rounds:
        raise InvalidContribution(f"The round to re-plan from must be between 1 and {rounds}, not {from_round}.")
    unknown = absent - set(attendees["attendee_id"].astype(int))
    if unknown:
        raise InvalidContribution(f"Attendee {min(unknown)} is not registered for this workshop; check the ids marked absent.")
    present = attendees[~attendees["attendee_id"].astype(int).isin(absent)].reset_index(drop=True)
    validate(present, tables, rounds)
    sectors, hosts, _ = _encode(present)
    ids = present["attendee_id"].astype(int).to_numpy()
    n = len(ids)
    old = seats.pivot_table(index="round", columns="attendee_id", values="table", aggfunc="first")
    old = old.reindex(index=range(1, rounds + 1), columns=ids)
    current = (old.fillna(0).to_numpy(dtype=np.int64) - 1)  # -1: not seated by the old plan
    current[:, hosts >= 0] = hosts[hosts >= 0]
    before = current.copy()
    rng = np.random.default_rng(seed)
    new = current.copy()
    moves, least = [], 0
    for r in range(from_round - 1, rounds):
        counts = np.bincount(new[r][new[r] >= 0], minlength=tables)[:tables]
        least += fewest_moves(counts, n)
        sizes = target_sizes(counts, n, order=rng.permutation(tables))
        meet = _meetings(new, tables)
        for person, to in _rebalance(new[r], sizes, sectors, hosts, meet, rng):
            if new[r, person] >= 0:
                moves.append((int(ids[person]), r + 1, int(new[r, person]) + 1, to + 1))
            new[r, person] = to
    kept = seats[(seats["round"] < from_round)]
    frame = pd.concat([kept, _seats_frame(new[from_round - 1:], ids).assign(round=lambda f: f["round"] + from_round - 1)])
    frame = frame.sort_values(["round", "attendee_id"], kind="stable").reset_index(drop=True)
    frame = frame.astype({"attendee_id": "int64", "round": "int64", "table": "int64"})
    seated_before = np.where(before >= 0, before, new)  # unseated people scored where they land
    return Replan(
        seats=frame,
        moves=pd.DataFrame(moves, columns=["attendee_id", "round", "from_table", "to_table"]),
        fewest_moves=least,
        scores=score_plan(new, sectors, tables),
        before=score_plan(seated_before, sectors, tables),
        seed=seed,
    )


def _meetings(seats: np.ndarray, tables: int) -> np.ndarray:
    n = seats.shape[1]
    meet = np.zeros((n, n), dtype=np.int32)
    for r in range(seats.shape[0]):
        for t in range(tables):
            people = np.flatnonzero(seats[r] == t)
            meet[np.ix_(people, people)] += 1
    np.fill_diagonal(meet, 0)
    return meet


def _rebalance(row: np.ndarray, sizes: np.ndarray, sectors: np.ndarray, hosts: np.ndarray, meet: np.ndarray,
               rng: np.random.Generator) -> list[tuple[int, int]]:
    """(person, new table) for one round: the excess of each over-full table, and the unseated,
    each to the free place where their sector is rarest and they have met fewest people."""
    row = row.copy()
    leaving = [p for p in np.flatnonzero(row < 0)]
    for t in range(len(sizes)):
        excess = int((row == t).sum() - sizes[t])
        for _ in range(max(excess, 0)):
            movers = [p for p in np.flatnonzero(row == t) if hosts[p] < 0]
            # The one whose sector is most repeated at the table, then who has met most here.
            def crowding(p, t=t):
                mates = np.flatnonzero(row == t)
                return ((sectors[mates] == sectors[p]).sum(), meet[p, mates].sum(), rng.random())
            person = max(movers, key=crowding)
            row[person] = -2
            leaving.append(person)
    placed = []
    for person in leaving:
        def cost(t, person=person):
            mates = np.flatnonzero(row == t)
            return ((sectors[mates] == sectors[person]).sum(), meet[person, mates].sum(), rng.random())
        free = [t for t in range(len(sizes)) if (row == t).sum() < sizes[t]]
        to = min(free, key=cost)
        row[person] = to
        placed.append((int(person), int(to)))
    return placed
