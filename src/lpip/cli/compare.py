"""`lpip compare` and `lpip aggregate`: benchmark comparison and aggregation to custom areas."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from lpip.cli.common import DatabaseOption, FormatOption, OutputFormat, console, database_session, print_frame

if TYPE_CHECKING:
    import pandas as pd


class Level(str, Enum):
    ninety_five = "95"
    ninety_nine_eight = "99.8"


IndicatorOption = Annotated[str, typer.Option("--indicator", "-i", metavar="ID", help="Indicator id, e.g. employment_rate (see `lpip indicators list`).")]
PeriodOption = Annotated[str | None, typer.Option("--period", "-p", help="Period as stored, e.g. 2023-01-01/P1Y (ELS) or '2021/22'. Default: the latest (see the command's help).")]
EstimateOption = Annotated[bool, typer.Option("--estimate/--exact", help="Where an area made of districts cannot be aggregated exactly (rates without counts, medians), give a population-weighted estimate from its districts, marked 'estimate', instead of refusing.")]


def compare(
    areas: Annotated[list[str], typer.Argument(metavar="AREA...", help="Area codes: LADs, LSOAs, regions or custom areas such as WM-BSOL.")],
    indicator: IndicatorOption,
    against: Annotated[str, typer.Option("--against", "-a", help="Comparator area code: England, a region, a sub-region or any area with a value.")] = "E92000001",
    level: Annotated[Level, typer.Option("--level", "-l", help="Confidence level the significance is judged at.")] = Level.ninety_five,
    period: PeriodOption = None,
    estimate: EstimateOption = True,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Compare areas with a benchmark (Fingertips-style): value, 95% and 99.8% intervals, significance, quintile.

    Significance follows the one-interval rule where there is an interval (from counts, as
    published, or combined from districts' published intervals for an estimate):
    better/similar/worse (higher/similar/lower where the indicator has no polarity). Without
    an interval the materiality rule applies: "similar" unless the difference is at least half
    a standard deviation of English districts' values. The rule column says which was used.
    Quintiles are among all English areas of the same level; 1 is the worst fifth (the lowest
    without polarity). By default each area's latest period is used; if they differ, pass --period.
    """
    from lpip.evidence.compare import compare_to_benchmark

    with database_session(database) as session:
        frame = compare_to_benchmark(session, areas, indicator, against=against, level=float(level.value),
                                     period=period, estimate=estimate)
    if fmt is not OutputFormat.table:
        print_frame(frame, fmt)
        return
    info = frame.attrs
    title = f"{info['title']} ({info['unit']}), {info['period_label']}, against {info['comparator']}"
    print_frame(_compact(frame), fmt, title=title)
    _print_notes(frame)


def _interval_text(lower: pd.Series, upper: pd.Series) -> pd.Series:
    text = lower.map("{:.4g}".format) + " to " + upper.map("{:.4g}".format)
    return text.where(lower.notna() & upper.notna(), "")


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The table view: one interval column per level, the comparator's value in the title."""
    import pandas as pd

    return pd.DataFrame({
        "area": frame["area_code"], "name": frame["area_name"],
        "value": frame["value"].map("{:.4g}".format) + frame["is_estimate"].map({True: " (estimate)", False: ""}),
        "95% CI": _interval_text(frame["lower_ci_95"], frame["upper_ci_95"]),
        "99.8% CI": _interval_text(frame["lower_ci_99_8"], frame["upper_ci_99_8"]),
        "significance": frame["significance"], "quintile": frame["quintile"],
        "rule": frame["comparison_rule"],
    })


def _print_notes(frame: pd.DataFrame) -> None:
    info = frame.attrs
    console.print(f"{info['comparator']}: {frame['comparator_value'].iloc[0]:.4g} ({info['comparator_method']}). "
                  f"Significance at {info['level']:g}%; polarity: {info['polarity']}.", highlight=False)
    if info["aggregated_areas"]:
        console.print(f"Aggregated from their members: {', '.join(info['aggregated_areas'])}.", highlight=False)
    if info.get("estimated_areas"):
        weights = "; ".join(sorted(set(frame.loc[frame["is_estimate"].astype(bool), "weighting_population"])))
        console.print(f"Estimates (population-weighted from their districts, weighted by {weights}): "
                      f"{', '.join(info['estimated_areas'])}.", highlight=False)
    if (frame["significance"] == "not compared").any():
        console.print("'not compared': see the rule column; the quintile still places each area (1 = worst fifth of "
                      "English areas, or lowest without polarity).", highlight=False)


def aggregate(
    areas: Annotated[list[str], typer.Argument(metavar="AREA_OR_SET...", help="Custom area codes (WM-BSOL, E37000012, E47000007) or set names (wm-subregions, lep).")],
    indicator: IndicatorOption,
    period: PeriodOption = None,
    estimate: Annotated[bool, typer.Option("--estimate", help="Give population-weighted estimates from the districts where exact aggregation is impossible (marked 'estimate').")] = False,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Aggregate an indicator to custom areas: counts summed, rates and proportions recomputed, means estimated.

    Medians, scores, ranks, deciles and indices are refused with the reason; so are rates and
    proportions without numerators and denominators, and periods for which a member has no value,
    unless --estimate asks for a population-weighted estimate from the districts. Means of
    districts are always population-weighted estimates, and say so.
    """
    import pandas as pd

    from lpip.evidence.aggregate import aggregate_indicator
    from lpip.evidence.periods import period_label

    with database_session(database) as session:
        frame = aggregate_indicator(session, indicator, areas, period=period, estimate=estimate)
    if fmt is not OutputFormat.table:
        print_frame(frame, fmt)
        return
    table = pd.DataFrame({
        "area": frame["area_code"], "name": frame["area_name"], "period": frame["period"].map(period_label),
        "value": frame["value"].map("{:.6g}".format) + frame["is_estimate"].map({True: " (estimate)", False: ""}),
        "95% CI": _interval_text(frame["lower_ci_95"], frame["upper_ci_95"]),
        "99.8% CI": _interval_text(frame["lower_ci_99_8"], frame["upper_ci_99_8"]), "members": frame["members"],
    })
    print_frame(table, fmt, title=f"{indicator}: {len(frame)} aggregated areas")
    for (method, weights), _ in frame.groupby(["method", "weights"]):
        console.print(f"Method: {method}" + (f", weighted by {weights}." if weights else "."), highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("compare")(compare)
    app.command("aggregate")(aggregate)
