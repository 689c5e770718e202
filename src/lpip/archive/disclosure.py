"""Disclosure control: k-anonymity of the participants' quasi-identifiers, and small counts.

The quasi-identifiers are what someone who was in the room could know of a person: sector,
area, kind of organisation and role (table host or participant). Every combination of them
must be shared by at least ``k`` people in ``participants.csv``. lpip first coarsens, one
step at a time, in a fixed order:

1. area: district -> workshop sub-region;
2. area: sub-region -> region;
3. sector: detailed -> broad (:data:`BROAD_SECTORS`);
4. organisation kind: -> suppressed;
5. role: -> suppressed;

and stops at the first step at which few enough people (``max_suppressed``, 10% by default)
are still in a combination of fewer than ``k``. Those people's quasi-identifiers are then
suppressed (written as ``suppressed``), and if the suppressed group itself is smaller than
``k``, more people from the largest groups join it until it is not. The result says the
``k`` achieved, what was coarsened and how many rows were suppressed.

Why not pycanon: pyCANON (which checks k-anonymity and more) pins exact versions of numpy,
pandas, scipy and typer, which would replace the versions lpip runs on; the check here is a
group count, tested against an independent count of the written file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

QUASI_IDENTIFIERS = ("sector", "organisation_kind", "area_code", "role")
SUPPRESSED = "suppressed"
BROAD_SECTORS = {
    "public": "public and academic", "academic": "public and academic",
    "private": "private",
    "voluntary and community": "voluntary, community and residents",
    "civil society": "voluntary, community and residents",
    "resident": "voluntary, community and residents",
}
STEPS = (
    ("area", "subregion", "areas coarsened from district to workshop sub-region"),
    ("area", "region", "areas coarsened from sub-region to region"),
    ("sector", "broad", "sectors coarsened to broad sectors"),
    ("organisation_kind", SUPPRESSED, "organisation kinds suppressed"),
    ("role", SUPPRESSED, "roles suppressed"),
)
AREA_LEVELS = {"district": "subregion", "subregion": "region"}


@dataclass
class DisclosureResult:
    """Participants after disclosure control, and what was done.

    Attributes
    ----------
    table : the participants with coarsened and suppressed quasi-identifiers.
    k : the k asked for.
    k_achieved : the smallest group size on the quasi-identifiers (0 for no participants).
    steps : what was coarsened, in order.
    suppressed : how many rows had their quasi-identifiers suppressed.
    """

    table: pd.DataFrame
    k: int
    k_achieved: int
    steps: list[str] = field(default_factory=list)
    suppressed: int = 0


def group_sizes(table: pd.DataFrame, columns=QUASI_IDENTIFIERS) -> pd.Series:
    """Each row's group size: how many rows share its values of ``columns`` (missing values
    count as one value)."""
    if table.empty:
        return pd.Series(dtype="int64")
    keys = table[list(columns)].astype(object).where(table[list(columns)].notna(), "")
    return keys.groupby(list(columns), dropna=False)[columns[0]].transform("size")


def k_anonymity(table: pd.DataFrame, columns=QUASI_IDENTIFIERS) -> int:
    """The smallest group size on ``columns`` (0 for an empty table).

    Examples
    --------
    >>> k_anonymity(pd.DataFrame({"a": ["x", "x", "y"]}), ["a"])
    1
    """
    sizes = group_sizes(table, columns)
    return int(sizes.min()) if len(sizes) else 0


def protect(participants: pd.DataFrame, coarser: dict[str, dict[str, str | None]], k: int = 3,
            max_suppressed: float = 0.1) -> DisclosureResult:
    """Coarsen, then suppress, until every quasi-identifier combination has ``k`` people.

    Parameters
    ----------
    participants : rows with :data:`QUASI_IDENTIFIERS` and ``area_level`` ("district",
        "subregion", "region" or missing).
    coarser : for each district, its ``subregion`` and ``region`` codes
        (:func:`lpip.archive.anonymise.coarser_areas`).
    k : the smallest group size wanted.
    max_suppressed : the share of rows that may be suppressed before coarsening further.
    """
    table = participants.copy()
    steps: list[str] = []
    limit = max_suppressed * len(table)
    for what, to, description in STEPS:
        if _at_risk(table, k) <= limit:
            break
        table = _coarsen(table, what, to, coarser)
        steps.append(description)
    table, suppressed = _suppress(table, k)
    return DisclosureResult(table, k, k_anonymity(table), steps, suppressed)


def _at_risk(table: pd.DataFrame, k: int) -> int:
    return int((group_sizes(table) < k).sum()) if len(table) else 0


def _coarsen(table: pd.DataFrame, what: str, to: str, coarser: dict) -> pd.DataFrame:
    table = table.copy()
    if what == "area":
        return _coarsen_areas(table, to, coarser)
    if what == "sector":
        table["sector"] = table["sector"].map(lambda s: BROAD_SECTORS.get(s, s) if isinstance(s, str) else s)
        return table
    table[what] = table[what].map(lambda v: SUPPRESSED if isinstance(v, str) else v)
    return table


def _coarsen_areas(table: pd.DataFrame, to: str, coarser: dict) -> pd.DataFrame:
    for index, row in table.iterrows():
        level = row["area_level"]
        if not isinstance(level, str) or level == "region" or level == SUPPRESSED:
            continue
        if to == "subregion" and level == "district":
            district = row["area_code"]
            code = coarser.get(district, {}).get("subregion") or coarser.get(district, {}).get("region")
            table.loc[index, ["area_code", "area_level"]] = [code, "subregion" if coarser.get(district, {}).get("subregion") else "region"]
        elif to == "region":
            table.loc[index, ["area_code", "area_level"]] = [_region_of(row, coarser), "region"]
    return table


def _region_of(row, coarser: dict) -> str | None:
    if row["area_level"] == "district":
        return coarser.get(row["area_code"], {}).get("region")
    regions = {c["region"] for c in coarser.values() if c.get("subregion") == row["area_code"] and c.get("region")}
    return sorted(regions)[0] if regions else None


def _suppress(table: pd.DataFrame, k: int) -> tuple[pd.DataFrame, int]:
    if table.empty:
        return table, 0
    table = table.copy()
    risky = group_sizes(table) < k
    if not risky.any():
        return table, 0
    chosen = set(table.index[risky])
    # The suppressed rows are one group; it too must reach k, taken from the largest groups.
    sizes = group_sizes(table)
    for index in sizes[~risky].sort_values(ascending=False, kind="stable").index:
        if len(chosen) >= k:
            break
        group = _same_group(table, index)
        if sizes[index] - sum(1 for i in group if i in chosen) > k:
            chosen.add(index)
    rows = sorted(chosen)
    for column in (*QUASI_IDENTIFIERS, "area_level"):
        table.loc[rows, column] = SUPPRESSED
    return table, len(rows)


def _same_group(table: pd.DataFrame, index) -> list:
    values = table.loc[index, list(QUASI_IDENTIFIERS)]
    same = pd.Series(True, index=table.index)
    for column in QUASI_IDENTIFIERS:
        value = values[column]
        same &= table[column].isna() if pd.isna(value) else (table[column] == value)
    return list(table.index[same])


def suppress_small(count: int, k: int) -> str:
    """A count for a printed summary table: the number, or "fewer than k" when below ``k`` (0 stays 0)."""
    return str(count) if count == 0 or count >= k else f"fewer than {k}"
