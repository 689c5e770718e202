"""The region's six sub-regions side by side: for every priority, where it was raised, the dots
it got there and the evidence verdict in each sub-region.

A priority is **raised** in a sub-region when one of its workshops was held for that sub-region
or one of its areas is the sub-region or inside it. It is **region-wide** when raised in 3 or
more sub-regions, else **local**. The verdict is computed in every sub-region, raised there or
not, so the matrix also shows where the evidence would support a priority raised elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.geography.areas import descendant_codes, get_area, list_areas
from lpip.synthesis.priorities import select_priorities, workshop_subregions
from lpip.synthesis.register import Assessment, assess_priorities

REGION_WIDE_FROM = 3
LONG_COLUMNS = ["priority_id", "title", "status", "kind", "scope", "subregion_code", "subregion", "raised", "dots",
                "verdict"]


@dataclass
class PriorityMatrix:
    """The matrix in long form (one row per priority and sub-region) and wide (one per priority)."""

    region: str
    region_name: str
    subregions: pd.DataFrame
    long: pd.DataFrame
    wide: pd.DataFrame
    assessment: Assessment | None

    @property
    def region_wide(self) -> pd.DataFrame:
        return self.wide[self.wide["scope"] == "region-wide"]


def priority_matrix(session: Session, region: str = DEFAULT_REGION, statuses=("candidate", "agreed"),
                    seed: int = 0) -> PriorityMatrix:
    """Priorities x sub-regions of ``region`` (see the module notes).

    Examples
    --------
    >>> matrix = priority_matrix(session)  # doctest: +SKIP
    >>> matrix.wide.columns[:6].tolist()  # doctest: +SKIP
    ['priority_id', 'title', 'status', 'kind', 'scope', 'raised_in']
    """
    area = get_area(session, region)
    subregions = list_areas(session, level="subregion", within=area.code)
    priorities = select_priorities(session, area=area.code, statuses=statuses)
    if not priorities:
        empty = pd.DataFrame(columns=LONG_COLUMNS)
        return PriorityMatrix(area.code, area.name, subregions, empty, _wide(empty, subregions), None)
    assessment = assess_priorities(session, priorities, seed=seed, extra_areas=subregions["code"])
    long = _long(session, assessment, subregions)
    return PriorityMatrix(area.code, area.name, subregions, long, _wide(long, subregions), assessment)


def _long(session: Session, assessment: Assessment, subregions: pd.DataFrame) -> pd.DataFrame:
    inside = {code: descendant_codes(session, code) | {code} for code in subregions["code"]}
    sources = assessment.context.sources
    dots = dict(zip(assessment.context.dots["contribution_id"], assessment.context.dots["dots"], strict=True))
    workshop_ids = sorted(set(sources["workshop_id"]) | {w for ws in assessment.support["workshop_ids"] for w in ws})
    held_in = workshop_subregions(session, workshop_ids)
    dots_here: dict[tuple[int, str], int] = {}
    voted = sources[sources["kind"] == "priority"]
    for priority_id, workshop_id, contribution_id in zip(voted["priority_id"], voted["workshop_id"],
                                                         voted["contribution_id"], strict=True):
        key = (priority_id, held_in.get(workshop_id))
        dots_here[key] = dots_here.get(key, 0) + int(dots.get(contribution_id, 0))
    verdicts = {(p, a): v for p, a, v in zip(assessment.evidence.verdicts["priority_id"],
                                             assessment.evidence.verdicts["area_code"],
                                             assessment.evidence.verdicts["verdict"], strict=True)}
    rows = []
    for priority in assessment.priorities:
        support = assessment.support_row(priority.id)
        areas = set(support.get("area_codes") or [])
        held = {held_in.get(w) for w in support.get("workshop_ids") or []}
        raised_in = [code for code in subregions["code"] if code in held or areas & inside[code]]
        scope = "region-wide" if len(raised_in) >= REGION_WIDE_FROM else "local"
        kind = assessment.triage[priority.id].kind
        for code, name in zip(subregions["code"], subregions["name"], strict=True):
            rows.append(dict(
                priority_id=priority.id, title=priority.title, status=priority.status, kind=kind, scope=scope,
                subregion_code=code, subregion=name, raised=code in raised_in, dots=dots_here.get((priority.id, code), 0),
                verdict=verdicts.get((priority.id, code), "no_evidence"),
            ))
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def _wide(long: pd.DataFrame, subregions: pd.DataFrame) -> pd.DataFrame:
    columns = ["priority_id", "title", "status", "kind", "scope", "raised_in"]
    for name in subregions["name"]:
        columns += [f"{name}: raised", f"{name}: dots", f"{name}: verdict"]
    rows = []
    for priority_id, group in long.groupby("priority_id", sort=True):
        first = group.iloc[0]
        row = dict(priority_id=priority_id, title=first["title"], status=first["status"], kind=first["kind"],
                   scope=first["scope"], raised_in=int(group["raised"].sum()))
        for item in group.itertuples(index=False):
            row[f"{item.subregion}: raised"] = "yes" if item.raised else "no"
            row[f"{item.subregion}: dots"] = item.dots
            row[f"{item.subregion}: verdict"] = item.verdict.replace("_", " ")
        rows.append(row)
    wide = pd.DataFrame(rows, columns=columns)
    return wide.sort_values(["raised_in", "priority_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
