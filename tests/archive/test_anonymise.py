"""The anonymiser: known people and organisations in every form people write them, the
patterns, consistent typed labels, the log, reviewers' decisions, and the areas."""

from __future__ import annotations

import re

import pytest

from lpip.archive.anonymise import (
    Anonymiser, Decision, anonymiser_for, coarser_areas, district_of, organisation_kind, scrubber_for,
)

PEOPLE = ["Sue Patel", "Harjit Kaur", "Imran Younis", "Will Hope"]
ORGANISATIONS = [("Walsall Housing Group", "voluntary and community"), ("Kaur Foods", "private"),
                 ("Sandwell Mosque", "civil society"), ("The Black Country Chamber Ltd", "private")]


@pytest.fixture
def anonymiser():
    return Anonymiser(PEOPLE, ORGANISATIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call Sue on 07700 900123 or sue.patel@example.org", "Call [person 1] on [phone] or [email]"),
        ("Harjit from Kaur Foods said...", "[person 1] from [organisation: business] said..."),
        ("Mr Younis at Sandwell Mosque", "[person 1] at [organisation: faith group]"),
        ("SUE PATEL's idea, Patel agreed, sue patel too", "[person 1]'s idea, [person 1] agreed, [person 1] too"),
        ("Ms Patel and Cllr. Kaur", "[person 1] and [person 2]"),
        ("WHG, the Walsall Housing Group and walsall housing group", "[organisation: housing association], the "
         "[organisation: housing association] and [organisation: housing association]"),
        ("Kaur Foods Ltd and Kaur Foods Limited", "[organisation: business] and [organisation: business]"),
        ("Black Country Chamber and BCC", "[organisation: business] and [organisation: business]"),
        ("will it work? Will said no; hope springs", "will it work? [person 1] said no; hope springs"),
        ("Dr Smith and Mrs O'Neill agreed", "[person 1] and [person 2] agreed"),
    ],
    ids=["first-name-phone-email", "first-name-organisation", "title-unknown-surname-faith", "case-possessive-surname",
         "titles-with-dot", "initials-the-case", "legal-suffixes", "the-and-initials", "everyday-words", "unknown-titled"],
)
def test_known_names_in_every_form(anonymiser, text, expected):
    assert anonymiser.scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ring 07700 900123", "[phone]"), ("ring 07700900123", "[phone]"), ("ring +44 7700 900123", "[phone]"),
        ("ring +44 (0)121 496 0000", "[phone]"), ("ring (0121) 496 0000", "[phone]"), ("ring 0121-496-0000", "[phone]"),
        ("ring 020 7946 0000", "[phone]"), ("ring 01632 960000", "[phone]"),
        ("at B69 4AA", "[postcode]"), ("at b694aa", "[postcode]"), ("see https://example.org/a?b=1", "[url]"),
        ("see www.example.org/plan", "[url]"), ("NI QQ 12 34 56 C", "[NI number]"), ("NI AB123456D", "[NI number]"),
        ("born on 3 March 1970", "[date of birth]"), ("DOB: 03/03/1970", "[date of birth]"),
        ("at 12 Church Street", "[address]"), ("at 7a Bearwood Road", "[address]"),
        ("mail a.b+c@mail.example.co.uk", "[email]"),
    ],
)
def test_patterns(text, label):
    scrubbed = Anonymiser().scrub(text)
    assert label in scrubbed, scrubbed
    assert not re.search(r"\d{3}", scrubbed), scrubbed


@pytest.mark.parametrize("text", ["0.12345678901", "3 people out of 2,000", "in 2023 and 2024", "the M6 and A34",
                                  "round 1, table 2", "score 0123"])
def test_numbers_that_are_not_identifiers_stay(text):
    assert Anonymiser().scrub(text) == text


def test_outward_postcodes_are_an_option():
    assert Anonymiser().scrub("people in B66 said") == "people in B66 said"
    assert Anonymiser(outward_postcodes=True).scrub("people in B66 said") == "people in [postcode] said"


def test_the_same_person_gets_the_same_label_everywhere_and_the_log_holds_it(anonymiser):
    first = anonymiser.scrub("Harjit spoke", "data/contributions.csv", 1, "text")
    second = anonymiser.scrub("Sue then Harjit Kaur", "data/contributions.csv", 2, "text")
    assert first == "[person 1] spoke" and second == "[person 2] then [person 1]"
    assert [(r.original, r.replacement, r.file, r.row, r.rule) for r in anonymiser.log] == [
        ("Harjit", "[person 1]", "data/contributions.csv", 1, "known name"),
        ("Sue", "[person 2]", "data/contributions.csv", 2, "known name"),
        ("Harjit Kaur", "[person 1]", "data/contributions.csv", 2, "known name"),
    ]
    assert anonymiser.log[0].context == "»Harjit« spoke"


def test_a_word_in_two_names_gets_the_unnumbered_label():
    anonymiser = Anonymiser(["Sam Patel", "Priya Patel"])
    assert anonymiser.scrub("Patel and Sam") == "[person] and [person 1]"


def test_decisions_reject_and_change_and_are_logged():
    decisions = {("f.csv", 1, "text", "Will"): Decision("reject"), ("f.csv", 1, "text", "Kaur"): Decision("change", "[a cook]")}
    anonymiser = Anonymiser(PEOPLE, decisions=decisions)
    assert anonymiser.scrub("Will Kaur cook?", "f.csv", 1, "text") == "Will [a cook] cook?"
    assert [r.decision for r in anonymiser.log] == ["rejected", "changed"]


@pytest.mark.parametrize(
    ("name", "sector", "kind"),
    [("Sandwell Mosque", None, "faith group"), ("St Mary's Church", None, "faith group"),
     ("Sandwell Council", None, "local authority"), ("Dudley College", None, "university"),
     ("Wolverhampton Homes", None, "housing association"), ("Acme Ltd", None, "business"),
     ("Acme", "public", "public body"), ("Acme", None, "organisation")],
)
def test_organisation_kind(name, sector, kind):
    assert organisation_kind(name, sector) == kind


def test_the_database_vocabulary_and_scrubber_for(session):
    from lpip.workshops.accounts import create_user
    from lpip.workshops.attendees import register_attendee
    from lpip.workshops.workshops import RoundSpec, create_workshop

    w = create_workshop(session, "Vocabulary", [RoundSpec("Q")], tables=2)
    register_attendee(session, w.id, "Harjit Kaur", "private", organisation="Kaur Foods")
    create_user(session, "f@example.org", "Amina Rahman", "a-long-test-password-1")
    session.flush()
    scrub = scrubber_for(session)
    assert scrub("Amina met Harjit of Kaur Foods") == "[person 1] met [person 2] of [organisation: business]"
    assert anonymiser_for(session, use_ner=False).ner is None


def test_areas_coarsen_from_lsoa_to_district_sub_region_and_region(session):
    # E01009746 is "Dudley 022C", in Dudley (E08000027), in the Black Country sub-region and the West Midlands.
    assert district_of(session, ["E01009746", "E08000028"]) == {"E01009746": "E08000027", "E08000028": "E08000028"}
    assert coarser_areas(session, ["E08000027"]) == {"E08000027": {"subregion": "WM-BC", "region": "E12000005"}}


def test_a_named_entity_backend_adds_unknown_names_with_its_rule():
    def finder(text):
        return [m.span() for m in re.finditer("Zainab", text)]

    anonymiser = Anonymiser(["Sue Patel"], ner=finder)
    assert anonymiser.scrub("Zainab told Sue, and Zainab agreed") == "[person 1] told [person 2], and [person 1] agreed"
    assert {r.rule for r in anonymiser.log} == {"named entity (NER)", "known name"}
