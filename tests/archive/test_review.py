"""The review file: written from the log, edited by a person, applied on the next build."""

from __future__ import annotations

import csv

import pytest

from lpip.archive.package import build_deposit
from lpip.archive.review import read_review, write_review
from lpip.errors import InvalidPackage, InvalidReviewFile


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_review_round_trip_rejects_and_changes(session, hostile, tmp_path):
    first = build_deposit(session, tmp_path / "deposit", [hostile.workshop_id])
    review = write_review(first.folder)
    assert review.parent == first.private and review.name == "redactions_review.csv"
    rows = read(review)
    assert rows and {r["decision"] for r in rows} == {"accept"} and all(r["context"] for r in rows)
    oldbury = next(r for r in rows if r["original"] == "Kaur Foods" and r["row"] == "2")
    oldbury.update(decision="change", new_replacement="[organisation: food business]")
    phone = next(r for r in rows if r["original"] == "07700 900123")
    phone.update(decision="reject")
    write(review, rows)
    second = build_deposit(session, tmp_path / "deposit", [hostile.workshop_id], review=review)
    texts = [r["text"] for r in read(second.folder / "data" / "contributions.csv")]
    assert "[person 2] from [organisation: food business] said the last bus to Oldbury leaves at 7pm" in texts
    assert "Call [person 1] on 07700 900123 or [email]" in texts
    # The health check honours the person's decision (kept in DIR.private), and says it was theirs.
    assert second.check.ok, [str(p) for p in second.check.problems]
    assert (second.private / "applied_review.csv").is_file()
    log = read(second.private / "anonymisation_log.csv")
    assert {r["decision"] for r in log} == {"accepted", "changed", "rejected"}


def test_a_bad_review_file_names_rows_and_applies_nothing(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text("file,row,column,rule,original,replacement,context,decision,new_replacement\n"
                    "data/contributions.csv,1,text,known name,Sue,[person 1],x,maybe,\n"
                    "data/contributions.csv,2,text,known name,Sue,[person 1],x,change,\n", encoding="utf-8")
    with pytest.raises(InvalidReviewFile) as raised:
        read_review(path)
    assert "row 2, column decision: 'maybe'" in str(raised.value)
    assert "row 3, column new_replacement" in str(raised.value)


def test_review_needs_a_built_package(tmp_path):
    with pytest.raises(InvalidPackage, match="Build it first"):
        write_review(tmp_path / "deposit")
