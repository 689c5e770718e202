"""`lpip init` / `init_db`: a fresh database gets schema and data, once, all or nothing."""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import delete, func, select

from lpip.bundled import bundle_fingerprint, bundled_path
from lpip.config import load_settings
from lpip.db import current_revision, head_revision, make_engine, session_scope
from lpip.errors import BundledDataMissing
from lpip.evidence import bundle
from lpip.evidence.catalogue import bundled_catalogue
from lpip.evidence.models import Dataset, Indicator, IndicatorValue
from lpip.geography.models import Area, AreaLink
from lpip.initdb import init_db

# Published counts for England (ONS Open Geography Portal, 2011 statistical geographies and
# December 2019 LADs): 32,844 LSOAs, 6,791 MSOAs, 317 local authority districts, 9 regions.
ENGLAND_COUNTS = {"lsoa": 32_844, "msoa": 6_791, "lad": 317, "region": 9, "country": 1}
MISSING_FILE = "fuel_poverty_2017_lsoa_england_DELETED.csv.gz"


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return {
                model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Area, AreaLink, Indicator, IndicatorValue, Dataset)
            }
    finally:
        engine.dispose()


def _bundled_dataset(session) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.name == "bundled"))


def _lose_fuel_poverty_file(monkeypatch) -> None:
    """Make the loader fail half-way: the fuel poverty file (an LSOA indicator, after the
    district indicators in catalogue order) is missing from the installation."""
    monkeypatch.setitem(bundle.READERS, "fuel_poverty", lambda: pd.read_csv(bundled_path(MISSING_FILE)))


# ---------------------------------------------------------------- a fresh database


def _run_cli(*args: str):
    from typer.testing import CliRunner

    from lpip.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_cli_init_creates_schema_and_loads_the_bundle(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'lpip.sqlite'}"
    result = _run_cli("init", "--database", url)
    assert result.exit_code == 0, result.output
    assert "Database ready at" in result.output
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        with session_scope(engine) as session:
            levels = dict(session.execute(select(Area.level, func.count()).group_by(Area.level)).all())
            dataset = _bundled_dataset(session)
            values = session.scalar(select(func.count()).select_from(IndicatorValue))
            indicators = session.scalar(select(func.count()).select_from(Indicator))
    finally:
        engine.dispose()
    assert {level: levels[level] for level in ENGLAND_COUNTS} == ENGLAND_COUNTS
    assert dataset.sha256 == bundle_fingerprint()
    assert dataset.rows == values > 1_000_000
    assert indicators == len(bundled_catalogue())
    assert f"Indicator values: {values:,}" in result.output


def test_loaded_database_matches_the_bundle(session):
    dataset = _bundled_dataset(session)
    assert dataset.sha256 == bundle_fingerprint()
    assert dataset.licence == "OGL-UK-3.0"
    levels = dict(session.execute(select(Area.level, func.count()).group_by(Area.level)).all())
    assert {level: levels[level] for level in ENGLAND_COUNTS} == ENGLAND_COUNTS
    ids = set(session.scalars(select(Indicator.id)))
    assert ids == {spec.id for spec in bundled_catalogue()}


def test_values_count_is_the_sum_of_per_indicator_rows(session):
    per_indicator = dict(
        session.execute(select(IndicatorValue.indicator_id, func.count()).group_by(IndicatorValue.indicator_id)).all()
    )
    total = session.scalar(select(func.count()).select_from(IndicatorValue))
    assert total == sum(per_indicator.values()) == _bundled_dataset(session).rows
    bundled = session.scalar(
        select(func.count()).select_from(IndicatorValue).where(IndicatorValue.dataset_id == _bundled_dataset(session).id)
    )
    assert bundled == total


def test_every_lsoa_indicator_covers_every_lsoa_in_england(session):
    # IoD2019 and the fuel poverty statistics are published for all 32,844 LSOAs (2011).
    lsoa_ids = [spec.id for spec in bundled_catalogue() if spec.levels == ("lsoa",)]
    counts = dict(
        session.execute(
            select(IndicatorValue.indicator_id, func.count())
            .where(IndicatorValue.indicator_id.in_(lsoa_ids))
            .group_by(IndicatorValue.indicator_id)
        ).all()
    )
    assert counts == {indicator_id: 32_844 for indicator_id in lsoa_ids}


def _expected_district_rows(shared_data, known: set[str]) -> dict[str, int]:
    """Rows per tidy-file indicator, computed from the shared (uncompressed) source file."""
    tidy = pd.read_csv(shared_data / "indicators_lad_tidy.csv", dtype=str, keep_default_na=False)
    tidy["number"] = pd.to_numeric(tidy["value"].str.replace(",", "", regex=False), errors="coerce")
    with open(bundled_path("indicators.toml"), "rb") as handle:
        entries = tomllib.load(handle)["indicator"]
    expected = {}
    for entry in entries:
        if any(series["file"] != "lad_tidy" for series in entry["series"]):
            continue
        parts = [tidy[(tidy["source"] == s["source"]) & (tidy["indicator"] == s["name"])] for s in entry["series"]]
        rows = pd.concat(parts).drop_duplicates(["area_code", "period"])
        rows = rows[rows["area_code"].isin(known) & rows["number"].notna()]
        expected[entry["id"]] = len(rows)
    return expected


def test_district_indicator_rows_match_an_independent_count(session, shared_data):
    known = set(session.scalars(select(Area.code)))
    expected = _expected_district_rows(shared_data, known)
    got = dict(
        session.execute(
            select(IndicatorValue.indicator_id, func.count())
            .where(IndicatorValue.indicator_id.in_(list(expected)))
            .group_by(IndicatorValue.indicator_id)
        ).all()
    )
    assert got == expected


# ---------------------------------------------------------------- running it again


def test_second_init_changes_nothing(db_url):
    before = _counts(db_url)
    result = init_db(load_settings(db_url))
    assert not result.changed
    assert not result.loaded
    assert result.schema_before == result.schema_after == head_revision()
    assert result.summary["values"] == before["indicator_value"]
    assert _counts(db_url) == before


def test_cli_second_init_says_nothing_to_do(cli, session):
    values = session.scalar(select(func.count()).select_from(IndicatorValue))
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert "Nothing to do" in result.output
    assert f"Indicator values: {values:,}" in result.output


# ---------------------------------------------------------------- a changed bundle

# Birmingham's usual resident population as first published by ONS (Census 2021 first results,
# 28 June 2022, rounded to the nearest 100: 1,144,900; Birmingham City Council's "Population and
# census" page quotes it). The bundled source has 1,140,300 for it (see tests/evidence/test_catalogue.py),
# so a user importing the published figure is a realistic case.
FIRST_RELEASE = dict(area_code="E08000025", period="2021", value=1_144_900.0)
USER_DATASET = "user: census 2021 first results"


def _add_user_data(session) -> None:
    """What a user import leaves: a user indicator with a value, and a corrected value for an
    indicator lpip ships (replacing the bundled value for the same area and period)."""
    dataset = Dataset(name=USER_DATASET, title="Census 2021 first results", rows=2, loaded_at=datetime.now(timezone.utc))
    session.add(dataset)
    session.add(
        Indicator(
            id="population_first_release", title="Usual resident population, Census 2021 first results",
            theme="population", unit="persons", polarity="no judgement", value_type="count",
            source="ONS Census 2021 first results", publisher="Office for National Statistics",
            licence="OGL-UK-3.0", levels="lad", origin="user",
        )
    )
    session.execute(
        delete(IndicatorValue).where(
            IndicatorValue.indicator_id == "population_census",
            IndicatorValue.area_code == FIRST_RELEASE["area_code"],
            IndicatorValue.period == FIRST_RELEASE["period"],
        )
    )
    session.flush()
    for indicator_id in ("population_first_release", "population_census"):
        session.add(IndicatorValue(indicator_id=indicator_id, dataset_id=dataset.id, **FIRST_RELEASE))


def _values_by_indicator(session, dataset_id: int) -> dict[str, int]:
    return dict(
        session.execute(
            select(IndicatorValue.indicator_id, func.count())
            .where(IndicatorValue.dataset_id == dataset_id)
            .group_by(IndicatorValue.indicator_id)
        ).all()
    )


def test_changed_bundle_reloads_and_keeps_user_data(db_url, monkeypatch):
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            old = _values_by_indicator(session, _bundled_dataset(session).id)
            _add_user_data(session)
        # A smaller catalogue keeps the reload quick; what matters is what is kept and dropped.
        kept = [spec for spec in bundled_catalogue() if spec.id in {"population_census", "imd_rank", "gva_per_hour"}]
        monkeypatch.setattr(bundle, "bundled_catalogue", lambda: kept)
        monkeypatch.setattr("lpip.initdb.bundle_fingerprint", lambda: "f" * 64)
        result = init_db(load_settings(db_url))
        assert result.loaded and result.changed
        with session_scope(engine) as session:
            dataset = _bundled_dataset(session)
            assert dataset.sha256 == "f" * 64
            reloaded = _values_by_indicator(session, dataset.id)
            # The bundled value for Birmingham 2021 is not loaded over the user's.
            assert reloaded == {**{spec.id: old[spec.id] for spec in kept}, "population_census": old["population_census"] - 1}
            assert dataset.rows == sum(reloaded.values())
            user_dataset = session.scalar(select(Dataset).where(Dataset.name == USER_DATASET))
            assert _values_by_indicator(session, user_dataset.id) == {"population_first_release": 1, "population_census": 1}
            birmingham = session.scalar(
                select(IndicatorValue.value).where(
                    IndicatorValue.indicator_id == "population_census",
                    IndicatorValue.area_code == "E08000025", IndicatorValue.period == "2021",
                )
            )
            assert birmingham == FIRST_RELEASE["value"]
            assert session.get(Indicator, "population_first_release").origin == "user"
            # Indicators dropped from the bundle go, with their bundled values.
            assert session.get(Indicator, "fuel_poverty") is None
            assert session.scalar(select(func.count()).select_from(Indicator)) == len(kept) + 1
    finally:
        engine.dispose()


# ---------------------------------------------------------------- all or nothing


def test_init_failing_half_way_stores_nothing(empty_db_url, monkeypatch):
    written: list[tuple[str, int]] = []
    real_bulk_insert = bundle.bulk_insert

    def recording_bulk_insert(session, table, rows):
        count = real_bulk_insert(session, table, rows)
        written.append((table.name, count))
        return count

    monkeypatch.setattr(bundle, "bulk_insert", recording_bulk_insert)
    _lose_fuel_poverty_file(monkeypatch)
    result = _run_cli("init", "--database", empty_db_url)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert MISSING_FILE in result.stderr and "Reinstall lpip" in result.stderr
    assert "Traceback" not in result.output
    # It failed half-way: values had been written (in the same transaction) before the error.
    assert sum(count for table, count in written if table == "indicator_value") > 10_000
    counts = _counts(empty_db_url)
    assert counts == {"area": 0, "area_link": 0, "indicator": 0, "indicator_value": 0, "dataset": 0}


def test_failed_reload_keeps_the_previous_bundle(db_url, monkeypatch):
    before = _counts(db_url)
    _lose_fuel_poverty_file(monkeypatch)
    monkeypatch.setattr("lpip.initdb.bundle_fingerprint", lambda: "e" * 64)
    with pytest.raises(BundledDataMissing):
        init_db(load_settings(db_url))
    assert _counts(db_url) == before
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            assert _bundled_dataset(session).sha256 == bundle_fingerprint()
    finally:
        engine.dispose()


# ---------------------------------------------------------------- an init that did not finish

NOT_FINISHED = "was not fully initialised: run lpip init again"


def test_commands_name_an_init_that_failed_half_way(empty_db_url, monkeypatch):
    _lose_fuel_poverty_file(monkeypatch)
    assert _run_cli("init", "--database", empty_db_url).exit_code == 2
    monkeypatch.undo()
    for args in (("areas", "list"), ("indicators", "list"), ("areas", "show", "E12000005"),
                 ("workshops", "list"), ("data", "export", "--indicator", "imd_score")):
        result = _run_cli(*args, "--database", empty_db_url)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("Error: ") and NOT_FINISHED in result.stderr, (args, result.output)
        assert "not a known area" not in result.output


def test_the_web_app_names_an_init_that_did_not_finish(empty_db_url, monkeypatch):
    from lpip.config import Settings
    from lpip.errors import DatabaseNotReady
    from lpip.web import create_app

    _lose_fuel_poverty_file(monkeypatch)
    with pytest.raises(BundledDataMissing):
        init_db(load_settings(empty_db_url))
    with pytest.raises(DatabaseNotReady, match=NOT_FINISHED):
        create_app(Settings(database_url=empty_db_url, secret_key="test-secret-" + "x" * 40))


@pytest.mark.slow
def test_an_init_killed_half_way_is_named_and_init_again_finishes(tmp_path):
    """A real interruption: `lpip init` is killed (SIGKILL, no clean-up) while it loads the bundle."""
    import signal
    import subprocess
    import sys
    import time

    url = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    init = subprocess.Popen([sys.executable, "-c", "from lpip.cli import main; main()", "init", "--database", url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = make_engine(url)
    try:
        # Wait until the schema is complete (the bundle load runs after it), then kill.
        while current_revision(engine) != head_revision():
            assert init.poll() is None, "init ended before it could be interrupted"
            time.sleep(0.2)
        time.sleep(1.0)
        assert init.poll() is None, "init finished too quickly to be interrupted"
        init.send_signal(signal.SIGKILL)
        init.wait(timeout=60)
    finally:
        engine.dispose()
    result = _run_cli("areas", "show", "E12000005", "--database", url)
    assert result.exit_code == 2 and NOT_FINISHED in result.stderr, result.output
    again = _run_cli("init", "--database", url)
    assert again.exit_code == 0, again.output
    assert _run_cli("areas", "show", "E12000005", "--database", url).exit_code == 0
