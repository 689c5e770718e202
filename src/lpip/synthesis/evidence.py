"""The evidence for each priority: verdicts from the linked indicators, link suggestions from the
evidence map, and the data-gap register.

**Judging one indicator in one area** (:func:`judge_row`, the only place a comparison row
becomes better / worse / similar): the row is one of
:func:`lpip.evidence.benchmarks.benchmark_indicators` (district-level indicators) or
:func:`lpip.evidence.deprivation_benchmarks.benchmark_deprivation` (IoD2019 LSOA indicators,
by the File 10 summary measures).

1. Counts, and indicators with no better or worse direction, are not judged.
2. Where the evidence layer judged the row (``significance`` better, worse or similar), its
   judgement is used and its ``comparison_rule`` is shown: Fingertips' rule (the 95% interval,
   published or combined from the districts', wholly above or below England's value) or, without
   an interval, its materiality rule (similar unless the difference is at least 0.5 SD of English
   districts). A sub-region's value may be an estimate from its districts; the rule says so.
3. Otherwise the **standardised difference** z = (value - England) / SD of English districts'
   values, signed so that positive is better: *worse* at z <= -0.5, *better* at z >= +0.5,
   *similar* in between. A district in the worst (best) fifth of English districts is worse
   (better) whatever z says, unless z points the other way, when it is similar. Where England
   has no value the median English district stands in, and the figures say so.

A sub-region whose value cannot be worked out (for example an indicator published for counties
but not for all its districts) is judged by its districts instead: worse when more than half of the
districts with a value are worse, better when more than half are better, else similar.

**A priority's verdict in an area**, from the judgements of its linked indicators there:
``supported`` (worse than England on at least one, better on none), ``mixed`` (worse on some,
better on others), ``not_supported`` (similar or better on all), ``no_evidence`` (nothing linked,
or no judged data for the area). Polarity is respected throughout: "worse" is lower where higher
is better and higher where lower is better.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.evidence.aggregate import member_names
from lpip.evidence.benchmarks import benchmark_indicators
from lpip.evidence.deprivation_benchmarks import (
    benchmark_deprivation,
    deprivation_measure,
)
from lpip.evidence.formatting import format_number
from lpip.evidence.models import Indicator
from lpip.geography.models import Area
from lpip.synthesis.mapping import EvidenceMapping
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import areas_of, links_of

SIMILAR_WITHIN_SD = 0.5
JUDGED_POLARITIES = ("higher is better", "lower is better")
SIGNIFICANT = ("better", "worse", "similar")
DIRECTIONS = ("worse", "better", "similar")
VERDICTS = ("supported", "mixed", "not_supported", "no_evidence")
INTERVAL_RULE = "95% confidence interval against England"
IOD_SOURCE = ("English indices of deprivation 2019 (Ministry of Housing, Communities and Local Government, OGL-UK-3.0), "
              "File 10 summary measures recomputed from LSOA data")
JUDGEMENT_COLUMNS = [
    "priority_id", "area_code", "indicator_id", "judged_at", "direction", "rule", "title", "unit", "polarity",
    "period", "value", "centre", "against", "lower_ci", "upper_ci", "quintile", "z", "source", "publisher", "note",
]
VERDICT_COLUMNS = ["priority_id", "area_code", "verdict", "worse", "better", "similar", "unjudged", "reason"]


@dataclass(frozen=True)
class Judgement:
    """One indicator in one area against England: ``direction`` (worse, better, similar,
    no data, not judged) and the ``rule`` that decided it, in words."""

    direction: str
    rule: str


def judge_row(row: Mapping) -> Judgement:
    """Better, worse or similar than England for one comparison row (see the module notes).

    Examples
    --------
    >>> judge_row({"value": 30.6, "centre": 21.7, "english_sd": 8.0, "polarity": "lower is better",
    ...            "value_type": "score", "significance": "not compared", "quintile": None,
    ...            "centre_is_england": True}).direction
    'worse'
    """
    value, polarity = row.get("value"), row.get("polarity")
    if row.get("value_type") == "count":
        return Judgement("not judged", "a count grows with the area's size, so it is not compared")
    if polarity not in JUDGED_POLARITIES:
        return Judgement("not judged", "the indicator has no better or worse direction")
    if value is None or pd.isna(value):
        return Judgement("no data", str(row.get("note") or "no value for this area"))
    if row.get("significance") in SIGNIFICANT:
        rule = str(row.get("comparison_rule") or "") or INTERVAL_RULE
        if row.get("is_estimate") is True:
            rule += "; the area's value is an estimate from its districts"
        return Judgement(row["significance"], rule)
    z = standardised_difference(row)
    if z is None:
        return Judgement("no data", "no spread of English districts to compare with")
    quintile = row.get("quintile")
    quintile = None if quintile is None or pd.isna(quintile) else int(quintile)
    worse = z <= -SIMILAR_WITHIN_SD or (quintile == 1 and z < SIMILAR_WITHIN_SD)
    better = z >= SIMILAR_WITHIN_SD or (quintile == 5 and z > -SIMILAR_WITHIN_SD)
    direction = "worse" if worse else "better" if better else "similar"
    against = "England" if row.get("centre_is_england", True) else "the median English district"
    rule = f"standardised difference {z:+.2f} SD from {against} (similar within ±{SIMILAR_WITHIN_SD:g} SD)"
    if quintile is not None:
        rule += f"; quintile {quintile} of English districts (1 = worst fifth)"
    return Judgement(direction, rule)


def standardised_difference(row: Mapping) -> float | None:
    """(value - England) / SD of English districts, positive where better; None without a spread."""
    sd = row.get("english_sd")
    if sd is None or pd.isna(sd) or sd <= 0 or pd.isna(row.get("centre")):
        return None
    sign = -1.0 if row.get("polarity") == "lower is better" else 1.0
    return float((row["value"] - row["centre"]) / sd * sign)


def verdict_of(directions: Iterable[str]) -> str:
    """The verdict from indicator judgements (see the module notes).

    Examples
    --------
    >>> verdict_of(["worse", "similar"]), verdict_of(["worse", "better"]), verdict_of(["no data"])
    ('supported', 'mixed', 'no_evidence')
    """
    found = [d for d in directions if d in DIRECTIONS]
    if not found:
        return "no_evidence"
    if "worse" in found:
        return "mixed" if "better" in found else "supported"
    return "not_supported"


# ----------------------------------------------------------------------------- comparison rows


def comparison_rows(session: Session, indicator_ids: Iterable[str], area_codes: Iterable[str]) -> pd.DataFrame:
    """Every (indicator, area) against England, from the evidence layer, plus ``source``; an id
    the catalogue lacks gets a row saying so instead of stopping everything."""
    wanted = list(dict.fromkeys(indicator_ids))
    areas = list(dict.fromkeys(area_codes))
    known = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.id.in_(wanted)))}
    iod = [i for i in wanted if i in known and deprivation_measure(i) is not None]
    districts = [i for i in wanted if i in known and i not in iod and "lad" in known[i].level_list]
    parts = []
    if districts and areas:
        parts.append(benchmark_indicators(session, areas, indicators=districts))
    if iod and areas:
        parts.append(benchmark_deprivation(session, areas, iod))
    present = {(i, a) for part in parts for i, a in zip(part["indicator_id"], part["area_code"])}
    parts.append(pd.DataFrame([_missing_row(i, a, known.get(i)) for i in wanted for a in areas if (i, a) not in present]))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["indicator_id", "area_code", "value", "source"])
    frame = pd.concat(parts, ignore_index=True)
    sources = {i: _source_text(ind) for i, ind in known.items()}
    frame["source"] = [IOD_SOURCE if i in iod else sources.get(i, "") for i in frame["indicator_id"]]
    frame["publisher"] = ["MHCLG (IoD2019)" if i in iod else (known[i].publisher or "") if i in known else ""
                          for i in frame["indicator_id"]]
    return frame


def _missing_row(indicator_id: str, area: str, indicator) -> dict:
    if indicator is None:
        note = f"{indicator_id} is not in the indicator catalogue (the evidence map or a link names it)"
        return dict(indicator_id=indicator_id, area_code=area, title=indicator_id, value=np.nan, note=note,
                    polarity="", value_type="", unit="", period="")
    note = (f"{indicator_id} has no values for districts ({', '.join(indicator.level_list)} only) and cannot be "
            "compared for this area")
    return dict(indicator_id=indicator_id, area_code=area, title=indicator.title, value=np.nan, note=note,
                polarity=indicator.polarity, value_type=indicator.value_type, unit=indicator.unit, period="")


def _source_text(indicator: Indicator) -> str:
    return f"{indicator.source} ({indicator.publisher}, {indicator.licence})" if indicator.publisher else indicator.source


# ----------------------------------------------------------------------------- verdicts


@dataclass
class Evidence:
    """Judgements (one row per priority, area, indicator and place judged) and verdicts (per
    priority and area, and ``overall`` per priority across its areas)."""

    judgements: pd.DataFrame
    verdicts: pd.DataFrame
    overall: pd.DataFrame

    def verdict(self, priority_id: int, area: str | None = None) -> str:
        if area is not None:
            rows = self.verdicts[(self.verdicts["priority_id"] == priority_id) & (self.verdicts["area_code"] == area)]
        else:
            rows = self.overall[self.overall["priority_id"] == priority_id]
        return rows["verdict"].iloc[0] if len(rows) else "no_evidence"


def assess_evidence(session: Session, priorities: list[Priority], area: str | None = None,
                    extra_areas: Iterable[str] = ()) -> Evidence:
    """Judge every priority's linked indicators in each of its areas (only ``area`` if given, and
    also in ``extra_areas``, e.g. every sub-region for the region matrix).

    Examples
    --------
    >>> evidence = assess_evidence(session, [get_priority(session, 4)])  # doctest: +SKIP
    >>> evidence.verdict(4, "WM-BC")  # doctest: +SKIP
    'supported'
    """
    ids = [p.id for p in priorities]
    links, areas = links_of(session, ids), areas_of(session, ids)
    plan = _plan(session, ids, links, areas, area, list(extra_areas))
    if plan.empty:
        return _empty_evidence(ids, areas, area, list(extra_areas))
    needed = set(plan["judged_at"]) | set(plan["member"].dropna())
    rows = comparison_rows(session, plan["indicator_id"].unique(), sorted(needed))
    judgements = _judge(plan, rows)
    verdicts = _verdicts(ids, areas, area, list(extra_areas), judgements)
    overall = _overall(ids, judgements, {i: [area] if area else areas.get(i, []) for i in ids})
    return Evidence(judgements, verdicts, overall)


def _plan(session: Session, ids, links: pd.DataFrame, areas: dict, only: str | None, extra: list[str]) -> pd.DataFrame:
    """(priority, area, indicator, place judged at, member district) rows to judge."""
    rows = []
    members_cache: dict[str, list[str]] = {}
    codes = set(links["area_code"].dropna()) | {a for codes_ in areas.values() for a in codes_} | set(extra)
    codes |= {only} if only else set()
    levels = dict(session.execute(select(Area.code, Area.level).where(Area.code.in_(sorted(codes)))).all())
    for priority_id in ids:
        mine = links[links["priority_id"] == priority_id]
        targets = [only] if only else list(dict.fromkeys(areas.get(priority_id, []) + extra))
        for target in targets:
            for link in mine.itertuples(index=False):
                place = target if link.area_code is None or pd.isna(link.area_code) else link.area_code
                if place != target and not _inside(session, place, target, members_cache, levels):
                    continue
                members = _members(session, place, members_cache, levels)
                for member in members or [None]:
                    rows.append((priority_id, target, link.indicator_id, place, member))
    return pd.DataFrame(rows, columns=["priority_id", "area_code", "indicator_id", "judged_at", "member"]).drop_duplicates()


def _members(session: Session, code: str, cache: dict, levels: dict) -> list[str]:
    if levels.get(code) in ("lad", "lsoa", "msoa"):
        return []
    if code not in cache:
        cache[code] = list(member_names(session, code, "lad"))
    return cache[code]


def _inside(session: Session, place: str, target: str, cache: dict, levels: dict) -> bool:
    return place in _members(session, target, cache, levels)


def _judge(plan: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    index = {(r["indicator_id"], r["area_code"]): r for r in rows.to_dict("records")}
    out = []
    for (priority_id, area, indicator_id, place), group in plan.groupby(
            ["priority_id", "area_code", "indicator_id", "judged_at"], sort=False, dropna=False):
        row = index.get((indicator_id, place), {"indicator_id": indicator_id, "area_code": place, "value": np.nan})
        judgement = judge_row(row)
        if judgement.direction == "no data":
            members = [m for m in group["member"].dropna()]
            fallback = _by_districts(members, indicator_id, index, judgement.rule)
            if fallback is not None:
                out.append(_record(priority_id, area, row, place, fallback))
                out += [_record(priority_id, area, index[(indicator_id, m)], m, judge_row(index[(indicator_id, m)]),
                                detail=True) for m in members if (indicator_id, m) in index]
                continue
        out.append(_record(priority_id, area, row, place, judgement))
    return pd.DataFrame(out, columns=JUDGEMENT_COLUMNS + ["detail"])


def _by_districts(members: list[str], indicator_id: str, index: dict, why: str) -> Judgement | None:
    judged = [judge_row(index[(indicator_id, m)]).direction for m in members if (indicator_id, m) in index]
    judged = [d for d in judged if d in DIRECTIONS]
    if not judged:
        return None
    counts = {d: judged.count(d) for d in DIRECTIONS}
    half = len(judged) / 2
    direction = "worse" if counts["worse"] > half else "better" if counts["better"] > half else "similar"
    rule = (f"judged by its districts ({why.rstrip('.')}): {counts['worse']} of {len(judged)} worse than England, "
            f"{counts['better']} better, {counts['similar']} similar; more than half decides, else similar")
    return Judgement(direction, rule)


def _record(priority_id: int, area: str, row: Mapping, place: str, judgement: Judgement, detail: bool = False) -> dict:
    get = row.get
    z = standardised_difference(row) if get("polarity") in JUDGED_POLARITIES and pd.notna(get("value")) else None
    return dict(
        priority_id=priority_id, area_code=area, indicator_id=get("indicator_id"), judged_at=place,
        direction=judgement.direction, rule=judgement.rule, title=get("title", get("indicator_id")),
        unit=get("unit", ""), polarity=get("polarity", ""), period=get("period", ""), value=get("value", np.nan),
        centre=get("centre", np.nan),
        against="England" if get("centre_is_england", True) else "the median English district",
        lower_ci=get("lower_ci", np.nan), upper_ci=get("upper_ci", np.nan), quintile=get("quintile", pd.NA),
        z=np.nan if z is None else z, source=get("source", ""), publisher=get("publisher", ""),
        note=get("note", "") or "", detail=detail,
    )


def _verdicts(ids, areas: dict, only: str | None, extra: list[str], judgements: pd.DataFrame) -> pd.DataFrame:
    main = judgements[~judgements["detail"].astype(bool)]
    groups = {key: frame for key, frame in main.groupby(["priority_id", "area_code"], sort=False)}
    empty = main.iloc[0:0]
    rows = []
    for priority_id in ids:
        targets = [only] if only else list(dict.fromkeys(areas.get(priority_id, []) + extra))
        rows += [_verdict_row(priority_id, target, groups.get((priority_id, target), empty)) for target in targets]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def _verdict_row(priority_id: int, area: str, mine: pd.DataFrame) -> dict:
    directions = mine["direction"].tolist()
    counts = {d: directions.count(d) for d in DIRECTIONS}
    unjudged = len(directions) - sum(counts.values())
    return dict(priority_id=priority_id, area_code=area, verdict=verdict_of(directions), **counts, unjudged=unjudged,
                reason=verdict_reason(mine))


REASON_LABELS = {"worse": "worse than England", "better": "better than England", "similar": "similar to England"}


def verdict_reason(mine: pd.DataFrame) -> str:
    """The verdict in words: which linked indicators were worse, better, similar or not judged."""
    if mine.empty:
        return "no indicator is linked"
    named: dict[str, list[str]] = {}
    for direction, indicator in zip(mine["direction"], mine["indicator_id"], strict=True):
        names = named.setdefault(direction, [])
        if indicator not in names:
            names.append(indicator)
    return "; ".join(f"{REASON_LABELS.get(d, d)}: {', '.join(named[d])}"
                     for d in (*DIRECTIONS, "no data", "not judged") if d in named)


def _overall(ids, judgements: pd.DataFrame, own: dict[int, list[str]]) -> pd.DataFrame:
    """Each priority's verdict across its own areas (never the extra areas a matrix asks about)."""
    main = judgements[~judgements["detail"].astype(bool)]
    pairs = {(p, a) for p in ids for a in own.get(p, [])}
    mine = main.loc[np.array([(p, a) in pairs for p, a in zip(main["priority_id"], main["area_code"], strict=True)],
                             dtype=bool)]
    groups = {key: frame for key, frame in mine.groupby("priority_id", sort=False)}
    empty = main.iloc[0:0]
    return pd.DataFrame([_verdict_row(p, "", groups.get(p, empty)) for p in ids], columns=VERDICT_COLUMNS)


def _empty_evidence(ids, areas: dict, only: str | None, extra: list[str]) -> Evidence:
    judgements = pd.DataFrame(columns=JUDGEMENT_COLUMNS + ["detail"])
    own = {i: [only] if only else areas.get(i, []) for i in ids}
    return Evidence(judgements, _verdicts(ids, areas, only, extra, judgements), _overall(ids, judgements, own))


def describe_judgement(row: Mapping) -> str:
    """One judgement with the figures behind it, in a sentence."""
    unit = row.get("unit") or ""
    value, centre = format_number(row.get("value"), unit), format_number(row.get("centre"), unit)
    text = f"{row['title']}, {row['judged_at']}: {value}"
    if row.get("period"):
        text += f" ({row['period']})"
    if pd.notna(row.get("lower_ci")) and pd.notna(row.get("upper_ci")):
        text += f", 95% CI {format_number(row['lower_ci'], unit)}–{format_number(row['upper_ci'], unit)}"
    text += f"; {row.get('against', 'England')} {centre}. {str(row['direction']).capitalize()}: {row['rule']}."
    if row.get("source"):
        text += f" Source: {row['source']}."
    return text


# ----------------------------------------------------------------------------- suggestions and gaps


SUGGESTION_COLUMNS = ["priority_id", "indicator_id", "title", "proposed_by", "status"]


def suggest_indicators(session: Session, priority_id: int, codes: Iterable[str], mapping: EvidenceMapping) -> pd.DataFrame:
    """Indicators the evidence map proposes for a priority's codes, best first: ``status`` is
    "proposed", "already linked" or "not in the catalogue". Nothing is linked here."""
    proposed: dict[str, list[str]] = {}
    for code in codes:
        for indicator_id in mapping.for_code(code).indicators:
            proposed.setdefault(indicator_id, []).append(code)
    known = dict(session.execute(select(Indicator.id, Indicator.title).where(Indicator.id.in_(list(proposed)))).all())
    linked = set(links_of(session, [priority_id])["indicator_id"])
    rows = [dict(priority_id=priority_id, indicator_id=i, title=known.get(i, ""), proposed_by=", ".join(by),
                 status="already linked" if i in linked else "proposed" if i in known else "not in the catalogue")
            for i, by in proposed.items()]
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)


GAP_COLUMNS = ["priority_id", "title", "area_codes", "why", "suggestions_without_data", "data_needed"]


def data_gaps(session: Session, priorities: list[Priority], evidence: Evidence, support: pd.DataFrame,
              mapping: EvidenceMapping) -> pd.DataFrame:
    """The data-gap register: priorities whose verdict is ``no_evidence``, why, the map's
    suggestions that had no data for their areas, and what kind of data would answer them."""
    rows = []
    support = support.set_index("priority_id")
    for priority in priorities:
        if evidence.verdict(priority.id) != "no_evidence":
            continue
        codes = support.at[priority.id, "codes"] if priority.id in support.index else []
        areas = support.at[priority.id, "area_codes"] if priority.id in support.index else []
        suggestions = suggest_indicators(session, priority.id, codes, mapping)
        without = _without_data(session, suggestions, priority.id, areas)
        mine = evidence.judgements[evidence.judgements["priority_id"] == priority.id]
        why = "no indicator is linked" if mine.empty else verdict_reason(mine[~mine["detail"].astype(bool)])
        needed = list(dict.fromkeys(mapping.for_code(c).data_needed for c in codes if mapping.for_code(c).data_needed))
        rows.append(dict(priority_id=priority.id, title=priority.title, area_codes="; ".join(areas), why=why,
                         suggestions_without_data="; ".join(without),
                         data_needed=" ".join(needed) or mapping.defaults.data_needed))
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _without_data(session: Session, suggestions: pd.DataFrame, priority_id: int, areas: list[str]) -> list[str]:
    missing = suggestions.loc[suggestions["status"] == "not in the catalogue", "indicator_id"].tolist()
    candidates = suggestions.loc[suggestions["status"] != "not in the catalogue", "indicator_id"].tolist()
    without = []
    if candidates and areas:
        links = pd.DataFrame({"priority_id": priority_id, "indicator_id": candidates, "area_code": None})
        plan = _plan(session, [priority_id], links, {priority_id: areas}, None, [])
        needed = set(plan["judged_at"]) | set(plan["member"].dropna())
        judged = _judge(plan, comparison_rows(session, candidates, sorted(needed)))
        judged = judged[~judged["detail"].astype(bool)]
        with_data = set(judged.loc[judged["direction"].isin(DIRECTIONS), "indicator_id"])
        without = [f"{i} (no judged data for {', '.join(areas)})" for i in candidates if i not in with_data]
    return without + [f"{i} (not in the catalogue)" for i in missing]
