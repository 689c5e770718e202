"""The evidence behind the workshops (``--with-evidence``): every figure the sub-regional data
packs showed, in the tidy shape of ONS Explore Local Statistics, and where each came from.

The data pack of a sub-region shows each district-level indicator for the sub-region and
its districts against England (:func:`lpip.evidence.benchmarks.benchmark_indicators`, the
table the pack is built on); those rows, England's benchmark values and the indicators'
provenance and licence are what goes in.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.archive.tables import INDICATOR_VALUES, SOURCES
from lpip.errors import InvalidDeposit
from lpip.workshops.models import Workshop

ENGLAND = ("E92000001", "England")


def evidence_tables(session: Session, workshops: list[Workshop]) -> dict[str, pd.DataFrame]:
    """``indicator_values`` and ``sources`` for the data packs of the workshops' sub-regions."""
    from lpip.evidence.benchmarks import benchmark_indicators
    from lpip.evidence.profile import district_members
    from lpip.geography.areas import get_area
    from lpip.geography.models import Area

    subregions = sorted({w.subregion_code for w in workshops if w.subregion_code})
    if not subregions:
        raise InvalidDeposit("--with-evidence adds the figures of the workshops' sub-regional data packs, but none of "
                             "the workshops has a sub-region; set one (`lpip workshops create --subregion`) or leave "
                             "out --with-evidence.")
    codes = []
    for code in subregions:
        codes += [code, *district_members(session, get_area(session, code))["code"]]
    rows = benchmark_indicators(session, list(dict.fromkeys(codes)))
    rows = rows[rows["value"].notna()]
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(set(rows["area_code"])))).all())
    values = pd.DataFrame({
        "indicator_id": rows["indicator_id"], "areacd": rows["area_code"], "areanm": rows["area_code"].map(names),
        "period": rows["period"].astype(str), "value": rows["value"], "lci": rows["lower_ci"], "uci": rows["upper_ci"],
        "status": ["aggregated" if code in subregions else "published" for code in rows["area_code"]],
    })
    england = rows[rows["england_value"].notna()].drop_duplicates(["indicator_id", "period"])
    values = pd.concat([values, pd.DataFrame({
        "indicator_id": england["indicator_id"], "areacd": ENGLAND[0], "areanm": ENGLAND[1],
        "period": england["period"].astype(str), "value": england["england_value"], "lci": None, "uci": None,
        "status": "benchmark"})], ignore_index=True)
    values = values.drop_duplicates(["indicator_id", "areacd", "period"]).sort_values(
        ["indicator_id", "areacd", "period"], ignore_index=True)
    return {"indicator_values": values[INDICATOR_VALUES.column_names],
            "sources": _sources(session, sorted(set(values["indicator_id"])))}


def _sources(session: Session, ids: list[str]) -> pd.DataFrame:
    from lpip.evidence.models import Indicator

    indicators = session.scalars(select(Indicator).where(Indicator.id.in_(ids)).order_by(Indicator.id)).all()
    return pd.DataFrame([{"indicator_id": i.id, "title": i.title, "unit": i.unit, "polarity": i.polarity,
                          "source": i.source, "publisher": i.publisher, "licence": i.licence,
                          "provenance": "user" if i.origin == "user" else "bundled"} for i in indicators],
                        columns=SOURCES.column_names)
