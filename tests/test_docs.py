"""The documentation is complete and true: every command has help and a reference entry, the
generated pages are current, links resolve, the data page covers the bundle, and the
examples in the guides run and print what the guides say they print."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCRIPTS = ROOT / "scripts"
# Pages whose `console` examples are run by test_guide_examples_run.
GUIDES = ["getting-started.md", "areas.md", "indicators.md"]
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def load_script(name: str):
    """Import scripts/NAME.py (scripts/ is not a package)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


gen_cli_docs = load_script("gen_cli_docs")
gen_data_docs = load_script("gen_data_docs")
COMMANDS = list(gen_cli_docs.walk_commands())


def read_doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- commands and the reference


@pytest.mark.parametrize("entry", COMMANDS, ids=[e.name for e in COMMANDS])
def test_every_command_has_help(entry):
    assert gen_cli_docs.help_text(entry.command), (
        f"`{entry.name}` has no help: give it a docstring (or help= for a group)"
    )


def test_the_walk_finds_the_known_commands():
    # Guards the walk itself: nested commands must be reached, not just the top level.
    names = {e.name for e in COMMANDS}
    assert {"lpip init", "lpip areas", "lpip areas define-set", "lpip indicators show"} <= names


@pytest.mark.parametrize("entry", COMMANDS, ids=[e.name for e in COMMANDS])
def test_every_command_is_in_the_cli_reference(entry):
    heading = re.compile(rf"^#+ {re.escape(entry.name)}$", re.M)
    assert heading.search(read_doc("cli.md")), (
        f"`{entry.name}` is missing from docs/cli.md: run .venv/bin/python scripts/gen_cli_docs.py"
    )


def test_cli_reference_is_up_to_date():
    assert read_doc("cli.md") == gen_cli_docs.render_cli_reference(), (
        "docs/cli.md is stale: run .venv/bin/python scripts/gen_cli_docs.py"
    )


def test_cli_reference_shows_each_option_of_a_command():
    # Independent of the generator's own rendering: read the options off the command object.
    entry = next(e for e in COMMANDS if e.name == "lpip areas list")
    section = read_doc("cli.md").split("#### lpip areas list", 1)[1].split("\n#", 1)[0]
    for param in entry.command.params:
        for opt in param.opts:
            assert opt in section


def test_check_mode_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "cli.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert gen_cli_docs.check_or_write(stale, "# new\n", check=True, how="regenerate") == 1
    assert "out of date" in capsys.readouterr().err
    assert stale.read_text(encoding="utf-8") == "# old\n"
    assert gen_cli_docs.check_or_write(stale, "# old\n", check=True, how="regenerate") == 0


def test_cli_check_mode_passes_on_the_committed_reference():
    assert gen_cli_docs.main(["--check"]) == 0


# ---------------------------------------------------------------- the data page


def test_data_page_generated_sections_are_up_to_date():
    current = read_doc("data.md")
    assert gen_data_docs.render_data_doc(current) == current, (
        "docs/data.md is stale: run .venv/bin/python scripts/gen_data_docs.py"
    )


def test_data_page_without_markers_is_refused():
    with pytest.raises(SystemExit, match="BEGIN GENERATED: area-sets"):
        gen_data_docs.render_data_doc("# Data\n\n<!-- BEGIN GENERATED: indicators -->\n<!-- END GENERATED: indicators -->\n")


def test_data_page_mentions_every_bundled_file():
    from lpip.bundled import manifest

    text = read_doc("data.md")
    missing = [name for name in manifest() if f"`{name}`" not in text]
    assert not missing, f"docs/data.md does not describe {missing}"


def test_data_page_mentions_every_catalogue_indicator():
    from lpip.evidence.catalogue import bundled_catalogue

    text = read_doc("data.md")
    missing = [spec.id for spec in bundled_catalogue() if f"`{spec.id}`" not in text]
    assert not missing, f"docs/data.md does not list {missing}: run scripts/gen_data_docs.py"


@pytest.mark.parametrize(
    "statement",
    [
        "Open Government Licence v3.0",
        "Contains National Statistics data © Crown copyright and database right",
        "Contains OS data © Crown copyright and database right",
    ],
)
def test_data_page_gives_licence_and_attribution(statement):
    assert statement in read_doc("data.md")


def test_period_ranges_are_shortened_only_for_consecutive_years():
    assert gen_data_docs.format_periods(["2007", "2005", "2006"]) == "2005–2007 (each year)"
    assert gen_data_docs.format_periods(["2005", "2007", "2006", "2009"]) == "2005, 2006, 2007, 2009"
    assert gen_data_docs.format_periods(["2021", "2022/23"]) == "2021, 2022/23"


def test_england_population_caveat_holds(sqlite_url):
    """docs/data.md: England summed from LAD census values falls short of the official total,
    and for 2011 by exactly the LADs created after 2019."""
    import pandas as pd

    from lpip.bundled import LAD_INDICATORS, bundled_path
    from lpip.db import make_engine, session_scope
    from lpip.evidence.population import population_of

    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        england = population_of(session, "E92000001")
    engine.dispose()
    # ONS: 53,012,456 usual residents in England at the 2011 Census. The LAD census values are
    # incomplete for England, so the figure falls back to the complete IoD mid-2015 LSOA sum.
    assert england["summed"] and england["period"] == "mid-2015"
    assert england["indicator"] == "population_iod"
    tidy = pd.read_csv(bundled_path(LAD_INDICATORS), dtype=str)
    census = tidy[(tidy["source"] == "ONS_CENSUS_POP") & (tidy["period"] == "2011")]
    post_2019 = census[census["area_code"].isin(["E06000060", "E06000061", "E06000062"])]
    england_lads = census[census["area_code"].str.startswith("E")]
    loaded_2011 = england_lads["value"].astype(int).sum() - post_2019["value"].astype(int).sum()
    assert loaded_2011 + post_2019["value"].astype(int).sum() == 53_012_456
    assert f"{loaded_2011:,}" in read_doc("data.md")
    assert f"{england['value']:,.0f}" in read_doc("data.md")


# ---------------------------------------------------------------- links


def relative_links(page: str) -> list[str]:
    targets = [m.group("target") for m in LINK.finditer(read_doc(page))]
    return [t for t in targets if "://" not in t and not t.startswith(("#", "mailto:"))]


def test_getting_started_links_to_the_guides():
    linked = {t.split("#")[0] for t in relative_links("getting-started.md")}
    assert {"areas.md", "indicators.md", "data.md", "cli.md"} <= linked


@pytest.mark.parametrize("page", ["getting-started.md", "areas.md", "indicators.md", "data.md", "cli.md"])
def test_linked_pages_exist(page):
    missing = [t for t in relative_links(page) if not (DOCS / t.split("#")[0]).resolve().exists()]
    assert not missing, f"docs/{page} links to missing files: {missing}"


def headings_anchors(page: str) -> set[str]:
    headings = re.findall(r"^#+ (.+)$", read_doc(page), re.M)
    return {gen_cli_docs.anchor(h.replace("`", "")) for h in headings}


@pytest.mark.parametrize("page", ["getting-started.md", "areas.md", "indicators.md", "data.md"])
def test_links_to_sections_find_the_heading(page):
    broken = []
    for target in relative_links(page):
        name, _, fragment = target.partition("#")
        if fragment and name.endswith(".md") and fragment not in headings_anchors(name):
            broken.append(target)
    assert not broken, f"docs/{page} links to headings that do not exist: {broken}"


# ---------------------------------------------------------------- examples in the guides


def examples(page: str) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
    """Files (```csv file=NAME blocks) and commands with their shown output (```console)."""
    files, commands = {}, []
    for block in FENCE.finditer(read_doc(page)):
        info, body = block.group("info").split(), block.group("body")
        named = [word.split("=", 1)[1] for word in info[1:] if word.startswith("file=")]
        if named:
            files[named[0]] = body
        if info[:1] == ["console"]:
            for line in body.splitlines():
                if line.startswith("$ "):
                    commands.append((line[2:], []))
                elif line.strip() and commands:
                    commands[-1][1].append(line)
    return files, commands


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("page", GUIDES)
def test_guide_examples_run(page, sqlite_url, tmp_path, monkeypatch):
    """Each `$ lpip ...` line runs (in order, on one database); each output line shown
    appears in the real output ("..." marks lines left out); shown errors exit with 2."""
    from typer.testing import CliRunner

    from lpip.cli import app

    files, commands = examples(page)
    assert commands, f"docs/{page} has no console examples"
    monkeypatch.setenv("LPIP_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    runner = CliRunner()
    for command, shown in commands:
        words = shlex.split(command)
        assert words[0] == "lpip", f"docs/{page}: console examples must be lpip commands: {command}"
        result = runner.invoke(app, words[1:], catch_exceptions=False)
        expected_code = 2 if any(line.startswith("Error:") for line in shown) else 0
        assert result.exit_code == expected_code, f"docs/{page}: `{command}` exited {result.exit_code}:\n{result.output}"
        output = squash(result.output)
        for line in shown:
            if line.strip() != "...":
                assert squash(line) in output, f"docs/{page}: `{command}` did not print {line!r}:\n{result.output}"


def test_area_counts_in_the_areas_guide_match_the_database(sqlite_url):
    from lpip.db import make_engine, session_scope
    from lpip.initdb import summarise_database

    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        counts = summarise_database(session)["areas"]
    engine.dispose()
    rows = re.findall(r"^\| (`[a-z0-9`, ]+`) \| [^|]+ \| ([\d, ]+) \|$", read_doc("areas.md"), re.M)
    documented = {}
    for levels, numbers in rows:
        for level, number in zip(re.findall(r"`(\w+)`", levels), numbers.split(", ")):
            documented[level] = int(number.replace(",", ""))
    assert len(documented) == 12
    assert documented == {level: counts[level] for level in documented}
