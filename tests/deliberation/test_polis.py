"""Reading pol.is open-data exports: the seven real conversations, and each kind of bad folder.

Malformed folders generated at random (hypothesis) are in test_polis_malformed.py.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lpip.deliberation.opinions import build_vote_matrix
from lpip.deliberation.polis import POLIS_ATTRIBUTION, read_polis_export
from lpip.errors import InvalidPolisExport

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
ALL_CONVERSATIONS = sorted(p.name for p in POLIS_DATA.iterdir() if p.is_dir()) if POLIS_DATA.exists() else []

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


def _csv_rows(path: Path) -> list[list[str]]:
    """A file's records, read with the csv module (independently of the reader under test)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _summary(folder: Path) -> dict[str, str]:
    return {row[0]: row[1] for row in _csv_rows(folder / "summary.csv") if len(row) >= 2}


@pytest.fixture(scope="module", params=ALL_CONVERSATIONS, ids=ALL_CONVERSATIONS)
def any_conversation(request):
    folder = POLIS_DATA / request.param
    return folder, read_polis_export(folder)


def test_all_seven_conversations_are_read():
    assert len(ALL_CONVERSATIONS) == 7, "../shared/data/polis should hold the seven conversations of SOURCES.md"


def test_every_conversation_matches_its_published_summary(any_conversation):
    # summary.csv is pol.is's own count: voters, comments with at least one vote, groups.
    folder, export = any_conversation
    summary = _summary(folder)
    participants = _csv_rows(folder / "participants-votes.csv")
    assert len(export.participants) == len(participants) - 1 == int(summary["voters"])
    assert export.votes["statement"].nunique() == int(summary["comments"])
    assert export.participants["group"].nunique() == int(summary["groups"])
    assert export.url == summary["url"]
    assert len(export.statements) == len(_csv_rows(folder / "comments.csv")) - 1


def test_votes_are_every_row_of_votes_csv_or_every_filled_cell(any_conversation):
    folder, export = any_conversation
    if (folder / "votes.csv").exists():
        assert export.votes_from == "votes.csv" and export.vote_times
        assert len(export.votes) == len(_csv_rows(folder / "votes.csv")) - 1
    else:
        rows = _csv_rows(folder / "participants-votes.csv")
        first_comment = rows[0].index("n-disagree") + 1
        filled = sum(cell != "" for row in rows[1:] for cell in row[first_comment:])
        assert export.votes_from == "participants-votes.csv" and not export.vote_times
        assert len(export.votes) == filled
        # Each participant's n-votes (pol.is's count) equals the cells read for them.
        per_person = export.votes.groupby("participant").size()
        n_votes = export.participants.set_index("participant")["n_votes"]
        assert per_person.reindex(n_votes.index, fill_value=0).eq(n_votes).all()


def test_without_votes_csv_the_latest_votes_are_the_same(tmp_path):
    # Real bg2050 export with votes.csv taken away: participants-votes.csv gives the same matrix.
    folder = tmp_path / "bg2050"
    shutil.copytree(POLIS_DATA / "bg2050-volunteers", folder)
    (folder / "votes.csv").unlink()
    from_votes = build_vote_matrix(read_polis_export(POLIS_DATA / "bg2050-volunteers").votes)
    from_matrix = build_vote_matrix(read_polis_export(folder).votes)
    assert len(read_polis_export(folder).votes) == from_votes.notna().sum().sum() == 14_283  # SOURCES.md
    pd.testing.assert_frame_equal(from_matrix.sort_index().sort_index(axis=1), from_votes.sort_index().sort_index(axis=1))


def test_without_votes_csv_participants_vote_in_id_order(tmp_path):
    folder = tmp_path / "bg2050"
    shutil.copytree(POLIS_DATA / "bg2050-volunteers", folder)
    (folder / "votes.csv").unlink()
    votes = read_polis_export(folder).votes
    assert votes["timestamp"].is_monotonic_increasing
    assert votes.groupby("participant")["timestamp"].min().sort_index().is_monotonic_increasing


def test_comment_text_is_cleaned(any_conversation):
    _, export = any_conversation
    text = export.statements["text"]
    assert not text.str.contains("[\x00\u200b\u202e]", regex=True).any()


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


@pytest.mark.parametrize("missing", ["comments.csv", "participants-votes.csv"])
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
    with pytest.raises(InvalidPolisExport, match="column 'voter-id' must hold whole numbers .*; line 2 has 'abc'"):
        read_polis_export(bg2050_copy)


def test_a_duplicated_comment_id(bg2050_copy):
    _edit_csv(bg2050_copy / "comments.csv", lambda f: pd.concat([f, f.head(1)]))
    with pytest.raises(InvalidPolisExport, match="lists comment-id .* more than once"):
        read_polis_export(bg2050_copy)


@pytest.mark.parametrize("value", ["inf", "1e999", "nan", "1.5", "99999999999999999999", "", "0x10"])
def test_numbers_that_cannot_be_ids_are_refused(bg2050_copy, value):
    _edit_csv(bg2050_copy / "votes.csv", lambda f: f.assign(**{"voter-id": f["voter-id"].where(f.index != 2, value)}))
    with pytest.raises(InvalidPolisExport, match="column 'voter-id' must hold whole numbers.*line 4"):
        read_polis_export(bg2050_copy)


def test_a_participant_listed_twice(bg2050_copy):
    _edit_csv(bg2050_copy / "participants-votes.csv", lambda f: pd.concat([f, f.iloc[[3]]]))
    with pytest.raises(InvalidPolisExport, match="lists participant 3 more than once"):
        read_polis_export(bg2050_copy)


def test_a_cell_that_is_not_a_vote_without_votes_csv(bg2050_copy):
    (bg2050_copy / "votes.csv").unlink()
    _edit_csv(bg2050_copy / "participants-votes.csv", lambda f: f.assign(**{"5": f["5"].where(f.index != 0, "yes")}))
    with pytest.raises(InvalidPolisExport, match="1 cell\\(s\\) that are not a vote.*line 2 column '5' has 'yes'"):
        read_polis_export(bg2050_copy)


def test_a_comment_column_unknown_to_comments_csv(bg2050_copy):
    (bg2050_copy / "votes.csv").unlink()
    _edit_csv(bg2050_copy / "participants-votes.csv", lambda f: f.assign(**{"9999": ""}))
    with pytest.raises(InvalidPolisExport, match="1 column\\(s\\) for comments that are not in comments.csv \\(comment-id 9999\\)"):
        read_polis_export(bg2050_copy)


def test_an_empty_file(bg2050_copy):
    (bg2050_copy / "comments.csv").write_bytes(b"")
    with pytest.raises(InvalidPolisExport, match="comments.csv is empty"):
        read_polis_export(bg2050_copy)


def test_a_meta_flag_that_is_not_true_or_false(bg2050_copy):
    _edit_csv(bg2050_copy / "comments.csv", lambda f: f.assign(**{"is-meta": f["is-meta"].where(f.index != 1, "maybe")}))
    with pytest.raises(InvalidPolisExport, match="column 'is-meta' must be true or false; line 3 has 'maybe'"):
        read_polis_export(bg2050_copy)


def test_an_unreadable_file(bg2050_copy, monkeypatch):
    real = Path.read_bytes

    def refuse(self):
        if self.name == "comments.csv":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InvalidPolisExport, match="comments.csv cannot be read \\(Permission denied\\)"):
        read_polis_export(bg2050_copy)
