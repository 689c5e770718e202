"""The package's documents: README sections and small-count suppression, the dictionary, the licence."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from lpip.archive.ddi import StudyInfo
from lpip.archive.documents import data_dictionary, licence_text, readme
from lpip.archive.tables import CORE_TABLES, VOTES_TABLE

STUDY = StudyInfo("A study", "What it is", start="2023-06-14", end="2023-06-21", produced="2023-06-21",
                  geography=["West Midlands (England, E12000005, ITL1 TLG)"], consent="Asked.", anonymisation="Done.",
                  citation="A study (2023). UK Data Service.")


def test_readme_suppresses_small_counts_and_says_what_was_withheld():
    facts = {"k": 3, "sectors": Counter({"public": 7, "private": 2, "resident": 1}),
             "withheld": Counter({"votes": 12, "notes": 4}), "disclosure": ["k = 3 held."]}
    text = readme(STUDY, [(VOTES_TABLE, pd.DataFrame(columns=VOTES_TABLE.column_names))], facts)
    assert "  public: 7" in text and "  private: fewer than 3" in text and "  resident: fewer than 3" in text
    assert "  all: 10" in text
    assert "4 notes, 12 votes" in text and "data/votes.csv: Votes on statements" in text
    assert "2023-06-14 to 2023-06-21" in text and "ITL1 TLG" in text


def test_the_dictionary_lists_every_column_of_every_file():
    dictionary = data_dictionary(list(CORE_TABLES))
    assert len(dictionary) == sum(len(t.columns) for t in CORE_TABLES)
    vote = dictionary[(dictionary["file"] == "data/votes.csv") & (dictionary["column"] == "vote")].iloc[0]
    assert vote["values"] == "-1 = disagree; 0 = pass; 1 = agree"


def test_licences():
    def words(text):
        return " ".join(text.split())

    assert "Creative Commons Attribution 4.0 International" in words(licence_text("open", STUDY))
    assert "UK Data Service End User Licence" in words(licence_text("safeguarded", STUDY))
