"""`lpip hotspots`, `lpip similar`, `lpip trends`: where, like whom, and which way."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Annotated

import typer

from lpip.cli.common import (
    DatabaseOption, FormatOption, OutputFormat, console, database_session, err_console, print_frame, rich_table,
)

if TYPE_CHECKING:
    import pandas as pd

IndicatorOption = Annotated[str, typer.Option("--indicator", "-i", metavar="ID", help="Indicator id, e.g. imd_score.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command()(hotspots)
    app.command()(similar)
    app.command()(trends)


def say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def rounded(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Numbers rounded for reading on screen (CSV and JSON keep full precision)."""
    import pandas as pd

    return frame.round({c: digits for c in frame.columns if pd.api.types.is_float_dtype(frame[c])})


# --- hotspots ------------------------------------------------------------------------------


def hotspots(
    indicator: IndicatorOption,
    within: Annotated[str, typer.Option("--within", "-w", help="Area whose LSOAs are analysed (bundled boundaries: West Midlands only).")] = "E12000005",
    period: Annotated[str | None, typer.Option("--period", help="Period; default the latest.")] = None,
    permutations: Annotated[int, typer.Option("--permutations", help="Permutations for pseudo p-values.")] = 999,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the permutations.")] = 12345,
    alpha: Annotated[float, typer.Option("--alpha", help="False discovery rate for local clusters.")] = 0.05,
    limit: Annotated[int, typer.Option("--limit", help="Significant areas listed in the table view.")] = 20,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Find clusters of high and low values of an LSOA indicator (global and local Moran's I)."""
    from lpip.evidence.hotspots import find_hotspots

    with database_session(database) as session:
        result = find_hotspots(session, indicator, within=within, period=period,
                               permutations=permutations, seed=seed, alpha=alpha)
    if fmt is not OutputFormat.table:
        print_frame(result.to_frame(), fmt)
        return
    _print_hotspots(result, limit)


def _print_hotspots(result, limit: int) -> None:
    say(f"Hotspots of {result.title} ({result.indicator_id}, {result.period}): "
        f"{result.n_areas:,} LSOAs in {result.within_name} ({result.within}).")
    say(f"Global Moran's I {result.moran_i:.3f} (expected {result.expected_i:.4f}; pseudo p {result.moran_p_value:.3g} "
        f"from {result.permutations} permutations, seed {result.seed}): {result.pattern}.")
    say(f"Local clusters are significant where p <= {result.fdr_cutoff:.4g} "
        f"(false discovery rate {result.alpha:.0%}).")
    islands = ", ".join(result.islands) if result.islands else "none"
    say(f"Islands (no neighbours, not tested): {islands}.")
    if result.components > 1:
        say(f"The areas form {result.components} separate groups of neighbours.")
    if result.no_value:
        say(f"LSOAs without a value, left out: {len(result.no_value)}.")
    console.print(rich_table(result.cluster_counts(), "Areas by cluster"))
    significant = result.significant.sort_values(["p_value", "local_i"], ascending=[True, False])
    if len(significant):
        shown = rounded(significant.head(limit).drop(columns=["quadrant", "cluster"]))
        console.print(rich_table(shown, f"Significant areas ({min(limit, len(significant))} of {len(significant):,})"))
        say("Use --format csv or --format json for every area.")


# --- similar -------------------------------------------------------------------------------


def similar(
    area: Annotated[str, typer.Argument(metavar="AREA", help="District (LAD) code, e.g. E08000029.")],
    n: Annotated[int, typer.Option("--n", "-n", help="How many similar districts.")] = 10,
    indicators: Annotated[
        list[str] | None,
        typer.Option("--indicators", "-i", metavar="IDS",
                     help="The variables: district indicator ids, comma-separated or repeated; default a CIPFA-like set of seven."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """List the districts most similar to AREA on standardised indicators (CIPFA-style nearest neighbours)."""
    from lpip.evidence.similar import find_similar_areas

    chosen = [part for item in indicators or [] for part in item.split(",") if part.strip()] or None
    with database_session(database) as session, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = find_similar_areas(session, area, n=n, indicators=chosen)
    for warning in caught:
        err_console.print(f"Warning: {warning.message}", markup=False, highlight=False, soft_wrap=True)
    if fmt is not OutputFormat.table:
        print_frame(result.to_frame(), fmt)
        return
    used = "; ".join(f"{result.titles[i]} ({i}, {p})" for i, p in result.periods.items())
    say(f"Districts most similar to {result.area_name} ({result.area_code}) on {len(result.indicators)} indicators: {used}.")
    say("Distance is Euclidean over z-scores across English districts, every indicator weighed the same "
        "(the distance approach of CIPFA's Nearest Neighbours Model); 'sd' = standard deviations.")
    if result.excluded:
        say(f"Districts without a value for every indicator, left out ({len(result.excluded)}): {', '.join(result.excluded)}.")
    console.print(rich_table(rounded(result.neighbours), f"{len(result.neighbours)} similar districts"))


# --- trends --------------------------------------------------------------------------------


def trends(
    indicator: IndicatorOption,
    within: Annotated[str, typer.Option("--within", "-w", help="Show the areas inside this area.")] = "E12000005",
    area: Annotated[list[str] | None, typer.Option("--area", "-a", help="Show these areas instead (repeat the option).")] = None,
    level: Annotated[str | None, typer.Option("--level", "-l", help="Area level of the rows; default districts.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First period; default the oldest.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last period; default the latest.")] = None,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Show the change of an indicator between two periods, its direction and red-red flags."""
    from lpip.evidence.trends import assess_trends

    with database_session(database) as session:
        result = assess_trends(session, indicator, within=within, areas=area, level=level, start=start, end=end)
    if fmt is not OutputFormat.table:
        print_frame(result.to_frame(), fmt)
        return
    _print_trends(result)


def _print_trends(result) -> None:
    say(f"{result.title} ({result.indicator_id}, {result.unit}; {result.polarity}): "
        f"{result.start} to {result.end}, {len(result.table)} areas. Periods: {', '.join(result.periods)}.")
    reference = result.benchmark
    if reference is None:
        say(f"Benchmark {result.benchmark_code}: no value for {result.end}, so no comparison.")
    else:
        say(f"Benchmark {result.benchmark_code} in {result.end}: {reference['value']:,.4g}.")
    counts = result.table["direction"].value_counts()
    say("Direction: " + ", ".join(f"{word} {count}" for word, count in counts.items()) + ".")
    if not result.has_intervals:
        say("No confidence intervals: the significance of change and the red-red flag are not assessed.")
    else:
        say(f"Significantly worse than the benchmark and getting worse: {len(result.flagged)} areas.")
    columns = ["area_code", "area_name", "start_value", "end_value", "change", "percent_change",
               "direction", "change_significance", "vs_benchmark", "flag"]
    console.print(rich_table(rounded(result.table[columns], 2), f"{result.indicator_id}: {result.start} to {result.end}"))
