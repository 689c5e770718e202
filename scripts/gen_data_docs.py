"""Write the generated tables of docs/data.md from the catalogue, the bundled files and the area sets.

Run from the repository root::

    .venv/bin/python scripts/gen_data_docs.py          # rewrite the generated sections
    .venv/bin/python scripts/gen_data_docs.py --check  # exit 1 if they are stale

docs/data.md is written by hand except between ``<!-- BEGIN GENERATED: NAME -->`` and
``<!-- END GENERATED: NAME -->`` markers; this script replaces what lies between them.
The periods and coverage columns come from the bundled files, filtered exactly as
`lpip init` filters them (values for areas outside lpip's geography are left out), so the
table says what a freshly initialised database holds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_cli_docs import ROOT, cell, check_or_write  # noqa: E402

DATA_DOC = ROOT / "docs" / "data.md"
WEST_MIDLANDS = "E12000005"
ENGLAND = "E92000001"
MARKER = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n).*?(<!-- END GENERATED: (?P=name) -->)", re.S)


def loaded_values() -> dict[str, pd.DataFrame]:
    """Each catalogue indicator's values (area_code, period, value) as `lpip init` loads them."""
    from lpip.evidence.bundle import iter_indicator_frames
    from lpip.evidence.catalogue import bundled_catalogue
    from lpip.geography.load import build_geography

    known = set(build_geography().areas)
    frames = {}
    for spec, frame in iter_indicator_frames(bundled_catalogue()):
        frames[spec.id] = frame[frame["area_code"].isin(known) & frame["value"].notna()]
    return frames


def west_midlands_codes() -> dict[str, set[str]]:
    """The codes of the West Midlands LADs and LSOAs, from the bundled ONS lookups."""
    from lpip.geography.load import read_lad_lookup, read_lsoa_lookup

    lads = read_lad_lookup()
    lsoas = read_lsoa_lookup()
    return {
        "lad": set(lads.loc[lads["RGN19CD"] == WEST_MIDLANDS, "LAD19CD"]),
        "lsoa": set(lsoas.loc[lsoas["RGN19CD"] == WEST_MIDLANDS, "LSOA11CD"]),
    }


def format_periods(periods: list[str]) -> str:
    """Periods in time order as people write them ("2020/21", not "2020-04-01/P1Y"); a run of
    consecutive years is shortened to "first–last", and a long list to its ends and count."""
    from lpip.evidence.periods import period_label, sort_periods

    labels = [period_label(p) for p in sort_periods(periods)]
    years = [int(label) for label in labels if label.isdigit() and len(label) == 4]
    if len(years) == len(labels) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]} (each year)"
    if len(labels) > 6:
        return f"{labels[0]} to {labels[-1]} ({len(labels)} periods)"
    return ", ".join(labels) or "none"


def periods_for(frame: pd.DataFrame, code: str) -> str:
    periods = list(frame.loc[frame["area_code"] == code, "period"].unique())
    return format_periods(periods) if periods else "—"


def coverage(frame: pd.DataFrame, levels: tuple[str, ...], wm: dict[str, set[str]]) -> str:
    """How many West Midlands LADs or LSOAs have at least one value."""
    level = "lsoa" if "lsoa" in levels else "lad"
    have = len(wm[level] & set(frame["area_code"]))
    return f"{have:,} of {len(wm[level]):,} {level.upper()}s"


def indicator_row(spec, frame: pd.DataFrame, wm: dict[str, set[str]]) -> list[str]:
    return [
        f"`{spec.id}`", spec.title, spec.unit, spec.polarity, ", ".join(spec.levels),
        format_periods(list(frame["period"].unique())), f"{len(frame):,}",
        coverage(frame, spec.levels, wm), periods_for(frame, WEST_MIDLANDS), periods_for(frame, ENGLAND),
        f"{spec.source}. {spec.publisher}.",
    ]


INDICATOR_COLUMNS = [
    "id", "title", "unit", "polarity", "levels", "periods", "values", "WM coverage",
    "WM region value", "England value", "source, publisher",
]


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]


def render_indicators() -> str:
    """One table per theme, in the catalogue's theme order."""
    from lpip.evidence.catalogue import bundled_catalogue
    from lpip.evidence.models import THEMES

    specs = bundled_catalogue()
    values = loaded_values()
    wm = west_midlands_codes()
    licences = sorted({spec.licence for spec in specs})
    lines = [
        f"{len(specs)} indicators. Licence of every one: {', '.join(licences)}. "
        "\"WM coverage\" counts the West Midlands areas with at least one value; "
        "\"WM region value\" and \"England value\" list the periods that have a value for "
        f"{WEST_MIDLANDS} and {ENGLAND} themselves (— means none).",
        "",
    ]
    for theme in THEMES:
        rows = [indicator_row(s, values[s.id], wm) for s in specs if s.theme == theme]
        if rows:
            lines += [f"#### {theme.capitalize()}", ""] + markdown_table(INDICATOR_COLUMNS, rows) + [""]
    return "\n".join(lines)


def render_area_sets() -> str:
    """Each bundled custom set: its source and a table of areas with their member LADs."""
    from lpip.bundled import AREA_SETS, read_toml
    from lpip.geography.load import read_lad_lookup

    names = dict(zip(*[read_lad_lookup()[c] for c in ("LAD19CD", "LAD19NM")]))
    lines = []
    for area_set in read_toml(AREA_SETS)["set"]:
        rows = [
            [f"`{a['code']}`", a["name"], str(len(a["members"])),
             ", ".join(f"{names.get(m, '?')} ({m})" for m in a["members"])]
            for a in area_set["area"]
        ]
        lines += [
            f"#### `{area_set['name']}`: {area_set['title']}", "",
            f"Level `{area_set['level']}`, inside `{area_set.get('parent', '-')}`. Source: {area_set['source'].rstrip('.')}.", "",
            *markdown_table(["code", "name", "LADs", "members"], rows), "",
            overlap_sentence(area_set, names), "",
        ]
    return "\n".join(lines)


def overlap_sentence(area_set: dict, names: dict[str, str]) -> str:
    """Which LADs belong to more than one area of the set (sets may overlap)."""
    owners: dict[str, list[str]] = {}
    for area in area_set["area"]:
        for member in area["members"]:
            owners.setdefault(member, []).append(area["code"])
    shared = {m: codes for m, codes in owners.items() if len(codes) > 1}
    if not shared:
        return f"The {len(area_set['area'])} areas do not overlap: each LAD is in at most one of them."
    listed = "; ".join(f"{names.get(m, '?')} ({m}) in {' and '.join(c)}" for m, c in sorted(shared.items()))
    return f"{len(shared)} LADs are in more than one area: {listed}."


# lpip ids that existed before the ELS data replaced their source (issue 14).
IDS_BEFORE_ELS = {
    "gva_per_hour", "median_weekly_pay", "employment_rate", "unemployment_rate", "nvq3_plus", "gcse_english_maths_19",
    "ks2_expected_standard", "eyfs_communication", "eyfs_literacy", "eyfs_maths", "persistent_absence",
    "persistent_absence_fsm", "apprenticeship_starts", "apprenticeship_achievements", "fe_participation_19_plus",
    "gdhi_per_head", "hle_male", "hle_female", "life_satisfaction", "happiness", "worthwhile", "anxiety",
    "smoking_prevalence", "adult_obesity", "preventable_circulatory_mortality", "cancer_early_diagnosis",
    "net_additional_dwellings", "gigabit_broadband", "mobile_4g_coverage", "travel_time_car",
    "travel_time_public_transport", "travel_time_cycle",
}


def render_els() -> str:
    """Every indicator taken from ONS Explore Local Statistics: its ELS code, whether the id
    existed before (its source changed), lpip's polarity, value type and weighting population."""
    from lpip.evidence.catalogue import bundled_catalogue

    rows = []
    for spec in bundled_catalogue():
        els = [s for s in spec.series if s["file"] == "els"]
        if not els:
            continue
        changed = "yes: was ONS Subnational Indicators" if spec.id in IDS_BEFORE_ELS else "new"
        breaks = "; ".join(f"from {b['period']}: {b['reason']}" for b in spec.breaks) or ""
        rows.append([f"`{spec.id}`", f"{els[0]['indicator']} / {els[0]['name']}", changed, spec.polarity,
                     spec.value_type, f"`{spec.weighting_population}`", breaks])
    header = ["id", "ELS folder / code", "source changed", "polarity (lpip's choice)", "value type",
              "weighting population for estimates", "series breaks"]
    return "\n".join([f"{len(rows)} indicators come from ELS.", "", *markdown_table(header, rows)])


SECTIONS: dict[str, Callable[[], str]] = {
    "indicators": render_indicators,
    "els": render_els,
    "area-sets": render_area_sets,
}


def render_data_doc(current: str) -> str:
    """``current`` with every generated section replaced; an error if a section is missing."""
    found = {m.group("name") for m in MARKER.finditer(current)}
    missing = sorted(set(SECTIONS) - found)
    if missing:
        raise SystemExit(f"{DATA_DOC}: no <!-- BEGIN GENERATED: {missing[0]} --> ... END marker pair; add it.")
    texts = {name: render().rstrip() + "\n" for name, render in SECTIONS.items() if name in found}

    def replace(match: re.Match) -> str:
        name = match.group("name")
        return match.group(1) + "\n" + texts[name] + "\n" + match.group(3) if name in texts else match.group(0)

    return MARKER.sub(replace, current)


def main(argv: list[str]) -> int:
    text = render_data_doc(DATA_DOC.read_text(encoding="utf-8"))
    return check_or_write(DATA_DOC, text, "--check" in argv, ".venv/bin/python scripts/gen_data_docs.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
