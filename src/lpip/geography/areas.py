"""Looking areas up: lists by level and containing area, one area's details, code checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from lpip.errors import UnknownAreaCode, UnknownAreaLevel
from lpip.geography.codes import suggestion
from lpip.geography.models import LEVELS, Area, AreaLink

if TYPE_CHECKING:
    import pandas as pd

AREA_COLUMNS = ("code", "name", "level")

def known_areas(session: Session) -> dict[str, str]:
    """Every area code and its name."""
    return dict(session.execute(select(Area.code, Area.name)).all())

def get_area(session: Session, code: str) -> Area:
    """The area with this code; :class:`UnknownAreaCode` with the nearest known code otherwise."""
    area = session.get(Area, code.strip())
    if area is None:
        hint = suggestion(code, known_areas(session))
        raise UnknownAreaCode(f"Area code {code} is not a known area{hint}")
    return area

def check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        raise UnknownAreaLevel(f"There is no area level {level!r}. Levels: {', '.join(LEVELS)}.")

def descendants(code: str):
    """A subquery of the codes of every area inside ``code``, following hierarchy and
    membership links; use it as ``Area.code.in_(descendants(code))``."""
    seed = select(AreaLink.child_code.label("code")).where(AreaLink.parent_code == code)
    tree = seed.cte("tree", recursive=True)
    link = aliased(AreaLink)
    tree = tree.union(select(link.child_code).join(tree, link.parent_code == tree.c.code))
    return select(tree.c.code)


def descendant_codes(session: Session, code: str) -> set[str]:
    """Codes of every area inside ``code``."""
    return set(session.scalars(descendants(code)))


def list_areas(session: Session, level: str | None = None, within: str | None = None) -> pd.DataFrame:
    """Areas as a table (code, name, level), optionally of one level and inside one area.

    Examples
    --------
    >>> list_areas(session, level="lad", within="E12000005")  # doctest: +SKIP
    """
    import pandas as pd

    return pd.DataFrame(area_rows(session, level, within), columns=list(AREA_COLUMNS))


def area_rows(session: Session, level: str | None = None, within: str | None = None) -> list[tuple[str, str, str]]:
    """The rows of :func:`list_areas` as (code, name, level) tuples, without pandas: what
    `lpip areas list` prints, so that the command starts quickly."""
    check_level(level)
    query = select(Area.code, Area.name, Area.level).order_by(Area.code)
    if level:
        query = query.where(Area.level == level)
    if within:
        get_area(session, within)
        query = query.where(Area.code.in_(descendants(within)))
    return [tuple(row) for row in session.execute(query).all()]


def parents_of(session: Session, code: str, kind: str) -> list[Area]:
    query = (
        select(Area).join(AreaLink, AreaLink.parent_code == Area.code)
        .where(AreaLink.child_code == code, AreaLink.kind == kind).order_by(Area.level, Area.code)
    )
    return list(session.scalars(query))

def children_of(session: Session, code: str) -> list[Area]:
    query = (
        select(Area).join(AreaLink, AreaLink.child_code == Area.code)
        .where(AreaLink.parent_code == code).order_by(Area.code)
    )
    return list(session.scalars(query))

def describe_area(session: Session, code: str) -> dict:
    """Name, level, parents, children and the custom sets an area belongs to."""
    area = get_area(session, code)
    parents = parents_of(session, area.code, "hierarchy")
    sets = parents_of(session, area.code, "member")
    children = children_of(session, area.code)
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "itl_code": area.itl_code,
        "area_set": area.area_set,
        "source": area.source,
        "parents": [dict(code=a.code, name=a.name, level=a.level) for a in parents],
        "children": [dict(code=a.code, name=a.name, level=a.level) for a in children],
        "member_of": [dict(code=a.code, name=a.name, set=a.area_set) for a in sets],
    }

def area_sets(session: Session) -> pd.DataFrame:
    """The custom area sets: name, level and how many areas each holds."""
    import pandas as pd

    rows = session.execute(
        select(Area.area_set, Area.level, Area.code, Area.name)
        .where(Area.is_custom.is_(True)).order_by(Area.area_set, Area.code)
    ).all()
    return pd.DataFrame(rows, columns=["set", "level", "code", "name"])
