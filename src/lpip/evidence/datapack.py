"""The sub-regional data pack as data: what a workshop in a sub-region starts from.

It holds the sub-region's profile and its districts, the indicators on which it (and its
districts) differ most from England, its deprivation hotspots, and three to five "questions
the data raises", written by fixed rules from those figures (no language model): every number
in a question is a number in the pack, so a reader can check it.

Differences are compared across all indicators on one scale, the standardised difference
among English districts: z = (value - England) / sd of English districts' values, signed so
that positive is better. Only differences the comparison rule judges "better" or "worse"
(:mod:`lpip.evidence.compare`: the Fingertips rule on an interval, else the materiality
rule) are called gaps or leads; a within-threshold difference is never "better". Sub-region
values that are population-weighted estimates say so. Where England has no value the
comparison is with the median English district, and the text says so.

Hotspots are judged against England first: the sub-region's neighbourhoods (LSOAs) in
England's most deprived 10% on the IMD of the chosen edition (IoD2025 by default), counted by
district. The within-sub-region view (local Moran's I of the IMD 2019 score over its 2011
LSOAs: clusters relative to the sub-region's own average) is a second, labelled layer.
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
from lpip.evidence.deprivation import DEFAULT_EDITION
from lpip.evidence.periods import period_label
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
    national_hotspots: pd.DataFrame | None = None
    national_summary: str = ""
    edition: str = DEFAULT_EDITION

    @property
    def better(self) -> pd.DataFrame:
        return judged(self.differences, "better").nlargest(TOP_DIFFERENCES, "score")

    @property
    def worse(self) -> pd.DataFrame:
        return judged(self.differences, "worse").nsmallest(TOP_DIFFERENCES, "score")


def judged(rows: pd.DataFrame, word: str) -> pd.DataFrame:
    """Rows the comparison rule judged ``word`` ("better" or "worse") on the side the score says."""
    if rows.empty:
        return rows
    side = rows["score"] > 0 if word == "better" else rows["score"] < 0
    return rows[(rows["significance"] == word) & side]


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
    if "significance" not in chosen:
        chosen["significance"] = np.where(chosen["score"] > 0, "better", np.where(chosen["score"] < 0, "worse", "similar"))
    return chosen.reset_index(drop=True)


def sub_region_hotspots(session: Session, code: str, notes: list[str]):
    """Local Moran clusters of the IMD score over the sub-region's LSOAs (None with a note if
    they cannot be found, e.g. an area without LSOA boundaries)."""
    try:
        return find_hotspots(session, HOTSPOT_INDICATOR, within=code)
    except LpipError as exc:
        notes.append(f"Hotspots: {exc.message}")
        return None


def national_hotspot_districts(session: Session, members: pd.DataFrame, edition: str = DEFAULT_EDITION) -> pd.DataFrame:
    """Hotspots judged against England: for each district of the sub-region, its LSOAs and how
    many are in England's most deprived 10% on the IMD (national decile 1) of ``edition``,
    most first (ties by name)."""
    from lpip.evidence.deprivation import get_edition
    from lpip.evidence.profile import lsoa_table

    chosen = get_edition(edition)
    lsoas = lsoa_table(chosen.year)
    imd = chosen.domains[0]
    rows = lsoas[lsoas[chosen.lad_code].isin(members["code"])]
    table = rows.groupby(chosen.lad_code).agg(lsoas=(chosen.lsoa_code, "size"),
                                              most_deprived_10pc=(imd.decile, lambda d: int((d == 1).sum())))
    names = dict(zip(members["code"], members["name"]))
    table = table.reset_index().rename(columns={chosen.lad_code: "code"})
    table["district"] = table["code"].map(names)
    table["share"] = table["most_deprived_10pc"] / table["lsoas"]
    order = table.sort_values(["most_deprived_10pc", "district"], ascending=[False, True])
    return order[["code", "district", "lsoas", "most_deprived_10pc", "share"]].reset_index(drop=True)


def national_sentence(table: pd.DataFrame, name: str, edition: str = DEFAULT_EDITION) -> str:
    """The England-judged hotspot layer in words."""
    if table is None or table.empty:
        return f"No IoD{edition} neighbourhoods were found for {name}'s districts."
    total, most = int(table["lsoas"].sum()), int(table["most_deprived_10pc"].sum())
    top = table.iloc[0]
    year = "2021" if edition == "2025" else "2011"
    text = (f"Judged against England: {most:,} of {name}'s {total:,} neighbourhoods (LSOAs {year}) are among England's "
            f"most deprived 10% on the IMD {edition} ({most / total:.0%}, against 10% nationally)")
    if most:
        text += f"; most of them in {top['district']} ({int(top['most_deprived_10pc']):,} of its {int(top['lsoas']):,})"
    return text + "."


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
                   context: ProfileContext | None = None, edition: str = DEFAULT_EDITION) -> DataPack:
    """The data pack of a sub-region (or any area made of districts).

    Parameters
    ----------
    session : an open database session.
    code : the sub-region, e.g. "WM-BSOL" (see `lpip areas sets`).
    region : the region whose districts give the ranges.
    context : from :func:`lpip.evidence.profile.gather_context`, covering the sub-region and
        its districts, when building many packs.
    edition : the IoD edition for the deprivation figures and the England-judged hotspots,
        "2025" (default) or "2019" (a given ``context`` decides instead).

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
    context = context or gather_context(session, [area.code, *members["code"]], region, edition=edition)
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
    national = national_hotspot_districts(session, members, context.edition)
    trends = context.trends
    questions = raise_questions(area.name, differences, district_differences, trends, national, len(members),
                                edition=context.edition)
    return DataPack(area.code, area.name, profile, districts, differences, district_differences, hotspots,
                    summary, questions, notes=notes, hotspot_result=result, national_hotspots=national,
                    national_summary=national_sentence(national, area.name, context.edition), edition=context.edition)


def hotspot_sentence(result, name: str) -> str:
    if result is None:
        return f"Within-sub-region clusters could not be found for {name}."
    counts = result.cluster_counts().set_index("cluster")["areas"]
    high = int(counts.get("high-high", 0))
    low = int(counts.get("low-low", 0))
    return (f"Within the sub-region (a second layer, relative to {name}'s own average, not to England): of "
            f"{result.n_areas:,} LSOAs (2011), {high:,} form clusters of high deprivation and {low:,} clusters "
            f"of low deprivation (local Moran's I of the IMD 2019 score, {result.permutations} permutations, "
            f"false discovery rate {result.alpha:.0%}); overall: {result.pattern}.")


# --- questions the data raises -----------------------------------------------------------

# How many of the largest gaps the second rule names (all on the same standardised scale).
GAPS_NAMED = 3


def _value(row, column: str = "value") -> str:
    text = format_number(row[column], row["unit"])
    if column == "value" and bool(row.get("is_estimate", False)):
        text += " (estimate)"
    return text


def _period(row) -> str:
    label = row.get("period_label") if hasattr(row, "get") else None
    return label if isinstance(label, str) and label else period_label(str(row["period"]))


def _trend_clause(trends: pd.DataFrame, code: str, indicator_id: str) -> str:
    if trends is None or trends.empty:
        return ""
    match = trends[(trends["area_code"] == code) & (trends["indicator_id"] == indicator_id)]
    if match.empty or pd.isna(match["change"].iloc[0]) or match["change"].iloc[0] == 0:
        return ""
    row = match.iloc[0]
    if row["direction"] not in ("improving", "worsening", "increasing", "decreasing"):
        return ""  # a change within the intervals or the materiality threshold, or across a series break
    verb = "rose" if row["change"] > 0 else "fell"
    unit = get_unit(match)
    joiner = "and it" if row["direction"] == "worsening" else "while it" if row["direction"] == "improving" else "and it"
    return (f", {joiner} {verb} from {format_number(row['start_value'], unit)} to {format_number(row['end_value'], unit)} "
            f"between {period_label(row['start_period'])} and {period_label(row['end_period'])}")


def get_unit(match: pd.DataFrame) -> str:
    return str(match["unit"].iloc[0]) if "unit" in match else ""


def worst_in_region(district_differences: pd.DataFrame, trends: pd.DataFrame) -> str | None:
    """Rule 1: a district of the sub-region that is the worst of the region's districts and
    judged worse than England."""
    rows = judged(district_differences, "worse")
    rows = rows[rows["region_rank"] == rows["region_count"]]
    if rows.empty:
        return None
    row = rows.nsmallest(1, "score").iloc[0]
    word = EXTREMES[row["polarity"]][0]
    trend = _trend_clause(trends, row["area_code"], row["indicator_id"])
    return (f"{row['area_name']} has the {word} value of the region's {int(row['region_count'])} districts for "
            f"“{row['title']}” ({_value(row)} in {_period(row)}){trend}: what is driving this?")


def largest_gaps(name: str, differences: pd.DataFrame) -> str | None:
    """Rule 2: the sub-region's largest gaps on the worse side, on one scale (standard deviations
    of English districts' values), only those the comparison rule judges worse.

    Gaps confirmed by a confidence interval (the Fingertips rule) come before gaps judged by the
    materiality rule alone, being firmer evidence; within each, the largest first; one per
    theme, so that one topic (several early-years measures, say) does not crowd out the rest.
    """
    rows = judged(differences, "worse")
    if rows.empty:
        return None
    tier = (~rows["comparison_rule"].fillna("").str.startswith("Fingertips")).astype(int) if "comparison_rule" in rows \
        else pd.Series(0, index=rows.index)
    ordered = rows.assign(_tier=tier).sort_values(["_tier", "score"]).drop_duplicates("theme").head(GAPS_NAMED)
    parts = [f"“{row['title']}” ({_value(row)} against {_value(row, 'centre')} in {_period(row)}, "
             f"{row['score']:+.1f} sd)" for _, row in ordered.iterrows()]
    listing = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    against = ordered["against"].iloc[0]
    return (f"Measured in standard deviations of English districts, {name}'s largest gaps from {against} in "
            f"different themes are {listing}: which groups and places account for them?")


def hotspot_question(name: str, national: pd.DataFrame, edition: str = DEFAULT_EDITION) -> str | None:
    """Rule 3: neighbourhoods among England's most deprived 10%, and the district with most of them."""
    if national is None or national.empty or national["most_deprived_10pc"].sum() == 0:
        return None
    total = int(national["most_deprived_10pc"].sum())
    top = national.iloc[0]
    return (f"{total:,} of {name}'s neighbourhoods (LSOAs) are among England's most deprived 10% (IMD {edition}), "
            f"{int(top['most_deprived_10pc']):,} of them in {top['district']}: do the services that matter most "
            "reach these places?")


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
            f"{high['area_name']} ({_period(low)}): why do neighbouring districts differ so much?")


def furthest_ahead(name: str, differences: pd.DataFrame) -> str | None:
    """Rule 5: the indicator on which the sub-region is furthest on the better side, judged better."""
    rows = judged(differences, "better")
    if rows.empty:
        return None
    row = rows.nlargest(1, "score").iloc[0]
    return (f"{name} does better than {row['against']} on “{row['title']}” ({_value(row)} against "
            f"{_value(row, 'centre')} in {_period(row)}): what is working, and could it spread?")


def raise_questions(name: str, differences: pd.DataFrame, district_differences: pd.DataFrame,
                    trends: pd.DataFrame, national: pd.DataFrame, districts: int,
                    edition: str = DEFAULT_EDITION) -> list[str]:
    """Three to five questions from fixed rules, in a fixed order (most pressing first).

    The rules, each used at most once: a district worst in the region and worse than England
    (with its trend, unless a series break lies between); the sub-region's largest gaps, the
    three largest standardised differences the comparison rule judges worse; neighbourhoods
    among England's most deprived 10%; the widest spread between its districts; its largest
    lead judged better. When fewer than three apply, the next-worst district indicators fill in.
    """
    candidates = [
        worst_in_region(district_differences, trends),
        largest_gaps(name, differences),
        hotspot_question(name, national, edition),
        widest_spread(name, district_differences, districts),
        furthest_ahead(name, differences),
    ]
    questions = [q for q in candidates if q][:MAX_QUESTIONS]
    for _, row in judged(district_differences, "worse").nsmallest(MAX_QUESTIONS, "score").iterrows():
        if len(questions) >= MIN_QUESTIONS:
            break
        questions.append(f"{row['area_name']} is well on the worse side of {row['against']} on “{row['title']}” "
                         f"({format_number(row['value'], row['unit'])} in {_period(row)}): what would it take to close the gap?")
    return questions
