"""Custom area sets defined by users from a CSV of member codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lpip.errors import InvalidAreaSetFile
from lpip.geography.codes import is_gss_code, suggestion
from lpip.geography.models import Area, AreaLink

SET_COLUMNS = ("code", "name", "member")


@dataclass(frozen=True)
class SetResult:
    """What `define_set` stored."""

    name: str
    areas: int
    members: int


def read_set_file(path: Path) -> pd.DataFrame:
    """Read a set CSV (columns code, name, member); :class:`InvalidAreaSetFile` if unreadable."""
    path = Path(path)
    if not path.exists():
        raise InvalidAreaSetFile(f"{path}: file not found. Check the path.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InvalidAreaSetFile(
            f"{path}: the file is empty. It needs the header code,name,member and one row per member area."
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InvalidAreaSetFile(f"{path}: cannot read it as a UTF-8 CSV file ({exc}).") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in SET_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidAreaSetFile(
            f"{path}: missing column(s) {', '.join(missing)}. The file needs the columns "
            "code,name,member with one row per member area."
        )
    return frame.apply(lambda col: col.str.strip())


def validate_set(session: Session, name: str, frame: pd.DataFrame, path: Path, replace: bool) -> list[str]:
    """Every problem with a set file, as messages naming the row (header is row 1)."""
    known = dict(session.execute(select(Area.code, Area.name).where(Area.is_custom.is_(False))).all())
    existing = dict(session.execute(select(Area.code, Area.area_set)).all())
    set_names = set(existing.values())
    problems = []
    for index, row in frame.iterrows():
        where = f"{path.name} row {index + 2}"
        if not row["code"] or not row["name"] or not row["member"]:
            problems.append(f"{where}: code, name and member must all be filled in")
            continue
        if is_gss_code(row["code"]) or (existing.get(row["code"], name) != name):
            problems.append(f"{where}: code {row['code']} is already used by another area; choose a new code")
        elif row["code"] in existing and not replace:
            problems.append(f"{where}: set {name} already has area {row['code']}; use --replace to redefine the set")
        elif name in set_names and not replace:
            problems.append(f"{where}: set {name} already exists; use --replace to redefine the set")
        if row["member"] not in known:
            problems.append(f"{where}: member {row['member']} is not a known area{suggestion(row['member'], known)}")
    names = frame[frame["name"] != ""].groupby("code")["name"].nunique()  # blanks are reported above
    problems += [f"{path.name}: area {code} is given more than one name" for code in names[names > 1].index]
    return problems


def _delete_set(session: Session, name: str) -> None:
    old = select(Area.code).where(Area.area_set == name)
    try:
        session.execute(delete(AreaLink).where(AreaLink.parent_code.in_(old)))
        session.execute(delete(Area).where(Area.area_set == name))
    except IntegrityError:
        # Values or workshops refer to the old areas; the caller's transaction is rolled back.
        raise InvalidAreaSetFile(
            f"The area set {name} cannot be replaced because other records (indicator values, "
            "workshops) refer to its areas. Define the new set under another name."
        ) from None


def _check_set_name(session: Session, name: str) -> None:
    """Refuse to redefine a set that lpip ships (its areas are part of the bundled geography)."""
    levels = set(session.scalars(select(Area.level).where(Area.area_set == name).distinct()))
    if levels - {"custom"}:
        raise InvalidAreaSetFile(f"The area set {name} ships with lpip and cannot be redefined; choose another name.")


def define_set(session: Session, name: str, path: Path, replace: bool = False) -> SetResult:
    """Store a custom area set from a CSV of member codes; all or nothing.

    Each distinct ``code`` becomes an area of level "custom" in set ``name``, linked to
    its ``member`` areas. Sets may overlap each other and official geographies.
    """
    path = Path(path)
    frame = read_set_file(path)
    if frame.empty:
        raise InvalidAreaSetFile(f"{path}: the file has a header but no rows.")
    _check_set_name(session, name)
    problems = validate_set(session, name, frame, path, replace)
    if problems:
        raise InvalidAreaSetFile(f"{path}: nothing was stored because of {len(problems)} problem(s):", problems)
    if replace:
        _delete_set(session, name)
    areas = frame.drop_duplicates("code")
    for row in areas.itertuples(index=False):
        session.add(Area(code=row.code, name=row.name, level="custom", area_set=name, is_custom=True, source=str(path.name)))
    session.flush()
    for row in frame.drop_duplicates(["code", "member"]).itertuples(index=False):
        session.add(AreaLink(child_code=row.member, parent_code=row.code, kind="member"))
    session.flush()
    return SetResult(name=name, areas=len(areas), members=len(frame.drop_duplicates(["code", "member"])))
