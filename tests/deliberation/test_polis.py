"""Reading pol.is open-data exports: the two real conversations, and each kind of bad folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from lpip.deliberation.polis import POLIS_ATTRIBUTION, read_polis_export
from lpip.errors import InvalidPolisExport

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"

# Published figures: ../shared/data/polis/SOURCES.md, counted from the compdemocracy/openData files
# (and, for biodiversity, the conversation's own description: "29,802 votes", "443 people ...
# assigned to an opinion group").
CONVERSATIONS = {
    "scoop-hivemind.biodiversity": {
        "comments": 316, "votes": 29_802, "participants": 536, "groups": {0: 72, 1: 371},
        "rejected": 162, "superseded": 83, "format": "older", "url": "https://pol.is/3atycmhmer",
    },
    "bg2050-volunteers": {
        "comments": 371, "votes": 14_341, "participants": 126, "groups": {0: 100, 1: 8},
        "rejected": 55, "superseded": 58, "format": "newer", "url": "https://pol.is/3nemnipcrc",
    },
}


@pytest.fixture(scope="module", params=list(CONVERSATIONS), ids=list(CONVERSATIONS))
def conversation(request):
    folder = POLIS_DATA / request.param
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    return request.param, folder, read_polis_export(folder)


@pytest.fixture
def bg2050_copy(shared_data, tmp_path):
    """A private copy of the bg2050 export that a test may break."""
    folder = tmp_path / "bg2050"
    shutil.copytree(shared_data / "polis" / "bg2050-volunteers", folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_counts_match_the_published_figures(conversation):
    name, _, export = conversation
    expected = CONVERSATIONS[name]
    assert len(export.statements) == expected["comments"]
    assert len(export.votes) == expected["votes"]
    assert len(export.participants) == expected["participants"]
    assert export.participants["group"].value_counts().to_dict() == expected["groups"]
    assert int((export.statements["moderated"] == -1).sum()) == expected["rejected"]
    assert export.format == expected["format"]
    assert export.url == expected["url"]


def test_votes_keep_the_export_sign_agree_is_one(conversation):
    # comments.csv `agrees`/`disagrees` count every vote row with 1 / -1 (SOURCES.md); read the
    # file independently and check the votes we read agree with it for every comment.
    _, folder, export = conversation
    comments = pd.read_csv(folder / "comments.csv").set_index("comment-id")
    counts = export.votes.groupby("statement")["vote"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(comments.index, fill_value=0)
    assert (counts[1] == comments["agrees"]).all()
    assert (counts[-1] == comments["disagrees"]).all()


def test_re_votes_are_kept_for_the_analysis_to_resolve(conversation):
    name, _, export = conversation
    superseded = export.votes.duplicated(["participant", "statement"]).sum()
    assert superseded == CONVERSATIONS[name]["superseded"]


def test_newer_format_brings_pol_is_group_informed_consensus(conversation):
    name, _, export = conversation
    if CONVERSATIONS[name]["format"] == "older":
        assert "group_informed_consensus" not in export.statements
    else:
        values = export.statements["group_informed_consensus"]
        assert values.notna().all() and values.between(0, 1).all()
        assert export.statements["is_meta"].sum() == 1  # SOURCES.md: one seed comment is also meta


def test_attribution_names_the_licence_and_the_conversation(conversation):
    _, _, export = conversation
    text = export.attribution()
    assert text.startswith(POLIS_ATTRIBUTION)
    assert "The Computational Democracy Project" in text and "CC BY 4.0" in text
    assert export.url in text


def test_prefixed_file_names_from_the_report_page_are_found(bg2050_copy):
    prefix = "2024-10-09-0000-3nemnipcrc-"
    for path in list(bg2050_copy.iterdir()):
        name = "participant-votes.csv" if path.name == "participants-votes.csv" else path.name
        path.rename(bg2050_copy / f"{prefix}{name}")
    export = read_polis_export(bg2050_copy)
    assert len(export.votes) == CONVERSATIONS["bg2050-volunteers"]["votes"]
    assert export.url == CONVERSATIONS["bg2050-volunteers"]["url"]


@pytest.mark.parametrize("missing", ["comments.csv", "votes.csv", "participants-votes.csv"])
def test_a_missing_file_is_named(bg2050_copy, missing):
    (bg2050_copy / missing).unlink()
    with pytest.raises(InvalidPolisExport, match=f"has no {missing}"):
        read_polis_export(bg2050_copy)


def test_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(InvalidPolisExport, match="is not a folder"):
        read_polis_export(tmp_path / "nowhere")


def _edit_csv(path, edit) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame).to_csv(path, index=False)


def test_a_renamed_required_column_is_named(bg2050_copy):
    _edit_csv(bg2050_copy / "comments.csv", lambda f: f.rename(columns={"moderated": "moderation"}))
    with pytest.raises(InvalidPolisExport, match="comments.csv has no column 'moderated'"):
        read_polis_export(bg2050_copy)


def test_an_unexpected_column_is_named(bg2050_copy):
    _edit_csv(bg2050_copy / "votes.csv", lambda f: f.assign(weight="1"))
    with pytest.raises(InvalidPolisExport, match="votes.csv has unexpected column.*'weight'"):
        read_polis_export(bg2050_copy)


def test_votes_for_unknown_statements_are_refused(bg2050_copy):
    _edit_csv(bg2050_copy / "comments.csv", lambda f: f[f["comment-id"] != "3"])
    votes_on_3 = (pd.read_csv(bg2050_copy / "votes.csv")["comment-id"] == 3).sum()
    with pytest.raises(InvalidPolisExport, match=rf"votes.csv has {votes_on_3} vote\(s\) .*comment-id 3;"):
        read_polis_export(bg2050_copy)


def test_non_utf8_text_is_refused_with_its_line(bg2050_copy):
    path = bg2050_copy / "comments.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1252", errors="replace"))
    first_line = next(i for i, line in enumerate(text.split("\n"), 1) if not line.isascii())
    with pytest.raises(InvalidPolisExport, match=rf"comments.csv is not UTF-8 text: .* on line {first_line} "):
        read_polis_export(bg2050_copy)


def test_a_vote_that_is_not_minus_one_zero_or_one(bg2050_copy):
    _edit_csv(bg2050_copy / "votes.csv", lambda f: f.assign(vote=f["vote"].where(f.index != 4, "2")))
    with pytest.raises(InvalidPolisExport, match="column 'vote' must be 1 .*line 6 has 2"):
        read_polis_export(bg2050_copy)


def test_an_id_that_is_not_a_number(bg2050_copy):
    _edit_csv(bg2050_copy / "votes.csv", lambda f: f.assign(**{"voter-id": f["voter-id"].where(f.index != 0, "abc")}))
    with pytest.raises(InvalidPolisExport, match="column 'voter-id' must hold whole numbers; line 2 has 'abc'"):
        read_polis_export(bg2050_copy)


def test_a_duplicated_comment_id(bg2050_copy):
    _edit_csv(bg2050_copy / "comments.csv", lambda f: pd.concat([f, f.head(1)]))
    with pytest.raises(InvalidPolisExport, match="lists comment-id .* more than once"):
        read_polis_export(bg2050_copy)
