"""Malformed pol.is export folders, generated (hypothesis, fixed seed, bounded examples): the reader
and `lpip opinions --polis-dir` answer every one with a result or a plain error, never a traceback.

The folders start from the real london.youth.policing export (small, so each example is quick) and
are broken the ways files get broken: bytes cut, inserted or replaced (NUL, CR-only line endings,
quotes, bytes that are not UTF-8), cells replaced by values that are not ids or votes (inf, 1e999,
NaN, numbers too big for 64 bits, text), columns renamed or repeated, files emptied or removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lpip.cli import app
from lpip.deliberation.opinions import find_opinion_groups
from lpip.deliberation.polis import PolisExport, read_polis_export
from lpip.errors import InvalidPolisExport, LpipError

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
BASE = POLIS_DATA / "london.youth.policing"
FILES = ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")
NASTY_CELLS = ("inf", "-inf", "1e999", "NaN", "nan", "", " ", "1.0", "99999999999999999999999", "-1e308", "abc",
               "\x00", '"', "\r", "x" * 5000, "0x1F", "١", "2", "-2", "true", "None", "9223372036854775808")
NASTY_BYTES = (b"\x00", b"\r", b"\n", b'"', b",", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xe2\x80\xae", b"\t")
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

pytestmark = pytest.mark.skipif(not BASE.exists(), reason=f"{BASE} is not beside the repository")


@st.composite
def byte_damage(draw):
    """Cut, insert or replace bytes of one file."""
    name = draw(st.sampled_from(FILES))
    size = (BASE / name).stat().st_size
    edits = draw(st.lists(st.tuples(
        st.sampled_from(("cut", "insert", "replace", "truncate")),
        st.integers(0, max(size - 1, 0)),
        st.one_of(st.sampled_from(NASTY_BYTES), st.binary(min_size=1, max_size=8)),
    ), min_size=1, max_size=4))
    return name, edits


@st.composite
def cell_damage(draw):
    """Replace cells, rename or repeat a header, or change line endings."""
    name = draw(st.sampled_from(FILES[:3]))
    kind = draw(st.sampled_from(("cell", "cell", "cell", "header", "repeat", "cr", "blank-lines")))
    return name, kind, draw(st.integers(0, 10_000)), draw(st.integers(0, 10_000)), draw(st.sampled_from(NASTY_CELLS))


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(BASE, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def _apply_bytes(folder: Path, name: str, edits) -> None:
    data = bytearray((folder / name).read_bytes())
    for kind, at, chunk in edits:
        at = min(at, len(data))
        if kind == "cut":
            del data[at: at + len(chunk) * 7]
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "replace":
            data[at: at + len(chunk)] = chunk
        else:
            del data[at:]
    (folder / name).write_bytes(bytes(data))


def _apply_cells(folder: Path, name: str, kind: str, row: int, column: int, value: str) -> None:
    path = folder / name
    lines = path.read_text(encoding="utf-8").split("\n")
    if kind == "cr":
        path.write_text("\r".join(lines), encoding="utf-8")
        return
    if kind == "blank-lines":
        path.write_text("\n\n".join(lines), encoding="utf-8")
        return
    header = lines[0].split(",")
    if kind in ("header", "repeat"):
        header[column % len(header)] = value if kind == "header" else header[(column + 1) % len(header)]
        lines[0] = ",".join(header)
    else:
        # Simple split: comment bodies with commas make this land in other columns too, which is
        # damage as well.
        index = 1 + row % max(len(lines) - 2, 1)
        cells = lines[index].split(",")
        cells[column % len(cells)] = value
        lines[index] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


def _read_and_analyse(folder: Path) -> None:
    try:
        export = read_polis_export(folder)
    except LpipError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    assert isinstance(export, PolisExport)
    try:
        find_opinion_groups(export.votes, export.statements, bootstraps=2)
    except LpipError:
        pass


@SETTINGS
@given(byte_damage())
def test_damaged_bytes_are_read_or_refused_plainly(tmp_path, damage):
    folder = _copy(tmp_path)
    _apply_bytes(folder, *damage)
    _read_and_analyse(folder)


@SETTINGS
@given(cell_damage())
def test_damaged_cells_are_read_or_refused_plainly(tmp_path, damage):
    folder = _copy(tmp_path)
    _apply_cells(folder, *damage)
    _read_and_analyse(folder)


@SETTINGS
@given(st.sampled_from(FILES), st.sampled_from(("remove", "empty", "folder", "header-only", "binary")))
def test_missing_or_emptied_files(tmp_path, name, how):
    folder = _copy(tmp_path)
    path = folder / name
    path.unlink()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "folder":
        path.mkdir()
    elif how == "header-only":
        path.write_text((BASE / name).read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    elif how == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    _read_and_analyse(folder)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(byte_damage().map(lambda d: ("bytes", d)), cell_damage().map(lambda d: ("cells", d))))
def test_the_command_answers_error_and_exit_2_never_a_traceback(tmp_path, damage):
    folder = _copy(tmp_path)
    kind, detail = damage
    (_apply_bytes if kind == "bytes" else _apply_cells)(folder, *detail)
    result = CliRunner().invoke(app, ["opinions", "--polis-dir", str(folder), "--bootstraps", "2"])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        assert "Error:" in result.output or "Error:" in (result.stderr if result.stderr_bytes else "")


def test_a_header_that_lost_names_is_refused_with_the_file_named(tmp_path):
    # Found by the property test above: bytes cut out of the header leave rows longer than it,
    # which pandas reads with their first cells as an index.
    folder = _copy(tmp_path)
    _apply_bytes(folder, "participants-votes.csv", [("cut", 106, b"\x00")])
    with pytest.raises(InvalidPolisExport, match=r"participants-votes\.csv: the rows have more cells"):
        read_polis_export(folder)
