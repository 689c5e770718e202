"""Owners, members and admins: who may see and run a workshop; the audit record."""

from __future__ import annotations

import json

import pytest

from lpip.errors import InvalidContribution, PermissionDenied, UnknownAccount, UnknownWorkshop
from lpip.workshops.access import (
    add_member, members_of, remove_member, take_ownership, visible_workshop_ids, workshop_for,
)
from lpip.workshops.accounts import create_user, disable_user
from lpip.workshops.audit import audit_events
from lpip.workshops.workshops import RoundSpec, create_workshop

PASSWORD = "a long enough password"


@pytest.fixture
def people(session):
    return {name: create_user(session, f"{name}@example.org", name.title(), PASSWORD, role="admin" if name == "root" else "facilitator")
            for name in ("ann", "bob", "mo", "root")}


@pytest.fixture
def owned(session, people):
    return create_workshop(session, "Ann's", [RoundSpec("Q")], tables=1, created_by=people["ann"].id)


def test_only_the_owner_members_and_admins_see_a_workshop(session, people, owned):
    unowned = create_workshop(session, "Nobody's", [RoundSpec("Q")], tables=1)
    assert workshop_for(session, people["ann"], owned.id) is owned
    with pytest.raises(UnknownWorkshop):
        workshop_for(session, people["bob"], owned.id)
    assert visible_workshop_ids(session, people["bob"]) == []
    assert visible_workshop_ids(session, people["root"]) == [owned.id, unowned.id]
    add_member(session, owned.id, "MO@example.org", people["ann"])
    assert workshop_for(session, people["mo"], owned.id) is owned
    with pytest.raises(PermissionDenied):
        workshop_for(session, people["mo"], owned.id, manage=True)
    assert [m.email for m in members_of(session, owned.id)] == ["mo@example.org"]


def test_members_are_added_by_the_owner_or_an_admin_only(session, people, owned):
    with pytest.raises(UnknownWorkshop):
        add_member(session, owned.id, "bob@example.org", people["bob"])
    add_member(session, owned.id, "mo@example.org", people["root"])
    with pytest.raises(PermissionDenied):
        add_member(session, owned.id, "bob@example.org", people["mo"])
    with pytest.raises(UnknownAccount):
        add_member(session, owned.id, "nobody@example.org", people["ann"])
    disable_user(session, "bob@example.org")
    with pytest.raises(InvalidContribution, match="disabled"):
        add_member(session, owned.id, "bob@example.org", people["ann"])
    add_member(session, owned.id, "mo@example.org", people["ann"])  # twice: one membership
    remove_member(session, owned.id, people["mo"].id, people["ann"])
    assert members_of(session, owned.id) == []
    events = audit_events(session, owned.id)
    assert events["action"].tolist() == ["member added", "member removed"]
    assert events["actor"].tolist() == ["root@example.org", "ann@example.org"]
    assert json.loads(events["detail"].iloc[0]) == {"member": "mo@example.org"}


def test_an_admin_gives_a_workshop_made_on_the_command_line_an_owner(session, people):
    unowned = create_workshop(session, "From the CLI", [RoundSpec("Q")], tables=1)
    with pytest.raises(PermissionDenied):
        take_ownership(session, unowned.id, "bob@example.org", people["ann"])
    take_ownership(session, unowned.id, "bob@example.org", "cli:tester")
    assert workshop_for(session, people["bob"], unowned.id).created_by == people["bob"].id
    assert audit_events(session, unowned.id)["actor"].tolist() == ["cli:tester"]
