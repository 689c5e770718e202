"""The sub-regional data pack as data: what a workshop in a sub-region starts from.

It holds the sub-region's profile and its districts, the indicators on which it (and its
districts) differ most from England, its deprivation hotspots (local Moran's I of the IMD
score over its LSOAs), and three to five "questions the data raises", written by fixed
rules from those figures (no language model): every number in a question is a number in the
pack, so a reader can check it.

Differences are compared across indicators in standard deviations of English districts'
values (z = (value - England) / sd), signed so that positive is better; indicators without
a better or worse direction are left out of "better" and "worse". Where England has no
value the comparison is with the median English district, and the text says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import LpipError, WrongAreaLevel
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.evidence.formatting import format_number
from lpip.evidence.hotspots import find_hotspots
from lpip.evidence.profile import (
    AreaProfile, ProfileContext, build_profile, district_members, gather_context, imd_indicator_id,
)
from lpip.geography.areas import get_area

HOTSPOT_INDICATOR = imd_indicator_id()
TOP_DIFFERENCES = 5
MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
JUDGED = ("higher is better", "lower is better")
# How "worst" and "best" read for each polarity.
EXTREMES = {"higher is better": ("lowest", "highest"), "lower is better": ("highest", "lowest")}


@dataclass
class DataPack:
    """A sub-region's data pack, as data."""

    code: str
    name: str
    profile: AreaProfile
    districts: pd.DataFrame
    differences: pd.DataFrame
    district_differences: pd.DataFrame
    hotspots: pd.DataFrame
    hotspot_summary: str
    questions: list[str]
    notes: list[str] = field(default_factory=list)
    hotspot_result: object = None  # a HotspotResult, for the map

    @property
    def better(self) -> pd.DataFrame:
        return self.differences[self.differences["score"] > 0].nlargest(TOP_DIFFERENCES, "score")

    @property
    def worse(self) -> pd.DataFrame:
        return self.differences[self.differences["score"] < 0].nsmallest(TOP_DIFFERENCES, "score")


def differences_from_england(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a value and a polarity, scored: ``score`` = (value - centre) / english_sd,
    positive where better; ``against`` says "England" or "the median English district".

    Examples
    --------
    >>> rows = pd.DataFrame({"value": [60.0, 9.0], "centre": [70.0, 8.0], "english_sd": [5.0, 2.0],
    ...     "polarity": ["higher is better", "lower is better"], "centre_is_england": [True, False],
    ...     "on_chart": [True, True]})
    >>> differences_from_england(rows)[["score", "against"]].to_dict("records")
    [{'score': -2.0, 'against': 'England'}, {'score': -0.5, 'against': 'the median English district'}]
    """
    chosen = rows[rows["value"].notna() & rows["polarity"].isin(JUDGED) & rows["on_chart"].astype(bool)
                  & (rows["english_sd"] > 0)].copy()
    sign = np.where(chosen["polarity"] == "lower is better", -1.0, 1.0)
    chosen["score"] = (chosen["value"] - chosen["centre"]) / chosen["english_sd"] * sign
    chosen["against"] = np.where(chosen["centre_is_england"].astype(bool), "England", "the median English district")
    return chosen.reset_index(drop=True)


def sub_region_hotspots(session: Session, code: str, notes: list[str]):
    """Local Moran clusters of the IMD score over the sub-region's LSOAs (None with a note if
    they cannot be found, e.g. an area without LSOA boundaries)."""
    try:
        return find_hotspots(session, HOTSPOT_INDICATOR, within=code)
    except LpipError as exc:
        notes.append(f"Hotspots: {exc.message}")
        return None


def hotspot_districts(result) -> pd.DataFrame:
    """How many LSOAs of each district are in a cluster of high deprivation (high-high)."""
    if result is None:
        return pd.DataFrame(columns=["district", "lsoas", "high_high"])
    from lpip.evidence.deprivation import LAD_NAME, LSOA_CODE
    from lpip.evidence.profile import lsoa_table

    lads = lsoa_table().set_index(LSOA_CODE)[LAD_NAME]
    areas = result.areas.assign(district=result.areas["area_code"].map(lads))
    table = areas.groupby("district").agg(lsoas=("area_code", "size"),
                                          high_high=("cluster", lambda c: int((c == "high-high").sum())))
    return table.reset_index().sort_values(["high_high", "district"], ascending=[False, True]).reset_index(drop=True)


def build_datapack(session: Session, code: str, region: str = DEFAULT_REGION,
                   context: ProfileContext | None = None) -> DataPack:
    """The data pack of a sub-region (or any area made of districts).

    Parameters
    ----------
    session : an open database session.
    code : the sub-region, e.g. "WM-BSOL" (see `lpip areas sets`).
    region : the region whose districts give the ranges.
    context : from :func:`lpip.evidence.profile.gather_context`, covering the sub-region and
        its districts, when building many packs.

    Examples
    --------
    >>> pack = build_datapack(session, "WM-BC")  # doctest: +SKIP
    >>> pack.questions[0]  # doctest: +SKIP
    """
    area = get_area(session, code)
    members = district_members(session, area)
    if members.empty:
        raise WrongAreaLevel(
            f"{area.code} ({area.name}) is a {area.level} area with no districts inside it; a data pack is "
            "made for a sub-region or another area made of districts, e.g. WM-BSOL (see `lpip areas sets`)."
        )
    context = context or gather_context(session, [area.code, *members["code"]], region)
    profile = build_profile(session, area.code, region, context)
    rows = context.benchmarks
    districts = rows[rows["area_code"].isin(members["code"])].merge(
        members.rename(columns={"code": "area_code", "name": "area_name"}), on="area_code")
    differences = differences_from_england(profile.indicators)
    district_differences = differences_from_england(districts)
    notes = list(profile.notes)
    result = sub_region_hotspots(session, area.code, notes)
    hotspots = hotspot_districts(result)
    summary = hotspot_sentence(result, area.name)
    trends = context.trends
    questions = raise_questions(area.name, differences, district_differences, trends, hotspots, len(members))
    return DataPack(area.code, area.name, profile, districts, differences, district_differences, hotspots,
                    summary, questions, notes=notes, hotspot_result=result)


def hotspot_sentence(result, name: str) -> str:
    if result is None:
        return f"Hotspots could not be found for {name}."
    counts = result.cluster_counts().set_index("cluster")["areas"]
    high = int(counts.get("high-high", 0))
    low = int(counts.get("low-low", 0))
    return (f"Of {result.n_areas:,} LSOAs in {name}, {high:,} form clusters of high deprivation and {low:,} clusters "
            f"of low deprivation (local Moran's I of the IMD 2019 score, {result.permutations} permutations, "
            f"false discovery rate {result.alpha:.0%}); overall: {result.pattern}.")


# --- questions the data raises -----------------------------------------------------------


def _value(row, column: str = "value") -> str:
    return format_number(row[column], row["unit"])


def _trend_clause(trends: pd.DataFrame, code: str, indicator_id: str) -> str:
    if trends is None or trends.empty:
        return ""
    match = trends[(trends["area_code"] == code) & (trends["indicator_id"] == indicator_id)]
    if match.empty or pd.isna(match["change"].iloc[0]) or match["change"].iloc[0] == 0:
        return ""
    row = match.iloc[0]
    verb = "rose" if row["change"] > 0 else "fell"
    unit = get_unit(match)
    joiner = "and it" if row["direction"] == "worsening" else "while it" if row["direction"] == "improving" else "and it"
    return (f", {joiner} {verb} from {format_number(row['start_value'], unit)} to {format_number(row['end_value'], unit)} "
            f"between {row['start_period']} and {row['end_period']}")


def get_unit(match: pd.DataFrame) -> str:
    return str(match["unit"].iloc[0]) if "unit" in match else ""


def worst_in_region(district_differences: pd.DataFrame, trends: pd.DataFrame) -> str | None:
    """Rule 1: a district of the sub-region that is the worst of the region's districts."""
    rows = district_differences[district_differences["region_rank"] == district_differences["region_count"]]
    if rows.empty:
        return None
    row = rows.nsmallest(1, "score").iloc[0]
    word = EXTREMES[row["polarity"]][0]
    trend = _trend_clause(trends, row["area_code"], row["indicator_id"])
    return (f"{row['area_name']} has the {word} value of the region's {int(row['region_count'])} districts for "
            f"“{row['title']}” ({_value(row)} in {row['period']}){trend}: what is driving this?")


def furthest_behind(name: str, differences: pd.DataFrame) -> str | None:
    """Rule 2: the indicator on which the sub-region is furthest on the worse side."""
    rows = differences[differences["score"] < 0]
    if rows.empty:
        return None
    row = rows.nsmallest(1, "score").iloc[0]
    return (f"On “{row['title']}”, {name} is further on the worse side of {row['against']} than on any other indicator "
            f"({_value(row)} against {_value(row, 'centre')} in {row['period']}): which groups and places account for the gap?")


def hotspot_question(name: str, hotspots: pd.DataFrame) -> str | None:
    """Rule 3: clusters of high deprivation, and the district with most of them."""
    if hotspots.empty or hotspots["high_high"].sum() == 0:
        return None
    total = int(hotspots["high_high"].sum())
    top = hotspots.iloc[0]
    return (f"{total:,} of {name}'s neighbourhoods (LSOAs) form clusters of high deprivation, {int(top['high_high']):,} of "
            f"them in {top['district']}: do the services that matter most reach these places?")


def widest_spread(name: str, district_differences: pd.DataFrame, districts: int) -> str | None:
    """Rule 4: the indicator whose values differ most between the sub-region's districts."""
    if districts < 2 or district_differences.empty:
        return None
    spread = district_differences.groupby("indicator_id")["score"].agg(lambda s: s.max() - s.min())
    indicator_id = spread.idxmax()
    rows = district_differences[district_differences["indicator_id"] == indicator_id]
    low, high = rows.loc[rows["value"].idxmin()], rows.loc[rows["value"].idxmax()]
    if low["area_code"] == high["area_code"]:
        return None
    return (f"Within {name}, “{low['title']}” ranges from {_value(low)} in {low['area_name']} to {_value(high)} in "
            f"{high['area_name']} ({low['period']}): why do neighbouring districts differ so much?")


def furthest_ahead(name: str, differences: pd.DataFrame) -> str | None:
    """Rule 5: the indicator on which the sub-region is furthest on the better side."""
    rows = differences[differences["score"] > 0]
    if rows.empty:
        return None
    row = rows.nlargest(1, "score").iloc[0]
    return (f"{name} does better than {row['against']} on “{row['title']}” ({_value(row)} against "
            f"{_value(row, 'centre')} in {row['period']}): what is working, and could it spread?")


def raise_questions(name: str, differences: pd.DataFrame, district_differences: pd.DataFrame,
                    trends: pd.DataFrame, hotspots: pd.DataFrame, districts: int) -> list[str]:
    """Three to five questions from fixed rules, in a fixed order (most pressing first).

    The rules, each used at most once: a district worst in the region (with its trend); the
    sub-region's largest gap on the worse side; clusters of high deprivation; the widest
    spread between its districts; its largest lead on the better side. When fewer than
    three apply, the next-worst district indicators fill in.
    """
    candidates = [
        worst_in_region(district_differences, trends),
        furthest_behind(name, differences),
        hotspot_question(name, hotspots),
        widest_spread(name, district_differences, districts),
        furthest_ahead(name, differences),
    ]
    questions = [q for q in candidates if q][:MAX_QUESTIONS]
    for row in district_differences.nsmallest(MAX_QUESTIONS, "score").itertuples(index=False):
        if len(questions) >= MIN_QUESTIONS:
            break
        questions.append(f"{row.area_name} is well on the worse side of {row.against} on “{row.title}” "
                         f"({format_number(row.value, row.unit)} in {row.period}): what would it take to close the gap?")
    return questions
