"""Live sources (Nomis, Fingertips, ONS): URLs, parsing of recorded real answers, the cache,
errors, and all-or-nothing storing.

No test touches the network: every request goes to a replay adapter that serves the
recorded answers in tests/data/recorded (see its README for where each came from) or a
synthetic failure, and fails the test on any other URL. Synthetic bodies and HTTP errors
are labelled SYNTHETIC below; they test error handling and carry no data.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from pathlib import Path

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from sqlalchemy import func, select

from lpip.db import make_engine, session_scope
from lpip.errors import (
    InvalidSourceQuery, InvalidSourceResponse, NoData, SourceRateLimited, SourceRequestFailed,
    SourceUnreachable, UnknownIndicator,
)
from lpip.evidence.models import Dataset, Indicator, IndicatorValue
from lpip.evidence.sources import fetch_nomis, fetch_ons, fetch_source, list_sources
from lpip.evidence.sources import client as source_client
from lpip.evidence.sources.base import IndicatorMeta, SourceQuery
from lpip.evidence.sources.fingertips import COLUMNS, fingertips_query, fingertips_url, parse_fingertips_csv
from lpip.evidence.sources.client import ResponseCache, SourceClient, retry_after
from lpip.evidence.sources.nomis import nomis_period, nomis_query, nomis_url, parse_nomis_csv
from lpip.evidence.sources.ons import ons_url, parse_ons_observations

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"
TOMBOLO_SELECT = "select=date_name,geography_name,geography_code,variable_name,measures_name,obs_value,obs_status_name"
# The queries Tombolo recorded (README): the same dimension filters, asked by lpip.
APS_EMPLOYMENT = dict(dataset="NM_17_5", geography=["TYPE463"], params={
    "variable": "45", "measures": "20599", "select": TOMBOLO_SELECT.split("=", 1)[1]})
JSA_SELECT = "date_name,geography_name,geography_code,measures_name,duration_name,sex_name,obs_value,obs_status_name"
JSA_COUNT = dict(dataset="NM_18_1", geography=["TYPE463"], params={
    "sex": "7", "age": "0", "duration": "0", "measures": "20100", "select": JSA_SELECT})
CPIH_DIMENSIONS = {"time": "*", "geography": "K02000001", "aggregate": "cpih1dim1A0"}


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


class Answer:
    """What the replay adapter sends back for one URL."""

    def __init__(self, body: bytes = b"", status: int = 200, headers: dict | None = None, raises=None):
        self.body, self.status, self.headers, self.raises = body, status, headers or {}, raises


class ReplayAdapter(BaseAdapter):
    """A requests transport that answers from a dict of URL -> Answer, never the network."""

    def __init__(self, answers: dict[str, Answer]):
        super().__init__()
        self.answers = {prepared(url): answer for url, answer in answers.items()}
        self.requested: list[str] = []

    def send(self, request, **kwargs):
        self.requested.append(request.url)
        answer = self.answers.get(request.url)
        if answer is None:
            raise AssertionError(f"the test did not expect a request for {request.url}")
        if answer.raises is not None:
            raise answer.raises
        response = requests.Response()
        response.status_code, response._content = answer.status, answer.body
        response.headers = CaseInsensitiveDict(answer.headers)
        response.reason = requests.status_codes._codes[answer.status][0].replace("_", " ").title()
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


def prepared(url: str) -> str:
    return requests.Request("GET", url).prepare().url


@pytest.fixture
def replay(monkeypatch, tmp_path):
    """``replay({url: Answer})`` routes every live-source request to those answers."""
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))

    def install(answers: dict[str, Answer]) -> ReplayAdapter:
        adapter = ReplayAdapter(answers)

        def new_session():
            session = requests.Session()
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            return session

        monkeypatch.setattr(source_client, "new_session", new_session)
        return adapter

    install({})  # a test that forgets to say what to answer fails instead of going online
    return install


def aps_url() -> str:
    return nomis_url(APS_EMPLOYMENT["dataset"], APS_EMPLOYMENT["geography"], "latest", APS_EMPLOYMENT["params"])


def counts(session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(IndicatorValue)),
            session.scalar(select(func.count()).select_from(Dataset)),
            session.scalar(select(func.count()).select_from(Indicator)))


# ----------------------------------------------------------------------------- URLs


def test_ons_url_is_the_url_the_recorded_answer_gives_for_itself():
    for name in ("ons_cpih01_observations.json", "ons_cpih01_observation_single.json"):
        document = json.loads(recorded(name))
        self_link = document["links"]["self"]["href"]
        dims = dict(pair.split("=") for pair in self_link.split("?")[1].split("&"))
        assert ons_url("cpih01", "time-series", 6, dims) == self_link


def test_nomis_url_carries_dataset_areas_dates_and_filters():
    url = nomis_url("nm_162_1", ["E08000025", "E08000026"], "latestMINUS12-latest",
                    {"gender": "0", "measures": "20100"})
    assert url == ("https://www.nomisweb.co.uk/api/v01/dataset/NM_162_1.data.csv?"
                   "geography=E08000025,E08000026&date=latestMINUS12-latest&gender=0&measures=20100")


def test_nomis_preset_query_uses_the_preset_filters_and_indicator():
    query = nomis_query(["E08000025"], preset="aps_employment_rate")
    assert "NM_17_5.data.csv" in query.url and "variable=45" in query.url
    assert "measures=20599,21001,21002,21003" in query.url
    assert query.indicator_id == "aps_employment_rate" and query.indicator.unit == "%"


def test_fingertips_url_has_the_documented_shape():
    # The shape fingertips_py (ukhsa-collaboration/PHDS_fingertips_py) builds for the same call.
    assert fingertips_url(90366, 501, 15) == (
        "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?"
        "indicator_ids=90366&child_area_type_id=501&parent_area_type_id=15")
    assert fingertips_query(preset="life_expectancy_female").url == fingertips_url(90366)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: nomis_url("162", ["E08000025"]), "not a Nomis dataset id"),
        (lambda: nomis_url("NM_162_1", []), "Say which areas to fetch"),
        (lambda: nomis_query(["E08000025"], preset="claimants"), "no Nomis preset 'claimants'"),
        (lambda: nomis_query(["E08000025"], dataset="NM_162_1"), "Say which indicator"),
        (lambda: nomis_query(["E08000025"]), "Give a preset"),
        (lambda: ons_url("cpih01", "time-series", 6, {"time": "*", "geography": "*"}), "only one dimension"),
        (lambda: ons_url("cpih01", "time-series", 6, {}), "one option for every dimension"),
        (lambda: fingertips_query(), "Give a preset"),
        (lambda: fingertips_query(indicator_id=90366), "Say which indicator"),
    ],
    ids=["nomis-bad-id", "nomis-no-geography", "nomis-unknown-preset", "nomis-no-indicator",
         "nomis-nothing", "ons-two-wildcards", "ons-no-dimensions", "fingertips-nothing",
         "fingertips-no-indicator"],
)
def test_incomplete_queries_say_what_to_add(build, match):
    with pytest.raises(InvalidSourceQuery, match=match):
        build()


def test_list_sources_names_every_preset():
    frame = list_sources()
    assert {"claimant_count", "aps_employment_rate", "ashe_median_weekly_pay", "business_counts",
            "life_expectancy_female"} <= set(frame["preset"])
    assert set(frame["source"]) == {"nomis", "fingertips", "ons"}


# ----------------------------------------------------------------------------- recorded answers


@pytest.mark.parametrize(
    "name",
    ["nomis_NM_18_1_jsa_count.csv", "nomis_NM_18_1_jsa_proportion.csv", "nomis_NM_134_1_esa_count.csv",
     "nomis_NM_17_5_aps_employment_rate.csv", "nomis_NM_17_5_aps_unemployment_rate.csv"],
    ids=["jsa-count", "jsa-proportion", "esa-count", "aps-employment", "aps-unemployment"],
)
def test_nomis_answers_parse_to_the_values_they_publish(name):
    # Independent reading: the csv module over the same recorded bytes.
    expected = list(csv.DictReader(io.StringIO(recorded(name).decode("utf-8"))))
    frame = parse_nomis_csv(recorded(name), "x")
    assert list(frame["area_code"]) == [row["GEOGRAPHY_CODE"] for row in expected]
    assert list(frame["value"]) == [float(row["OBS_VALUE"]) for row in expected]
    assert frame["status"].isna().all()  # every row says "Normal Value"
    assert frame[["lower_ci", "upper_ci", "numerator", "denominator"]].isna().all().all()


def test_nomis_published_figures():
    jsa = parse_nomis_csv(recorded("nomis_NM_18_1_jsa_count.csv"), "x").set_index("area_code")
    aps = parse_nomis_csv(recorded("nomis_NM_17_5_aps_employment_rate.csv"), "x")
    # Nomis NM_18_1, January 2018: 2,355 people in Barking and Dagenham claimed JSA.
    assert jsa.loc["E09000002", "value"] == 2355 and jsa.loc["E09000002", "period"] == "2018-01"
    # Nomis NM_17_5, Oct 2016-Sep 2017: employment rate 67% (the file was saved with a
    # Windows line ending, which must not leak into the value or status).
    assert aps.loc[0, "value"] == 67.0 and aps.loc[0, "period"] == "10/2016 - 09/2017"


def test_aps_periods_are_written_like_the_bundled_catalogue():
    import pandas as pd

    from lpip.bundled import LAD_INDICATORS, bundled_path

    bundled = pd.read_csv(bundled_path(LAD_INDICATORS), dtype=str)
    aps = bundled[bundled["indicator"] == "Aged 16 to 64 years employment rate (Great Britain)"]
    assert "10/2022 - 09/2023" in set(aps["period"])
    assert nomis_period("Oct 2022-Sep 2023") == "10/2022 - 09/2023"


@pytest.mark.parametrize(
    ("label", "period"),
    [("January 2018", "2018-01"), ("Dec 2017", "2017-12"), ("2017", "2017"),
     ("Jan 2017-Dec 2017", "01/2017 - 12/2017"), ("April 2019-March 2020", "April 2019-March 2020")],
    ids=["month", "short-month", "year", "aps-12-months", "other-shape-kept"],
)
def test_nomis_periods(label, period):
    assert nomis_period(label) == period


def test_cpih_annual_rates_match_the_published_inflation_rates():
    frame = parse_ons_observations(recorded("ons_cpih01_observations.json"), "cpih").set_index("period")
    assert set(frame["area_code"]) == {"K02000001"}

    def rate(month: str, year: int) -> float:
        return 100 * (frame.loc[f"{year}-{month}", "value"] / frame.loc[f"{year - 1}-{month}", "value"] - 1)

    # ONS "Consumer price inflation, UK" bulletins: CPIH 12-month rate 2.8% in September,
    # October and November 2017 and 2.3% in March 2018. Indices are published to one
    # decimal place, so rates recomputed from them can differ by up to about 0.1 points.
    for month, year, published in [("09", 2017, 2.8), ("10", 2017, 2.8), ("11", 2017, 2.8), ("03", 2018, 2.3)]:
        assert rate(month, year) == pytest.approx(published, abs=0.1)


def test_two_ons_answers_agree_on_march_2018():
    series = parse_ons_observations(recorded("ons_cpih01_observations.json"), "cpih")
    single = parse_ons_observations(recorded("ons_cpih01_observation_single.json"), "cpih")
    assert list(single["period"]) == ["2018-03"]  # the time option of the query, not of a row
    assert single.loc[0, "value"] == series.set_index("period").loc["2018-03", "value"] == 105.1


def test_fingertips_header_only_answer_reads_as_no_rows():
    # The header the Fingertips API writes, as asserted by its own tests (fingertips-open,
    # DataControllerTest.HeaderText); no data rows.
    header = ",".join(COLUMNS + ("Recent Trend", "Compared to England value or percentiles",
                                 "Compared to Region value or percentiles", "Time period Sortable",
                                 "New data", "Compared to goal"))
    frame = parse_fingertips_csv(header.encode() + b"\n", "life_expectancy_female", sex="Female")
    assert frame.empty and "lower_ci" in frame.columns


# ----------------------------------------------------------------------------- malformed answers


@pytest.mark.parametrize(
    ("parse", "body", "match"),
    [
        # SYNTHETIC bodies: what a broken service or a changed format might send.
        (lambda b: parse_nomis_csv(b, "x"), b"<html><body>Service unavailable</body></html>", "is not CSV"),
        (lambda b: parse_nomis_csv(b, "x"), b"", "cannot be read as CSV"),
        (lambda b: parse_nomis_csv(b, "x"), b'"AREA","NUMBER"\n"E08000025","1"\n', "lacks the column"),
        (lambda b: parse_nomis_csv(b, "x"),
         recorded("nomis_NM_18_1_jsa_count.csv").replace(b",2355,", b",23x5,"), "'23x5' is not a number"),
        (lambda b: parse_fingertips_csv(b, "x"), b"<!DOCTYPE html><html></html>", "is not CSV"),
        (lambda b: parse_fingertips_csv(b, "x"), b'"Area Code","Value"\n"E08000025","1"\n', "Indicator ID, Time period"),
        (lambda b: parse_ons_observations(b, "x"), b"not json at all", "is not JSON"),
        (lambda b: parse_ons_observations(b, "x"), b'{"items": []}', "no list of 'observations'"),
        (lambda b: parse_ons_observations(b, "x"), b'{"observations": [{"dimensions": {}}]}', "no 'observation' value"),
        (lambda b: parse_ons_observations(b, "x"), b'{"observations": [{"observation": {"a": 1}}]}', "not a number"),
        (lambda b: parse_ons_observations(b, "x"), b'{"observations": [{"observation": "1"}]}', "no geography dimension"),
    ],
    ids=["nomis-html", "nomis-empty", "nomis-wrong-columns", "nomis-bad-number", "fingertips-html",
         "fingertips-wrong-columns", "ons-not-json", "ons-no-observations", "ons-no-value",
         "ons-object-value", "ons-no-geography"],
)
def test_malformed_answers_are_refused_with_a_reason(parse, body, match):
    with pytest.raises(InvalidSourceResponse, match=match) as caught:
        parse(body)
    assert "Nothing was written" in str(caught.value)


def test_nomis_answer_cut_short_is_refused():
    # SYNTHETIC: a row claiming the full answer had 30,000 rows.
    body = b'"DATE_NAME","GEOGRAPHY_CODE","OBS_VALUE","RECORD_COUNT"\n"January 2018","E09000002",1,30000\n'
    with pytest.raises(InvalidSourceResponse, match="cut at 1 of 30,000 rows"):
        parse_nomis_csv(body, "x")


def test_nomis_answer_with_two_values_for_one_area_is_refused():
    # The two recorded JSA answers, one after the other (one measure each), read as one answer
    # without saying which measure is which: ambiguous, so refused.
    count = recorded("nomis_NM_18_1_jsa_count.csv").decode()
    proportion = recorded("nomis_NM_18_1_jsa_proportion.csv").decode().split("\n", 1)[1]
    with pytest.raises(InvalidSourceResponse, match="mixes measures"):
        parse_nomis_csv((count + "\n" + proportion).encode(), "x")


# ----------------------------------------------------------------------------- the client


def test_offline_fetch_says_so_and_writes_nothing(replay, sqlite_url):
    replay({aps_url(): Answer(raises=requests.ConnectionError("Name or service not known"))})
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        before = counts(session)
    with pytest.raises(SourceUnreachable) as caught, session_scope(engine) as session:
        fetch_nomis(session, indicator="employment_rate", **APS_EMPLOYMENT)
    assert str(caught.value) == (
        "Could not reach www.nomisweb.co.uk: no network connection. Nothing was written. "
        "Try again when online, or use a cached response.")
    with session_scope(engine) as session:
        assert counts(session) == before
    engine.dispose()


def test_timeout_is_reported_as_unreachable(replay):
    replay({aps_url(): Answer(raises=requests.ReadTimeout("read timed out"))})
    with pytest.raises(SourceUnreachable, match="www.nomisweb.co.uk: the request timed out"):
        fetch_nomis(None, indicator="employment_rate", **APS_EMPLOYMENT)


@pytest.mark.parametrize(
    ("headers", "wait"),
    [({"Retry-After": "120"}, "Wait 120 seconds"),
     ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, "Wait until 2015-10-21 07:28:00 UTC"),
     ({}, "Wait a minute")],
    ids=["seconds", "http-date", "unsaid"],
)
def test_rate_limit_says_how_long_to_wait(replay, headers, wait):
    # SYNTHETIC: HTTP 429 answers.
    replay({aps_url(): Answer(b"Too many requests", status=429, headers=headers)})
    with pytest.raises(SourceRateLimited, match=wait) as caught:
        fetch_nomis(None, indicator="employment_rate", **APS_EMPLOYMENT)
    assert "www.nomisweb.co.uk is refusing requests because too many were sent (HTTP 429)" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "hint"),
    [(404, "Check the dataset, geography"), (403, "may need a registered key"), (503, "try again later")],
    ids=["not-found", "forbidden", "unavailable"],
)
def test_http_errors_name_the_status_and_a_fix(replay, status, hint):
    # SYNTHETIC: HTTP error answers.
    replay({aps_url(): Answer(b"error", status=status)})
    with pytest.raises(SourceRequestFailed, match=f"HTTP {status}") as caught:
        fetch_nomis(None, indicator="employment_rate", **APS_EMPLOYMENT)
    assert hint in str(caught.value) and "Nothing was written" in str(caught.value)


def test_retry_after_ignores_nonsense():
    assert retry_after("soon") == "a minute"
    assert retry_after("1") == "1 second"


def test_answers_are_cached_and_refresh_bypasses_the_cache(replay, tmp_path):
    body = recorded("nomis_NM_17_5_aps_employment_rate.csv")
    adapter = replay({aps_url(): Answer(body)})
    first = fetch_nomis(None, indicator="employment_rate", **APS_EMPLOYMENT)
    assert not first.from_cache and len(adapter.requested) == 1
    # Now offline: the cached answer serves, with its original retrieval time.
    replay({aps_url(): Answer(raises=requests.ConnectionError("offline"))})
    second = fetch_nomis(None, indicator="employment_rate", **APS_EMPLOYMENT)
    assert second.from_cache and second.retrieved_at == first.retrieved_at
    assert second.sha256 == hashlib.sha256(body).hexdigest()
    with pytest.raises(SourceUnreachable, match="A cached response from .* exists: run again without --refresh"):
        fetch_nomis(None, indicator="employment_rate", refresh=True, **APS_EMPLOYMENT)


def test_malformed_answers_are_not_cached(replay, tmp_path):
    replay({aps_url(): Answer(b"<html>maintenance</html>")})  # SYNTHETIC
    with pytest.raises(InvalidSourceResponse):
        fetch_nomis(None, indicator="employment_rate", **APS_EMPLOYMENT)
    assert ResponseCache().get(aps_url()) is None


def test_damaged_cache_files_are_ignored(tmp_path):
    cache = ResponseCache(tmp_path)
    client = SourceClient(session=requests.Session(), cache=cache)
    from datetime import datetime, timezone

    response = source_client.Response("https://example.invalid/x", b"abc", datetime.now(timezone.utc))
    client.remember(response)
    assert cache.get(response.url).body == b"abc"
    next(tmp_path.glob("*.body")).write_bytes(b"abX")
    assert cache.get(response.url) is None


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert source_client.default_cache_dir() == tmp_path / "elsewhere"


# ----------------------------------------------------------------------------- storing


def test_fetch_stores_values_with_provenance(replay, db_url):
    body = recorded("nomis_NM_17_5_aps_employment_rate.csv")
    replay({aps_url(): Answer(body)})
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = fetch_nomis(session, indicator="employment_rate", **APS_EMPLOYMENT)
    assert report.written == 1 and report.replaced == 0 and not report.skipped_areas
    with session_scope(engine) as session:
        value = session.scalar(select(IndicatorValue).where(
            IndicatorValue.indicator_id == "employment_rate", IndicatorValue.area_code == "E09000002",
            IndicatorValue.period == "10/2016 - 09/2017"))
        dataset = session.get(Dataset, value.dataset_id)
        assert value.value == 67.0
        assert dataset.location == aps_url() and dataset.rows == 1
        assert dataset.sha256 == hashlib.sha256(body).hexdigest()
        assert dataset.publisher == "Office for National Statistics (Nomis)" and dataset.licence == "OGL-UK-3.0"
        assert "retrieved" in dataset.title and "10/2016 - 09/2017" in dataset.title
        before = counts(session)
    # The same answer again changes nothing.
    with session_scope(engine) as session:
        again = fetch_nomis(session, indicator="employment_rate", **APS_EMPLOYMENT)
        assert again.already_loaded and counts(session) == before
    engine.dispose()


def test_a_fetched_value_replaces_the_stored_one_for_the_same_area_and_period(replay, sqlite_url):
    replay({aps_url(): Answer(recorded("nomis_NM_17_5_aps_employment_rate.csv"))})
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        session.add(IndicatorValue(indicator_id="employment_rate", area_code="E09000002",
                                   period="10/2016 - 09/2017", value=1.0))
    with session_scope(engine) as session:
        report = fetch_nomis(session, indicator="employment_rate", **APS_EMPLOYMENT)
    assert report.replaced == 1
    with session_scope(engine) as session:
        values = session.scalars(select(IndicatorValue.value).where(
            IndicatorValue.indicator_id == "employment_rate", IndicatorValue.area_code == "E09000002",
            IndicatorValue.period == "10/2016 - 09/2017")).all()
    assert values == [67.0]
    engine.dispose()


def test_a_new_indicator_is_created_from_its_metadata(replay, sqlite_url):
    url = nomis_url(JSA_COUNT["dataset"], JSA_COUNT["geography"], "latest", JSA_COUNT["params"])
    replay({url: Answer(recorded("nomis_NM_18_1_jsa_count.csv"))})
    query = SourceQuery(
        source="nomis", key="NM_18_1", url=url, title="Nomis NM_18_1", publisher="Office for National Statistics (Nomis)",
        licence="OGL-UK-3.0", indicator_id="jsa_claimants",
        indicator=IndicatorMeta("Jobseeker's Allowance claimants", "labour market", "persons",
                                "lower is better", "count", "DWP, Nomis NM_18_1"),
        parse=lambda body: parse_nomis_csv(body, "jsa_claimants"),
    )
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        report = fetch_source(session, query)
    with session_scope(engine) as session:
        indicator = session.get(Indicator, "jsa_claimants")
        stored = dict(session.execute(select(IndicatorValue.area_code, IndicatorValue.value)
                                      .where(IndicatorValue.indicator_id == "jsa_claimants")).all())
    assert indicator.origin == "user" and indicator.levels == "lad" and indicator.unit == "persons"
    assert stored == {"E09000001": 25.0, "E09000002": 2355.0} and report.written == 2
    engine.dispose()


def test_unknown_indicator_is_refused_before_any_download(replay, sqlite_url):
    adapter = replay({aps_url(): Answer(recorded("nomis_NM_17_5_aps_employment_rate.csv"))})
    engine = make_engine(sqlite_url)
    with pytest.raises(UnknownIndicator, match="no indicator 'aps_rate'"), session_scope(engine) as session:
        fetch_nomis(session, indicator="aps_rate", **APS_EMPLOYMENT)
    assert adapter.requested == []
    engine.dispose()


def test_answer_for_areas_outside_lpip_writes_nothing(replay, sqlite_url):
    url = ons_url("cpih01", "time-series", 6, CPIH_DIMENSIONS)
    replay({url: Answer(recorded("ons_cpih01_observations.json"))})
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        before = counts(session)
    with pytest.raises(NoData, match=r"none of its 1 areas are in lpip's geography \(e.g. K02000001\)"), \
            session_scope(engine) as session:
        fetch_ons(session, "cpih01", "time-series", 6, CPIH_DIMENSIONS, indicator="employment_rate")
    with session_scope(engine) as session:
        assert counts(session) == before
    engine.dispose()


def test_dry_run_parses_without_a_database(replay):
    url = ons_url("cpih01", "time-series", 6, CPIH_DIMENSIONS)
    replay({url: Answer(recorded("ons_cpih01_observations.json"))})
    report = fetch_ons(None, "cpih01", "time-series", 6, CPIH_DIMENSIONS, indicator="cpih")
    assert not report.stored and len(report.frame) == 13
    assert report.release == "cpih01 edition time-series, version 6"


def test_a_failure_while_writing_leaves_nothing_behind(replay, sqlite_url, monkeypatch):
    url = nomis_url(JSA_COUNT["dataset"], JSA_COUNT["geography"], "latest", JSA_COUNT["params"])
    replay({url: Answer(recorded("nomis_NM_18_1_jsa_count.csv"))})
    query = nomis_query(indicator="jsa_claimants", **JSA_COUNT)
    query = dataclasses.replace(query, indicator=IndicatorMeta(
        "Jobseeker's Allowance claimants", "labour market", "persons", "lower is better", "count", "Nomis NM_18_1"))

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk full")  # SYNTHETIC failure after the indicator and dataset rows

    monkeypatch.setattr("lpip.evidence.sources.load.bulk_insert", broken_insert)
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        before = counts(session)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        fetch_source(session, query)
    with session_scope(engine) as session:
        assert counts(session) == before
        assert session.get(Indicator, "jsa_claimants") is None
    engine.dispose()
