"""Who may see and run a workshop: its owner, the members the owner adds, and admins.

The owner is the facilitator who created the workshop (``Workshop.created_by``). Members are
facilitators the owner (or an admin) adds: they run the workshop as the owner does, but only
the owner and admins add or remove members and delete the workshop. Admins see every
workshop. To anybody else a workshop does not exist: :func:`workshop_for` raises
:class:`~lpip.errors.UnknownWorkshop` (404), not a refusal that would confirm it is there.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lpip.errors import InvalidContribution, PermissionDenied, UnknownWorkshop
from lpip.workshops.accounts import user_by_email
from lpip.workshops.audit import record_event
from lpip.workshops.models import UserAccount, Workshop, WorkshopMember
from lpip.workshops.workshops import get_workshop


def is_admin(user: UserAccount) -> bool:
    return user.role == "admin"


def is_member(session: Session, user: UserAccount, workshop_id: int) -> bool:
    return session.get(WorkshopMember, (workshop_id, user.id)) is not None


def may_manage(user: UserAccount, workshop: Workshop) -> bool:
    """Whether the account may add members to and delete the workshop: its owner or an admin."""
    return is_admin(user) or (workshop.created_by is not None and workshop.created_by == user.id)


def workshop_for(session: Session, user: UserAccount, workshop_id: int, manage: bool = False) -> Workshop:
    """The workshop if the account may run it (``manage``: may also add members and delete it).

    Raises :class:`~lpip.errors.UnknownWorkshop` when the account may not see the workshop at
    all, and :class:`~lpip.errors.PermissionDenied` when a member asks to manage it.
    """
    workshop = session.get(Workshop, workshop_id)
    if workshop is None or not (may_manage(user, workshop) or is_member(session, user, workshop_id)):
        raise UnknownWorkshop(f"There is no workshop {workshop_id} among your workshops. See /workshops for the list.")
    if manage and not may_manage(user, workshop):
        raise PermissionDenied("Only the workshop's owner (who created it) or an admin may do this.")
    return workshop


def visible_workshops(user: UserAccount):
    """A filter for ``select(Workshop)``: the workshops this account may see (all for admins)."""
    if is_admin(user):
        return Workshop.id.is_not(None)
    mine = select(WorkshopMember.workshop_id).where(WorkshopMember.user_id == user.id)
    return or_(Workshop.created_by == user.id, Workshop.id.in_(mine))


def visible_workshop_ids(session: Session, user: UserAccount) -> list[int]:
    return list(session.scalars(select(Workshop.id).where(visible_workshops(user)).order_by(Workshop.id)))


def members_of(session: Session, workshop_id: int) -> list[UserAccount]:
    """The workshop's members (not its owner), by name."""
    return list(session.scalars(
        select(UserAccount).join(WorkshopMember, WorkshopMember.user_id == UserAccount.id)
        .where(WorkshopMember.workshop_id == workshop_id).order_by(UserAccount.name, UserAccount.id)
    ))


def owner_of(session: Session, workshop: Workshop) -> UserAccount | None:
    return session.get(UserAccount, workshop.created_by) if workshop.created_by is not None else None


def add_member(session: Session, workshop_id: int, email: str, by: UserAccount) -> UserAccount:
    """Let the facilitator with this email run the workshop; only its owner or an admin may."""
    workshop = workshop_for(session, by, workshop_id, manage=True)
    member = user_by_email(session, email)
    if member.disabled_at is not None:
        raise InvalidContribution(f"The account {member.email} is disabled; ask an admin to enable it first.")
    if member.id == workshop.created_by or is_member(session, member, workshop_id):
        return member
    session.add(WorkshopMember(workshop_id=workshop_id, user_id=member.id, added_by=by.id))
    record_event(session, by, "member added", workshop_id, member=member.email)
    session.flush()
    return member


def remove_member(session: Session, workshop_id: int, user_id: int, by: UserAccount) -> None:
    """Stop a member running the workshop; only its owner or an admin may."""
    workshop_for(session, by, workshop_id, manage=True)
    member = session.get(UserAccount, user_id)
    removed = session.execute(delete(WorkshopMember).where(
        WorkshopMember.workshop_id == workshop_id, WorkshopMember.user_id == user_id))
    if removed.rowcount:
        record_event(session, by, "member removed", workshop_id, member=member.email if member else user_id)


def take_ownership(session: Session, workshop_id: int, email: str, by: UserAccount | str) -> Workshop:
    """Make the account with this email the workshop's owner (for workshops made with the
    command line, which have none, or when the owner leaves)."""
    workshop = get_workshop(session, workshop_id)
    if isinstance(by, UserAccount) and not is_admin(by):
        raise PermissionDenied("Only an admin may give a workshop a new owner.")
    owner = user_by_email(session, email)
    workshop.created_by = owner.id
    session.execute(delete(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id,
                                                 WorkshopMember.user_id == owner.id))
    record_event(session, by, "owner set", workshop_id, owner=owner.email)
    return workshop
