"""The evidence map: codebook codes -> catalogue indicators, the kinds of organisation that would
act, how long change takes, and what data would answer a priority with no indicator.

The bundled map is ``data/priority_evidence.toml`` (its header documents the format). A user's
edited copy is loaded into the database with :func:`store_evidence_map` and then used
everywhere (CLI, pages, reports) instead of the bundled one; :func:`load_evidence_map` returns
the map in use. Indicators are only ever *proposed* from the map: a priority's evidence is
what someone linked (:func:`lpip.synthesis.priorities.link_indicator`).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.bundled import PRIORITY_EVIDENCE, bundled_path
from lpip.deliberation.codebook import default_codebook, load_codebook, name_key
from lpip.errors import InvalidEvidenceMap
from lpip.evidence.models import Indicator
from lpip.synthesis.models import HORIZONS, EvidenceMap

CODE_KEYS = {"indicators", "owners", "horizon", "data_needed"}
BUNDLED_SOURCE = f"the bundled map ({PRIORITY_EVIDENCE})"


@dataclass(frozen=True)
class CodeEvidence:
    """What the map says about one code (``mapped`` False: the map's defaults apply)."""

    code: str
    indicators: tuple[str, ...]
    owners: tuple[str, ...]
    horizon: str
    data_needed: str
    mapped: bool = True


@dataclass(frozen=True)
class EvidenceMapping:
    """A parsed evidence map: one :class:`CodeEvidence` per code, the defaults, and its source."""

    codes: dict[str, CodeEvidence]
    defaults: CodeEvidence
    source: str
    text: str = field(repr=False, default="")

    def for_code(self, code: str) -> CodeEvidence:
        """The entry for ``code`` (compared as codebook names are), or the defaults.

        Examples
        --------
        >>> bundled_evidence_map().for_code("Public Transport").indicators[0]
        'travel_time_public_transport'
        """
        found = self.codes.get(name_key(code))
        if found is not None:
            return found
        d = self.defaults
        return CodeEvidence(code, (), d.owners, d.horizon, d.data_needed, mapped=False)

    def indicator_ids(self) -> set[str]:
        return {i for entry in self.codes.values() for i in entry.indicators}


def parse_evidence_map(text: str, source: str) -> EvidenceMapping:
    """Read an evidence map from TOML text; :class:`InvalidEvidenceMap` lists every problem.

    Examples
    --------
    >>> m = parse_evidence_map('[defaults]\\nowners = ["council"]\\nhorizon = "long"\\n'
    ...                        '[code."housing"]\\nindicators = ["barriers_score"]\\n', "example")
    >>> m.for_code("housing").indicators, m.for_code("housing").horizon
    (('barriers_score',), 'long')
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidEvidenceMap(f"{source}: not valid TOML ({exc}). Check quotes and brackets.") from None
    problems: list[str] = []
    unknown = sorted(set(data) - {"defaults", "code"})
    if unknown:
        problems.append(f"unknown table(s) {', '.join(unknown)}: the map has [defaults] and [code.\"NAME\"] tables")
    defaults = _entry("(defaults)", data.get("defaults", {}), None, problems, "[defaults]")
    codes = {}
    for name, table in (data.get("code") or {}).items():
        entry = _entry(name, table, defaults, problems, f'[code."{name}"]')
        if name_key(name) in codes:
            problems.append(f'[code."{name}"]: the code is listed twice (names are compared ignoring case and spaces)')
        codes[name_key(name)] = entry
    if problems:
        raise InvalidEvidenceMap(f"{source}: the evidence map cannot be used as it stands:", problems)
    return EvidenceMapping(codes, defaults, source, text)


def _entry(name: str, table, defaults: CodeEvidence | None, problems: list[str], where: str) -> CodeEvidence:
    if not isinstance(table, dict):
        problems.append(f"{where} must be a table of settings")
        return CodeEvidence(name, (), ("council",), "long", "")
    extra = sorted(set(table) - CODE_KEYS)
    if extra:
        problems.append(f"{where}: unknown setting(s) {', '.join(extra)}; use {', '.join(sorted(CODE_KEYS))}")
    indicators = _strings(table.get("indicators", []), f"{where} indicators", problems)
    owners = _strings(table.get("owners", list(defaults.owners) if defaults else ["council"]), f"{where} owners", problems)
    if not owners:
        problems.append(f"{where} owners: name at least one kind of organisation")
    horizon = table.get("horizon", defaults.horizon if defaults else "long")
    if horizon not in HORIZONS:
        problems.append(f"{where} horizon: {horizon!r} is not one of {', '.join(HORIZONS)}")
    needed = table.get("data_needed", defaults.data_needed if defaults else "")
    if not isinstance(needed, str):
        problems.append(f"{where} data_needed must be text")
        needed = ""
    return CodeEvidence(name, tuple(indicators), tuple(owners), str(horizon), needed)


def _strings(value, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where} must be a list of names in quotes, e.g. [\"employment_rate\"]")
        return []
    return [v.strip() for v in value]


def bundled_evidence_map() -> EvidenceMapping:
    """The map shipped with lpip."""
    path = bundled_path(PRIORITY_EVIDENCE)
    return parse_evidence_map(path.read_text(encoding="utf-8"), BUNDLED_SOURCE)


def load_evidence_map(session: Session) -> EvidenceMapping:
    """The map in use: the newest one loaded into the database, else the bundled one."""
    stored = session.scalar(select(EvidenceMap).order_by(EvidenceMap.id.desc()).limit(1))
    if stored is None:
        return bundled_evidence_map()
    return parse_evidence_map(stored.text, f"the map loaded from {stored.source}")


def check_evidence_map(session: Session, mapping: EvidenceMapping) -> None:
    """Raise :class:`InvalidEvidenceMap` if the map names indicators the catalogue lacks or
    codes the codebook lacks (each with the nearest known name)."""
    catalogue = set(session.scalars(select(Indicator.id)))
    book = load_codebook(session, install_default=False)
    codes = {name_key(n): n for n in (default_codebook() if book.empty else book)["name"]}
    problems = [f'[code."{e.code}"] indicators: {i!r} is not in the indicator catalogue{nearest(i, catalogue)}'
                for e in mapping.codes.values() for i in e.indicators if i not in catalogue]
    problems += [f'[code."{e.code}"]: there is no code {e.code!r} in the codebook{nearest(e.code, codes.values())}'
                 for key, e in mapping.codes.items() if key not in codes]
    if problems:
        raise InvalidEvidenceMap(f"{mapping.source}: the evidence map does not fit this database:", problems)


def nearest(name: str, known) -> str:
    """A "; did you mean ...?" phrase for the closest of ``known``, or an empty string."""
    found = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {found[0]!r}?" if found else ""


def store_evidence_map(session: Session, path: str | Path) -> EvidenceMapping:
    """Check an edited evidence map against the catalogue and codebook and make it the one in use.

    Examples
    --------
    >>> store_evidence_map(session, "my_map.toml").source  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidEvidenceMap(f"{path}: file not found. Write the map in use with `lpip priorities mapping --out FILE.toml`.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidEvidenceMap(f"{path}: the file is not UTF-8 text. Save it as UTF-8.") from None
    mapping = parse_evidence_map(text, str(path))
    check_evidence_map(session, mapping)
    session.add(EvidenceMap(text=text, source=str(path)[:500]))
    session.flush()
    return mapping
