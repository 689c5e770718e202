"""Similar areas: the districts nearest to one district on a set of standardised indicators.

The method is the distance approach of CIPFA's Nearest Neighbours Model for English local
authorities: each variable is standardised across the authorities (mean 0, standard
deviation 1) and authorities are ranked by the Euclidean distance between them over the
standardised values. Here each indicator's latest district value is turned into a z-score
across every English district that has it (population standard deviation), and districts
are ranked by the Euclidean distance over the z-scores. Where lpip differs from CIPFA's
model, and from ONS's "statistical nearest neighbours" (29 indicators, transformed and
imputed, on Explore Local Statistics): every variable weighs the same (CIPFA weights its
about 40 metrics by subject), distances are in standard deviations and not rebased to 0-1
(CIPFA sets the farthest authority to 1), and nothing is imputed: a district without a value
for a chosen indicator is left out of the ranking and listed (``excluded``). The reader
chooses the variables (``indicators=``, ``lpip similar --indicators``). Each neighbour comes
with the indicators that make it differ most (their share of the squared distance) and those
on which it is most alike, by name: "Qualifications: NVQ level 3 and above: +0.75 sd (40%)".

Default indicators (``DEFAULT_INDICATORS``) are a CIPFA-like profile from the bundled
catalogue: size (population_census), household income (gdhi_per_head), productivity
(gva_per_hour), labour market (employment_rate), skills (nvq3_plus), health behaviour
(smoking_prevalence) and connectivity, a proxy for rurality (gigabit_broadband). Ids that
the catalogue no longer has are skipped (:func:`default_indicators`), so a new catalogue
does not break the default. No LAD indicator in the bundle covers all 317 districts of 2019:
districts merged since (the 11 of Buckinghamshire and Northamptonshire in 2020-21; Cumbria,
North Yorkshire and Somerset's in 2023) have no values in ONS Explore Local Statistics releases
after the merger. Each of the seven covers 287 to 306 districts and 287 have all seven.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import IndicatorNotAtLevel, InvalidAnalysisOption, NoData, WrongAreaLevel
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import IndicatorValue
from lpip.evidence.trends import choose_period
from lpip.geography.areas import get_area
from lpip.geography.models import Area

DEFAULT_INDICATORS = (
    "population_census",
    "gdhi_per_head",
    "gva_per_hour",
    "employment_rate",
    "nvq3_plus",
    "smoking_prevalence",
    "gigabit_broadband",
)
TOP = 3
SEPARATOR = "; "  # between the indicators of most_different and most_alike (titles hold commas)
NEIGHBOUR_COLUMNS = ["rank", "area_code", "area_name", "distance", "most_different", "most_alike"]


class DroppedIndicatorWarning(UserWarning):
    """An indicator was left out of a similar-areas comparison (no value for the area)."""


@dataclass(frozen=True)
class SimilarAreasResult:
    """The nearest districts to one district.

    Attributes
    ----------
    area_code, area_name : str
        The district compared.
    indicators : tuple of str
        Indicators used, in the order given.
    titles : dict
        The title of each indicator used (the names in ``most_different`` and ``most_alike``).
    periods : dict
        The period used for each indicator (its latest at district level).
    dropped : tuple of str
        Indicators left out because the district has no value for them.
    excluded : tuple of str
        Districts left out because they lack a value for one of ``indicators``.
    neighbours : DataFrame
        rank, area_code, area_name, distance (Euclidean, in standard deviations),
        most_different (the top three indicators by share of the squared distance, named,
        with the neighbour's difference in standard deviations, e.g. "Gross value added per
        hour worked: +0.63 sd (38%)", separated by "; ") and most_alike (the three smallest
        differences).
    contributions : DataFrame
        Long form, one row per neighbour and indicator: area_code, indicator_id, value,
        target_value, z, target_z, difference (z minus target_z), share (of the squared
        distance), title.
    """

    area_code: str
    area_name: str
    indicators: tuple[str, ...]
    titles: dict[str, str]
    periods: dict[str, str]
    dropped: tuple[str, ...]
    excluded: tuple[str, ...]
    neighbours: pd.DataFrame
    contributions: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The neighbours table (a copy)."""
        return self.neighbours.copy()


def standardise(table: pd.DataFrame) -> pd.DataFrame:
    """Z-scores of each column over the rows that have a value (population standard deviation).

    Examples
    --------
    >>> standardise(pd.DataFrame({"x": [1.0, 2.0, 3.0, None]}))["x"].round(3).tolist()
    [-1.225, 0.0, 1.225, nan]
    """
    spread = table.std(ddof=0).replace(0, np.nan)
    return (table - table.mean()) / spread


def nearest_areas(table: pd.DataFrame, target: str, n: int = 10,
                  titles: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """The ``n`` rows of ``table`` nearest to row ``target`` by Euclidean distance of z-scores.

    Parameters
    ----------
    table : DataFrame
        Raw indicator values, one row per area (index: area code), one column per indicator.
        Z-scores are taken over every row with a value; ``target`` must have all columns.
    target : str
        The area compared.
    n : int
        How many neighbours.
    titles : dict, optional
        The name of each column in the most_different and most_alike text; default the
        column names.

    Returns
    -------
    (neighbours, contributions, excluded)
        neighbours: rank, area_code, distance, most_different, most_alike; contributions: the
        long table described in :class:`SimilarAreasResult`; excluded: areas left out for a
        missing value.

    Examples
    --------
    >>> table = pd.DataFrame({"x": [1.0, 2.0, 4.0], "y": [1.0, 1.0, 0.0]}, index=["A", "B", "C"])
    >>> nearest_areas(table, "A", n=1)[0]["area_code"].tolist()
    ['B']
    """
    names = {c: (titles or {}).get(c, c) for c in table.columns}
    z = standardise(table)
    others = z.drop(index=target)
    complete = others.dropna()
    excluded = tuple(sorted(set(others.index) - set(complete.index)))
    difference = complete - z.loc[target]
    squared = difference**2
    distance = np.sqrt(squared.sum(axis=1)).rename("distance")
    ranking = pd.DataFrame({"area_code": distance.index, "distance": distance.to_numpy()})
    order = ranking.sort_values(["distance", "area_code"]).head(n)["area_code"]
    neighbours = pd.DataFrame({
        "rank": range(1, len(order) + 1),
        "area_code": order.to_numpy(),
        "distance": distance.loc[order].to_numpy(),
        "most_different": [_most_different(difference.loc[c], squared.loc[c], names) for c in order],
        "most_alike": [_most_alike(difference.loc[c], names) for c in order],
    })
    contributions = _contributions(table, z, target, order, difference, squared)
    contributions["title"] = contributions["indicator_id"].map(names)
    return neighbours, contributions, excluded


def _most_different(difference: pd.Series, squared: pd.Series, names: dict[str, str]) -> str:
    total = squared.sum()
    top = squared.sort_values(ascending=False, kind="stable").head(TOP)
    return SEPARATOR.join(f"{names[i]}: {difference[i]:+.2f} sd ({squared[i] / total:.0%})" for i in top.index) if total else ""


def _most_alike(difference: pd.Series, names: dict[str, str]) -> str:
    top = difference.abs().sort_values(kind="stable").head(TOP)
    return SEPARATOR.join(f"{names[i]}: {difference[i]:+.2f} sd" for i in top.index)


def _contributions(table, z, target, order, difference, squared) -> pd.DataFrame:
    share = squared.div(squared.sum(axis=1).replace(0, np.nan), axis=0)
    parts = {
        "value": table.loc[order], "z": z.loc[order], "difference": difference.loc[order], "share": share.loc[order],
    }
    long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1).reset_index()
    long.columns = ["area_code", "indicator_id", *parts]
    long["target_value"] = long["indicator_id"].map(table.loc[target])
    long["target_z"] = long["indicator_id"].map(z.loc[target])
    return long[["area_code", "indicator_id", "value", "target_value", "z", "target_z", "difference", "share"]]


# --- from the database ---------------------------------------------------------------------


def find_similar_areas(
    session: Session,
    area_code: str,
    *,
    n: int = 10,
    indicators: Iterable[str] | None = None,
) -> SimilarAreasResult:
    """The ``n`` English districts most like ``area_code`` on standardised indicators.

    Indicators for which the district has no value are left out with a
    :class:`DroppedIndicatorWarning` (and listed in ``result.dropped``); districts without a
    value for a kept indicator are left out of the ranking (``result.excluded``).

    Parameters
    ----------
    session : Session
    area_code : str
        A local authority district (LAD) code, e.g. E08000029 (Solihull).
    n : int
        How many neighbours (default 10).
    indicators : list of str, optional
        The variables: district-level indicator ids; default :func:`default_indicators`.

    Returns
    -------
    SimilarAreasResult

    Examples
    --------
    >>> result = find_similar_areas(session, "E08000029", n=5)  # doctest: +SKIP
    >>> result.neighbours[["rank", "area_name", "distance"]]  # doctest: +SKIP
    """
    if n < 1:
        raise InvalidAnalysisOption(f"--n must be 1 or more (how many similar areas to list), not {n}.")
    area = _district(session, area_code)
    chosen = check_indicators(session, indicators or default_indicators(session))
    periods = {i: choose_period(session, i, None, level="lad") for i in chosen}
    table = _district_table(session, periods)
    dropped = _missing_for(table, area.code, chosen)
    kept = [i for i in chosen if i not in dropped]
    if not kept:
        raise NoData(
            f"{area.name} ({area.code}) has no value for any of {', '.join(chosen)} in their latest period. "
            "Choose other --indicators (`lpip indicators show ID` lists the periods and areas with values)."
        )
    if dropped:
        warnings.warn(
            f"{area.code} has no value for {', '.join(dropped)}; left out of the comparison.",
            DroppedIndicatorWarning, stacklevel=2,
        )
    titles = {i: get_indicator(session, i).title for i in kept}
    neighbours, contributions, excluded = nearest_areas(table[kept], area.code, n, titles)
    names = dict(session.execute(select(Area.code, Area.name).where(Area.level == "lad")).all())
    neighbours.insert(2, "area_name", neighbours["area_code"].map(names))
    return SimilarAreasResult(
        area_code=area.code, area_name=area.name, indicators=tuple(kept), titles=titles,
        periods={i: periods[i] for i in kept}, dropped=tuple(dropped), excluded=excluded,
        neighbours=neighbours[NEIGHBOUR_COLUMNS], contributions=contributions,
    )


def default_indicators(session: Session) -> tuple[str, ...]:
    """:data:`DEFAULT_INDICATORS` that the catalogue has (all of them with the bundled data)."""
    from lpip.evidence.models import Indicator

    known = set(session.scalars(select(Indicator.id).where(Indicator.id.in_(DEFAULT_INDICATORS))))
    chosen = tuple(i for i in DEFAULT_INDICATORS if i in known)
    if not chosen:
        raise NoData("None of the default similar-areas indicators (" + ", ".join(DEFAULT_INDICATORS) + ") is in the "
                     "catalogue. Choose the variables with --indicators (`lpip indicators list` lists them).")
    return chosen


def _district(session: Session, code: str) -> Area:
    area = get_area(session, code)
    if area.level != "lad":
        raise WrongAreaLevel(
            f"Similar areas compares local authority districts; {area.code} ({area.name}) is a {area.level}. "
            f"Use a district code such as E08000029 (Solihull); `lpip areas list --level lad --within {area.code}` "
            "lists the districts inside it."
        )
    return area


def check_indicators(session: Session, ids: Iterable[str]) -> list[str]:
    """The ids, without repeats, once each is known and has district values
    (:class:`UnknownIndicator` or :class:`IndicatorNotAtLevel` otherwise)."""
    chosen = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    for indicator_id in chosen:
        indicator = get_indicator(session, indicator_id)
        if "lad" not in indicator.level_list:
            raise IndicatorNotAtLevel(
                f"Indicator {indicator_id} exists at {', '.join(indicator.level_list)} level, not for districts; "
                f"similar areas needs district (lad) indicators, e.g. {', '.join(DEFAULT_INDICATORS[:3])}. "
                "`lpip indicators list` shows each indicator's levels."
            )
    return chosen


def _district_table(session: Session, periods: dict[str, str]) -> pd.DataFrame:
    """Values of each indicator in its period for every English district: rows codes, columns ids."""
    columns = {}
    for indicator_id, period in periods.items():
        query = (
            select(IndicatorValue.area_code, IndicatorValue.value)
            .join(Area, Area.code == IndicatorValue.area_code)
            .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
                   Area.level == "lad", Area.code.like("E%"), IndicatorValue.value.is_not(None))
        )
        columns[indicator_id] = pd.Series(dict(session.execute(query).all()), dtype=float)
    return pd.DataFrame(columns).sort_index()


def _missing_for(table: pd.DataFrame, code: str, chosen: list[str]) -> list[str]:
    row = table.loc[code] if code in table.index else pd.Series(dtype=float)
    return [i for i in chosen if pd.isna(row.get(i))]
