"""IoD2019 indicators (LSOA scores, ranks and deciles) for any area against England, in the shape
of :func:`lpip.evidence.benchmarks.benchmark_indicators`.

The IoD2019 indicators of the catalogue (``imd_score``, ``income_rank``, ``crime_decile`` ...)
have values for LSOAs only, and a score, rank or decile cannot be aggregated by summing or
averaging (see :mod:`lpip.evidence.aggregate`). A district, sub-region or region is compared
instead by the summary measure MHCLG publishes for larger areas (IoD2019 File 10, recomputed by
:func:`lpip.evidence.deprivation.summarise_deprivation`):

- a ``*_score`` indicator by the domain's **average score** (population-weighted mean LSOA score);
- a ``*_rank`` indicator by the domain's **average rank** (population-weighted mean LSOA rank,
  turned round so that 32,844 is the most deprived);
- a ``*_decile`` indicator by the **share of LSOAs in the most deprived 10%** nationally.

Each is higher where deprivation is worse, so the rows' polarity is "lower is better" whatever
the LSOA indicator's own (a rank of 1 is the most deprived LSOA). England's value is the same
measure over all 32,844 LSOAs; the spread is that of the 317 districts (for the standardised
difference); districts get their quintile among the 317. There are no confidence intervals, so
``significance`` is "not compared".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from lpip.evidence.benchmarks import BENCHMARK_COLUMNS, DEFAULT_REGION, region_codes
from lpip.evidence.compare import ENGLAND, NOT_COMPARED, quintiles
from lpip.evidence.deprivation import DOMAIN_KEYS, summarise_deprivation
from lpip.evidence.profile import lsoa_table, membership_table
from lpip.geography.areas import get_area

MEASURES = {
    "score": ("average_score", "IoD2019 average score of its LSOAs (population-weighted)", "score"),
    "rank": ("average_rank", "IoD2019 average rank of its LSOAs (population-weighted; 32,844 = most deprived)", "rank"),
    "decile": ("proportion_most_deprived_10pc", "share of its LSOAs among England's most deprived 10%", "% of LSOAs"),
}
PERIOD = "2019"
POLARITY = "lower is better"  # every summary measure is higher where deprivation is worse
# The comparison_rule column of these rows: no interval, so no test; the verdict reads the value
# against England and the spread of districts (lpip.synthesis.evidence).
COMPARISON_RULE = "not compared: an IoD2019 summary measure has no confidence interval"
SOURCE = ("English indices of deprivation 2019 (MHCLG), summary measures for larger areas "
          "recomputed from LSOA data (Technical Report, Appendix N)")


def deprivation_measure(indicator_id: str) -> tuple[str, str, str] | None:
    """(domain, summary measure, description) for an IoD2019 LSOA indicator id, else None.

    Examples
    --------
    >>> deprivation_measure("imd_score")[:2], deprivation_measure("gva_per_hour")
    (('imd', 'average_score'), None)
    """
    domain, _, what = indicator_id.rpartition("_")
    if domain not in DOMAIN_KEYS or what not in MEASURES:
        return None
    measure, description, _ = MEASURES[what]
    return domain, measure, description


def benchmark_deprivation(session: Session, area_codes: Iterable[str], indicators: Iterable[str],
                          region: str = DEFAULT_REGION) -> pd.DataFrame:
    """IoD2019 indicators for areas against England, as rows of :data:`BENCHMARK_COLUMNS`.

    Parameters
    ----------
    session : an open database session.
    area_codes : districts, sub-regions, custom areas or regions.
    indicators : catalogue ids; those that are not IoD2019 LSOA indicators are ignored.
    region : the region whose districts give the range and the rank.

    Examples
    --------
    >>> rows = benchmark_deprivation(session, ["WM-BC"], ["imd_score"])  # doctest: +SKIP
    >>> rows[["value", "england_value"]].round(1).values.tolist()  # doctest: +SKIP
    [[30.6, 21.7]]
    """
    chosen = [(i, deprivation_measure(i)) for i in dict.fromkeys(indicators)]
    chosen = [(i, m) for i, m in chosen if m is not None]
    areas = [get_area(session, code) for code in dict.fromkeys(area_codes)]
    if not chosen or not areas:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    summary = _summaries(session, areas)
    in_region = set(region_codes(session, region))
    rows = [_rows(session, indicator_id, measure, summary, areas, in_region) for indicator_id, measure in chosen]
    return pd.concat(rows, ignore_index=True)[BENCHMARK_COLUMNS]


def _summaries(session: Session, areas) -> pd.DataFrame:
    """File 10 measures for every English district, the areas and England (all LSOAs)."""
    lsoas = lsoa_table()
    membership = membership_table(session, [a for a in areas if a.code != ENGLAND], lsoas)
    england = pd.DataFrame({"area_code": ENGLAND, "area_name": "England", "lsoa_code": lsoas.iloc[:, 0]})
    return summarise_deprivation(lsoas, pd.concat([membership, england], ignore_index=True))


def _rows(session: Session, indicator_id: str, measure: tuple[str, str, str], summary: pd.DataFrame,
          areas, in_region: set[str]) -> pd.DataFrame:
    domain, column, description = measure
    from lpip.evidence.catalogue import get_indicator

    indicator = get_indicator(session, indicator_id)
    values = summary[summary["domain"] == domain].set_index("area_code")[column].astype(float)
    if column == "proportion_most_deprived_10pc":
        values = values * 100  # a share, shown as a percentage like the catalogue's proportions
    districts = values[values.index.str.match(r"^E0[6-9]")].dropna()
    regional = districts[districts.index.isin(in_region)]
    spread = regional if len(regional) >= 3 else districts
    england = float(values.get(ENGLAND, np.nan))
    codes = [a.code for a in areas]
    levels = {a.code: a.level for a in areas}
    ranks = regional.rank(method="min", ascending=True)
    quintile = quintiles(districts, POLARITY)
    frame = pd.DataFrame({"area_code": codes, "value": [float(values.get(c, np.nan)) for c in codes]})
    return frame.assign(
        indicator_id=indicator_id, title=f"{indicator.title}: {description}", theme=indicator.theme,
        unit=MEASURES[indicator_id.rpartition("_")[2]][2], polarity=POLARITY, value_type="score", period=PERIOD,
        lower_ci=np.nan, upper_ci=np.nan, england_value=england, centre=england, centre_is_england=True,
        range_min=spread.min(), range_max=spread.max(), p25=spread.quantile(0.25), p75=spread.quantile(0.75),
        range_of="region" if spread is regional else "england", english_sd=float(districts.std(ddof=0)),
        significance=NOT_COMPARED, comparison_rule=COMPARISON_RULE, is_estimate=False, weighting_population="",
        period_label=PERIOD,
        quintile=pd.array([quintile.get(c) if levels[c] == "lad" else pd.NA for c in codes], dtype="Int64"),
        region_rank=pd.array([ranks.get(c, pd.NA) for c in codes], dtype="Int64"),
        region_count=len(regional), on_chart=True,
        note=[f"{SOURCE}." if pd.notna(v) else "No LSOAs of this area in the IoD2019 data." for v in frame["value"]],
    )
