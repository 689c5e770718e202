"""Hotspots: global Moran's I and local Moran (LISA) clusters of an LSOA indicator.

Neighbours are LSOAs that share a boundary point (queen contiguity, libpysal), weights are
row-standardised, and significance comes from 999 conditional permutations (esda) with a
seed, so a run can be repeated exactly. Local p-values are corrected for the thousands of
tests made at once with the false discovery rate (Benjamini-Hochberg, ``esda.fdr``).

LSOAs without any neighbour (islands) cannot have a local statistic: they are listed in the
result and in the table (cluster "island") and left out of both statistics, never dropped
without a word. Building contiguity for the 3,487 West Midlands LSOAs takes about a second,
so the weights are cached on disk (``LPIP_CACHE_DIR`` or the user cache folder) and keyed
by the boundary file and the set of areas.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import platformdirs
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import IndicatorNotAtLevel, InvalidAnalysisOption, NoBoundaries, NoData
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.evidence.trends import choose_period
from lpip.geography.areas import descendants, get_area
from lpip.geography.models import Area

DEFAULT_WITHIN = "E12000005"  # the bundled LSOA boundaries cover the West Midlands only
DEFAULT_SEED = 12345
PERMUTATIONS = 999
ALPHA = 0.05
ENV_CACHE_DIR = "LPIP_CACHE_DIR"
# Bump when the way weights are built changes, so that old cache files are not reused.
WEIGHTS_VERSION = "queen-vertex-v1"

# esda's quadrant numbers (the PySAL scheme): the area's value, then its neighbours'.
QUADRANTS = {1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low"}
NOT_SIGNIFICANT = "not significant"
ISLAND = "island"
COLUMNS = ["area_code", "area_name", "value", "local_i", "p_value", "p_fdr", "quadrant", "cluster", "label"]

# What the IoD domains measure, for labels a policy reader understands; the score rises with
# deprivation, the rank and decile fall (rank 1 is the most deprived LSOA in England).
IOD_SUBJECTS = {
    "imd": "deprivation",
    "income": "income deprivation",
    "employment": "employment deprivation",
    "education": "education, skills and training deprivation",
    "health": "health deprivation and disability",
    "crime": "crime",
    "barriers": "barriers to housing and services",
    "living_environment": "living environment deprivation",
}
OTHER_SUBJECTS = {"fuel_poverty": "fuel poverty"}


# --- words ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterWords:
    """How the clusters of one indicator are put in words.

    ``subject`` names what the indicator measures ("deprivation"); ``high_means_more`` says
    whether a high value means more of it (IMD score) or less (IMD rank). Without a subject the
    words speak of values, with "(better)" or "(worse)" from the polarity.
    """

    subject: str | None = None
    high_means_more: bool = True
    polarity: str = "no judgement"

    def describe(self, level: str, plural: bool = True) -> str:
        """'high deprivation', 'low values (worse)' ... for values that are ``level`` (high/low)."""
        if self.subject:
            more = (level == "high") == self.high_means_more
            return f"{'high' if more else 'low'} {self.subject}"
        return f"{level} {'values' if plural else 'value'}{_judgement(level, self.polarity)}"

    def label(self, cluster: str) -> str:
        """The sentence for a cluster code (high-high, low-low, high-low, low-high ...)."""
        if cluster == ISLAND:
            return "no neighbours (island): not tested"
        if cluster == NOT_SIGNIFICANT:
            return "no significant local pattern"
        own, around = cluster.split("-")
        if own == around:
            return f"cluster of {self.describe(own)}"
        return f"{self.describe(own, plural=False)} surrounded by {self.describe(around)}"


def _judgement(level: str, polarity: str) -> str:
    if polarity == "no judgement":
        return ""
    better = (level == "high") == (polarity == "higher is better")
    return " (better)" if better else " (worse)"


def cluster_words(indicator_id: str, polarity: str) -> ClusterWords:
    """The words for an indicator: IoD domains and fuel poverty by name, others by value.

    Examples
    --------
    >>> cluster_words("imd_score", "lower is better").label("high-high")
    'cluster of high deprivation'
    >>> cluster_words("gdhi", "higher is better").label("high-high")
    'cluster of high values (better)'
    """
    if indicator_id in OTHER_SUBJECTS:
        return ClusterWords(OTHER_SUBJECTS[indicator_id], True, polarity)
    stem, _, kind = indicator_id.rpartition("_")
    if stem in IOD_SUBJECTS and kind in ("score", "rank", "decile"):
        return ClusterWords(IOD_SUBJECTS[stem], kind == "score", polarity)
    return ClusterWords(None, True, polarity)


# --- contiguity weights, cached on disk -----------------------------------------------------


def weights_cache_dir(override: str | Path | None = None) -> Path:
    """Where contiguity weights are cached: ``override``, else ``$LPIP_CACHE_DIR/weights``,
    else the user cache folder (platformdirs)."""
    if override:
        return Path(override)
    base = os.environ.get(ENV_CACHE_DIR) or platformdirs.user_cache_dir("lpip", appauthor=False)
    return Path(base) / "weights"


def contiguity_weights(boundaries):
    """Queen contiguity (a shared boundary point makes neighbours) as a libpysal ``Graph``.

    ``boundaries`` is a GeoDataFrame with columns ``code`` and ``geometry``; it is projected to
    the British National Grid (EPSG:27700) first. Binary weights; islands keep a zero self-loop,
    as libpysal represents them.

    Examples
    --------
    >>> from lpip.geography.boundaries import read_boundaries
    >>> graph = contiguity_weights(read_boundaries("lad"))
    >>> graph.n
    30
    """
    from libpysal.graph import Graph

    # Sorted by code so that the permutations, and so the p-values, do not depend on file order.
    frame = boundaries.to_crs("EPSG:27700").set_index("code").sort_index()
    return Graph.build_contiguity(frame, rook=False)


def _boundary_file() -> Path:
    from lpip.bundled import bundled_path
    from lpip.geography.boundaries import FILES

    return bundled_path(FILES["lsoa"][0])


def _cache_key(boundary_file: Path, codes: list[str]) -> str:
    digest = hashlib.sha256(WEIGHTS_VERSION.encode())
    digest.update(hashlib.sha256(boundary_file.read_bytes()).digest())
    digest.update("\n".join(codes).encode())
    return digest.hexdigest()[:40]


def _save_graph(graph, path: Path) -> None:
    ids = np.asarray(graph.unique_ids, dtype=str)
    position = {code: i for i, code in enumerate(ids)}
    adjacency = graph.adjacency
    focal = np.array([position[c] for c in adjacency.index.get_level_values("focal")], dtype=np.int32)
    neighbor = np.array([position[c] for c in adjacency.index.get_level_values("neighbor")], dtype=np.int32)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(partial, ids=ids, focal=focal, neighbor=neighbor, weight=adjacency.to_numpy(float))
        os.replace(partial, path)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # an unwritable cache only costs speed: the next run builds the weights again


def _load_graph(path: Path):
    from libpysal.graph import Graph

    try:
        with np.load(path, allow_pickle=False) as stored:
            ids, focal, neighbor, weight = (stored[k] for k in ("ids", "focal", "neighbor", "weight"))
    except (OSError, ValueError, KeyError):
        return None  # missing or damaged: rebuild
    return Graph.from_arrays(ids[focal].astype(object), ids[neighbor].astype(object), weight)


@dataclass(frozen=True)
class Weights:
    """Contiguity weights of a set of areas, or the areas that have no boundary (then no graph)."""

    graph: object | None
    without_boundary: tuple[str, ...]
    from_cache: bool


def lsoa_weights(codes: Iterable[str], cache_dir: str | Path | None = None) -> Weights:
    """Queen contiguity weights of the given LSOAs from the bundled boundaries, cached on disk.

    The cache key is a hash of the boundary file and the sorted codes, so a repeat run for
    the same areas reads the weights instead of building them again. When any code has no
    bundled boundary nothing is built: ``graph`` is None and ``without_boundary`` lists them.
    """
    codes = sorted(set(codes))
    boundary_file = _boundary_file()
    path = weights_cache_dir(cache_dir) / f"lsoa-{_cache_key(boundary_file, codes)}.npz"
    graph = _load_graph(path) if path.exists() else None
    if graph is not None:
        return Weights(graph, (), from_cache=True)
    graph, missing = _build_lsoa_graph(codes)
    if graph is not None:
        _save_graph(graph, path)
    return Weights(graph, missing, from_cache=False)


def _build_lsoa_graph(codes: list[str]):
    from lpip.geography.boundaries import read_boundaries

    boundaries = read_boundaries("lsoa")
    boundaries = boundaries[boundaries["code"].isin(codes)]
    missing = tuple(sorted(set(codes) - set(boundaries["code"])))
    if missing or boundaries.empty:
        return None, missing
    return contiguity_weights(boundaries), ()


# --- the statistics ------------------------------------------------------------------------


@dataclass(frozen=True)
class HotspotResult:
    """Global and local Moran's I of one indicator over a set of areas.

    Attributes
    ----------
    areas : DataFrame
        One row per area: area_code, area_name, value, local_i (local Moran's I), p_value
        (pseudo p-value from the permutations), p_fdr (Benjamini-Hochberg adjusted p-value),
        quadrant (high-high, low-low, high-low, low-high: the area's value and its
        neighbours' average against the mean), cluster (the quadrant where significant after
        the FDR correction, else "not significant"; "island" for areas without neighbours)
        and label (the cluster in words, e.g. "cluster of high deprivation").
    moran_i : float
        Global Moran's I (row-standardised weights): above ``expected_i``, similar values sit
        together; below, neighbours tend to differ.
    expected_i : float
        Moran's I expected with no spatial pattern, -1 / (n - 1).
    moran_p_value : float
        Pseudo p-value of the global I from the permutations (folded: the share of permuted
        I at least as extreme, on the observed side).
    moran_z : float
        The global I as a z-score against the permuted values.
    fdr_cutoff : float
        Local p-values at or below this are significant (``esda.fdr`` at ``alpha``).
    islands : tuple of str
        Areas without neighbours, left out of both statistics.
    no_value : tuple of str
        Areas inside ``within`` without a value for the indicator, left out.
    components : int
        Connected groups of areas (1 when every area can be reached from every other).
    permutations, seed, alpha
        The settings used.
    indicator_id, title, polarity, period, within, within_name
        What was analysed (None when the statistics were run on a bare series).
    """

    areas: pd.DataFrame
    moran_i: float
    expected_i: float
    moran_p_value: float
    moran_z: float
    fdr_cutoff: float
    islands: tuple[str, ...]
    components: int
    permutations: int
    seed: int
    alpha: float
    no_value: tuple[str, ...] = ()
    indicator_id: str | None = None
    title: str | None = None
    polarity: str = "no judgement"
    period: str | None = None
    within: str | None = None
    within_name: str | None = None
    weights_from_cache: bool = field(default=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The per-area table (a copy), columns as in ``areas``."""
        return self.areas.copy()

    @property
    def n_areas(self) -> int:
        return len(self.areas)

    @property
    def significant(self) -> pd.DataFrame:
        """Areas in a significant cluster or outlier after the FDR correction."""
        return self.areas[~self.areas["cluster"].isin([NOT_SIGNIFICANT, ISLAND])]

    @property
    def pattern(self) -> str:
        """The global pattern in words."""
        if self.moran_p_value > self.alpha:
            return "no significant spatial pattern"
        if self.moran_i > self.expected_i:
            return "clustered: similar values sit next to each other"
        return "dispersed: neighbouring values tend to differ"

    def cluster_counts(self) -> pd.DataFrame:
        """How many areas fall in each cluster: columns cluster, label, areas."""
        counts = self.areas.groupby(["cluster", "label"], sort=False).size().rename("areas").reset_index()
        order = {name: i for i, name in enumerate([*QUADRANTS.values(), NOT_SIGNIFICANT, ISLAND])}
        return counts.sort_values("cluster", key=lambda s: s.map(order)).reset_index(drop=True)


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for esda (global Moran draws from it, and esda's
    conditional randomisation reseeds it), then put the caller's state back."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():
            # esda 2.x announces a future change of default; the current (directed, folded)
            # p-values are the ones GeoDa reports and the ones documented here.
            warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
            yield
    finally:
        np.random.set_state(state)


def check_options(permutations: int, alpha: float) -> None:
    """:class:`InvalidAnalysisOption` unless 99 <= permutations <= 99,999 and 0 < alpha < 1."""
    if not 99 <= permutations <= 99_999:
        raise InvalidAnalysisOption(f"permutations must be between 99 and 99,999 (999 is usual), not {permutations}.")
    if not 0 < alpha < 1:
        raise InvalidAnalysisOption(f"alpha (the significance level) must be between 0 and 1, e.g. 0.05, not {alpha}.")


def analyse_hotspots(
    values: pd.Series,
    graph,
    *,
    words: ClusterWords = ClusterWords(),
    names: dict[str, str] | None = None,
    permutations: int = PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = ALPHA,
) -> HotspotResult:
    """Global and local Moran's I of ``values`` over the areas of ``graph``.

    Parameters
    ----------
    values : Series
        Indicator values indexed by area code; every area of ``graph`` needs one.
    graph : libpysal.graph.Graph
        Contiguity of the areas (binary; row-standardised here), e.g. from
        :func:`contiguity_weights`.
    words : ClusterWords
        How clusters are labelled (see :func:`cluster_words`).
    names : dict, optional
        Area names by code, for the table.
    permutations, seed, alpha
        Permutations for the pseudo p-values, their seed, and the false discovery rate.

    Returns
    -------
    HotspotResult

    Examples
    --------
    >>> from lpip.geography.boundaries import read_boundaries
    >>> lads = read_boundaries("lad")
    >>> values = pd.Series(range(30), index=lads["code"], dtype=float)
    >>> result = analyse_hotspots(values, contiguity_weights(lads), permutations=99)
    >>> result.n_areas
    30
    """
    check_options(permutations, alpha)
    ids = list(graph.unique_ids)
    values = pd.Series(values, dtype=float).reindex(ids)
    if values.isna().any():
        missing = values.index[values.isna()].tolist()
        raise NoData(f"{len(missing)} areas of the weights have no value, e.g. {', '.join(missing[:5])}.")
    islands = tuple(sorted(graph.isolates))
    tested = graph.subgraph([c for c in ids if c not in set(islands)]) if islands else graph
    y = values.reindex(list(tested.unique_ids))
    _check_testable(y)
    moran, local = _moran(y.to_numpy(), tested.transform("r"), permutations, seed)
    frame = _area_table(values, y.index, local, alpha, words, names or {})
    import esda

    return HotspotResult(
        areas=frame, moran_i=float(moran.I), expected_i=float(moran.EI), moran_p_value=float(moran.p_sim),
        moran_z=float(moran.z_sim), fdr_cutoff=float(esda.fdr(local.p_sim, alpha)), islands=islands,
        components=int(tested.n_components), permutations=permutations, seed=seed, alpha=alpha,
        polarity=words.polarity,
    )


def _check_testable(y: pd.Series) -> None:
    if len(y) < 3:
        raise NoData(f"Hotspots need at least 3 areas with neighbours; there are {len(y)}. Choose a larger --within area.")
    if y.nunique() < 2:
        raise NoData(f"Every area has the same value ({y.iloc[0]}): there is no pattern to find.")


def _moran(y: np.ndarray, weights, permutations: int, seed: int):
    import esda

    with _seeded(seed):
        moran = esda.Moran(y, weights, permutations=permutations)
        local = esda.Moran_Local(y, weights, permutations=permutations, seed=seed)
    return moran, local


def _area_table(values: pd.Series, tested: pd.Index, local, alpha: float, words: ClusterWords, names: dict) -> pd.DataFrame:
    from scipy.stats import false_discovery_control

    import esda

    frame = pd.DataFrame({"area_code": values.index, "value": values.to_numpy()})
    stats = pd.DataFrame({
        "area_code": tested,
        "local_i": local.Is,
        "p_value": local.p_sim,
        "p_fdr": false_discovery_control(local.p_sim, method="bh"),
        "quadrant": pd.Series(local.q).map(QUADRANTS).to_numpy(),
    })
    stats["cluster"] = stats["quadrant"].where(stats["p_value"] <= esda.fdr(local.p_sim, alpha), NOT_SIGNIFICANT)
    frame = frame.merge(stats, on="area_code", how="left")
    frame["cluster"] = frame["cluster"].fillna(ISLAND)
    frame["label"] = frame["cluster"].map(words.label)
    frame["area_name"] = frame["area_code"].map(names)
    return frame[COLUMNS].sort_values("area_code").reset_index(drop=True)


# --- from the database ---------------------------------------------------------------------


def find_hotspots(
    session: Session,
    indicator_id: str,
    *,
    within: str = DEFAULT_WITHIN,
    period: str | None = None,
    permutations: int = PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = ALPHA,
    cache_dir: str | Path | None = None,
) -> HotspotResult:
    """Clusters of high and low values of an LSOA indicator inside an area.

    Parameters
    ----------
    session : Session
    indicator_id : str
        An indicator with LSOA values, e.g. "imd_score", "income_score", "fuel_poverty".
    within : str
        The area whose LSOAs are analysed (default E12000005, the West Midlands; the bundled
        LSOA boundaries cover the West Midlands only).
    period : str, optional
        Default: the latest period.
    permutations, seed, alpha
        999 permutations, seed 12345 and a 5% false discovery rate by default.
    cache_dir : path, optional
        Where contiguity weights are cached (default :func:`weights_cache_dir`).

    Returns
    -------
    HotspotResult

    Examples
    --------
    >>> result = find_hotspots(session, "imd_score", within="E08000025")  # doctest: +SKIP
    >>> result.cluster_counts()  # doctest: +SKIP
    """
    check_options(permutations, alpha)
    indicator = get_indicator(session, indicator_id)
    _require_lsoa(session, indicator)
    area = get_area(session, within)
    period = choose_period(session, indicator.id, period, level="lsoa")
    lsoas = _lsoas_within(session, area)
    values = _lsoa_values(session, indicator.id, period, lsoas)
    weights = lsoa_weights(values.index, cache_dir)
    _require_boundaries(weights, area, len(values))
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(lsoas))).all())
    result = analyse_hotspots(
        values, weights.graph, words=cluster_words(indicator.id, indicator.polarity), names=names,
        permutations=permutations, seed=seed, alpha=alpha,
    )
    return replace(
        result, no_value=tuple(sorted(set(names) - set(values.index))), indicator_id=indicator.id,
        title=indicator.title, period=period, within=area.code, within_name=area.name,
        weights_from_cache=weights.from_cache,
    )


def _require_lsoa(session: Session, indicator: Indicator) -> None:
    if "lsoa" in indicator.level_list:
        return
    lsoa_ids = [i.id for i in session.scalars(select(Indicator).order_by(Indicator.id)) if "lsoa" in i.level_list]
    examples = [i for i in ("imd_score", "income_score", "fuel_poverty") if i in lsoa_ids] or lsoa_ids[:3]
    raise IndicatorNotAtLevel(
        f"Indicator {indicator.id} exists at {', '.join(indicator.level_list)} level, not for LSOAs; "
        f"hotspots need an LSOA-level indicator, e.g. {', '.join(examples)} ({len(lsoa_ids)} in all: "
        "`lpip indicators list` shows each indicator's levels)."
    )


def _lsoas_within(session: Session, area: Area):
    """A query of the codes of the LSOAs in ``area`` (a subquery, not a list: England has 32,844,
    more than some SQLite builds accept as bound parameters)."""
    query = select(Area.code).where(Area.level == "lsoa")
    query = query.where(Area.code == area.code) if area.level == "lsoa" else query.where(Area.code.in_(descendants(area.code)))
    if session.scalar(query.limit(1)) is None:
        raise NoData(f"There are no LSOAs inside {area.code} ({area.name}). Use a region, district or LSOA set for --within.")
    return query


def _lsoa_values(session: Session, indicator_id: str, period: str, lsoas) -> pd.Series:
    query = select(IndicatorValue.area_code, IndicatorValue.value).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
        IndicatorValue.area_code.in_(lsoas), IndicatorValue.value.is_not(None),
    )
    rows = session.execute(query).all()
    if not rows:
        raise NoData(f"Indicator {indicator_id} has no values for {period} in the LSOAs asked for.")
    return pd.Series(dict(rows), dtype=float).sort_index()


def _require_boundaries(weights: Weights, area: Area, asked: int) -> None:
    missing = len(weights.without_boundary)
    if not missing:
        return
    where = f"{area.name} ({area.code})"
    have = "none has a boundary" if missing == asked else f"{missing:,} have no boundary"
    raise NoBoundaries(
        f"Hotspots need LSOA boundaries, but of the {asked:,} LSOAs with values in {where}, {have} "
        f"(e.g. {', '.join(weights.without_boundary[:3])}). The bundled LSOA boundaries cover the "
        f"West Midlands (E12000005) only: use --within E12000005 or an area inside it, "
        f"such as E08000025 (Birmingham)."
    )
