"""`lpip sources`: list presets, fetch into the database, and clear errors (exit 2) when the
source is unreachable, rate-limited or answers nonsense, with nothing written.

Requests never reach the network: they go to a replay adapter serving the recorded real
answers in tests/data/recorded, or SYNTHETIC failures (labelled where used).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from lpip.evidence.sources import client as source_client
from lpip.evidence.sources.nomis import nomis_url
from lpip.evidence.sources.ons import ons_url

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"
SELECT = "date_name,geography_name,geography_code,variable_name,measures_name,obs_value,obs_status_name"
APS_ARGS = ["sources", "fetch", "nomis", "--dataset", "NM_17_5", "--geography", "TYPE463",
            "--param", "variable=45", "--param", "measures=20599", "--param", f"select={SELECT}",
            "--indicator", "employment_rate"]
APS_URL = nomis_url("NM_17_5", ["TYPE463"], "latest", {"variable": "45", "measures": "20599", "select": SELECT})
CPIH = {"time": "*", "geography": "K02000001", "aggregate": "cpih1dim1A0"}
ONS_ARGS = ["sources", "fetch", "ons", "--dataset", "cpih01", "--version", "6",
            *[arg for name, option in CPIH.items() for arg in ("--dim", f"{name}={option}")]]


class Replay(BaseAdapter):
    """Answers requests from a dict of URL -> (status, body, headers) or an exception."""

    def __init__(self, answers):
        super().__init__()
        self.answers = {requests.Request("GET", url).prepare().url: a for url, a in answers.items()}

    def send(self, request, **kwargs):
        answer = self.answers.get(request.url)
        if answer is None:
            raise AssertionError(f"the test did not expect a request for {request.url}")
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        response = requests.Response()
        response.status_code, response._content = status, body
        response.headers, response.url, response.request = CaseInsensitiveDict(headers), request.url, request
        return response

    def close(self):
        pass


@pytest.fixture
def replay(monkeypatch, tmp_path):
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))

    def install(answers):
        adapter = Replay(answers)

        def new_session():
            session = requests.Session()
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            return session

        monkeypatch.setattr(source_client, "new_session", new_session)

    install({})
    return install


def aps_answer():
    return (200, (RECORDED / "nomis_NM_17_5_aps_employment_rate.csv").read_bytes(), {})


def employment_periods(cli) -> set[str]:
    info = json.loads(cli("indicators", "show", "employment_rate", "--json").output)
    return {row["period"] for row in info["values"]}


def test_list_shows_the_presets(cli):
    result = cli("sources", "list", "--format", "csv")
    assert result.exit_code == 0
    for preset in ("claimant_count", "aps_employment_rate", "ashe_median_weekly_pay", "business_counts",
                   "life_expectancy_female"):
        assert preset in result.output


def test_fetch_nomis_writes_values_and_says_so(cli, replay):
    replay({APS_URL: aps_answer()})
    assert "10/2016 - 09/2017" not in employment_periods(cli)
    result = cli(*APS_ARGS)
    assert result.exit_code == 0, result.output
    assert "Wrote 1 values to employment_rate (replaced 0)" in result.output
    assert "10/2016 - 09/2017" in employment_periods(cli)
    again = cli(*APS_ARGS)
    assert "cached answer" in again.output and "Nothing to do: this answer is already stored" in again.output


def test_dry_run_prints_rows_and_writes_nothing(cli, replay):
    replay({APS_URL: aps_answer()})
    result = cli(*APS_ARGS, "--dry-run", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "E09000002,employment_rate,10/2016 - 09/2017,67.0" in result.output
    assert "10/2016 - 09/2017" not in employment_periods(cli)


def test_fetch_ons_dry_run_reads_the_recorded_answer(cli, replay):
    replay({ons_url("cpih01", "time-series", 6, CPIH): (200, (RECORDED / "ons_cpih01_observations.json").read_bytes(), {})})
    result = cli(*ONS_ARGS, "--indicator", "cpih", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output[result.output.index("["):])
    assert len(rows) == 13 and {"period": "2018-03", "value": 105.1}.items() <= rows[-1].items()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (requests.ConnectionError("Name or service not known"),
         "Error: Could not reach www.nomisweb.co.uk: no network connection. Nothing was written. "
         "Try again when online, or use a cached response."),
        # SYNTHETIC failures below: a rate limit, a server error and an HTML page.
        ((429, b"slow down", {"Retry-After": "30"}),
         "Error: www.nomisweb.co.uk is refusing requests because too many were sent (HTTP 429). "
         "Nothing was written. Wait 30 seconds and try again."),
        ((500, b"oops", {}), "answered HTTP 500"),
        ((200, b"<html>maintenance</html>", {}), "is not CSV"),
    ],
    ids=["offline", "rate-limited", "server-error", "malformed"],
)
def test_failures_exit_2_with_a_message_and_write_nothing(cli, replay, answer, message):
    replay({APS_URL: answer})
    before = employment_periods(cli)
    result = cli(*APS_ARGS)
    assert result.exit_code == 2
    assert " ".join(message.split()) in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert employment_periods(cli) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sources", "fetch", "fingertips"], "Give a preset"),
        (["sources", "fetch", "nomis", "--geography", "E08000025", "--preset", "nope"], "no Nomis preset 'nope'"),
        (APS_ARGS[:-1] + ["no_such_indicator"], "There is no indicator 'no_such_indicator'"),
        (APS_ARGS + ["--param", "measures"], "'measures' is not NAME=VALUE"),
        (ONS_ARGS + ["--dim", "aggregate=*", "--indicator", "cpih"], "only one dimension be '*'"),
    ],
    ids=["fingertips-nothing", "unknown-preset", "unknown-indicator", "bad-param", "two-wildcards"],
)
def test_bad_requests_exit_2_before_any_download(cli, replay, args, message):
    replay({})  # any request would fail the test
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.parametrize("command", [["list"], ["fetch"], ["fetch", "nomis"], ["fetch", "fingertips"], ["fetch", "ons"]],
                         ids=["list", "fetch", "nomis", "fingertips", "ons"])
def test_every_command_has_help(cli, command):
    result = cli("sources", *command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
