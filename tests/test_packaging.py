"""A fresh machine: which warnings fail the tests, and a wheel that works without npm.

The configuration under test is the project's own (pyproject.toml's ``filterwarnings``, the
wheel built by ``python -m build``), not a module of src/, hence a file of its own.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_wheel", ROOT / "scripts" / "check_wheel.py")
check_wheel = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_wheel)


def _warn_from(module: str, message: str, category: type[Warning]) -> None:
    """Issue a warning as if module ``module`` had raised it (what the filters' module field sees)."""
    warnings.warn_explicit(message, category, filename=f"{module.replace('.', '/')}.py", lineno=1, module=module)


# ---------------------------------------------------------------- warnings


@pytest.mark.parametrize("module", ["lpip.evidence.compare", "pandas.core.frame", "sklearn.cluster._kmeans",
                                    "sqlalchemy.orm.session", "numpy.linalg"])
def test_warnings_of_lpip_and_chosen_libraries_are_errors(module):
    with pytest.raises(DeprecationWarning):
        _warn_from(module, "this will change", DeprecationWarning)


def test_harfbuzz_subset_deprecation_is_not_an_error():
    # WeasyPrint says this on import when the system lacks libharfbuzz-subset0 (issue 11).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # record what reaches the filters' end, as pytest would show it
        _warn_from("weasyprint.text.ffi", "HarfBuzz-Subset will be required by future versions of WeasyPrint. "
                   "Please install this library with your package manager.", DeprecationWarning)
    assert len(caught) == 1


def test_pyproject_filters_harfbuzz_and_keeps_lpip_errors():
    import tomllib

    filters = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["filterwarnings"]
    assert filters[0] == "default", "only what is chosen is an error"
    assert "error:::lpip" in filters
    assert filters.index("ignore:HarfBuzz-Subset will be required:DeprecationWarning") > filters.index("error:::lpip")


def test_another_librarys_warning_is_shown_not_raised():
    with warnings.catch_warnings(record=True) as caught:
        # pytest's own filters apply here; an unlisted library's warning passes them as "default".
        _warn_from("pydyf", "something about the system", UserWarning)
    assert [str(w.message) for w in caught] == ["something about the system"]


# ---------------------------------------------------------------- the wheel


def _fake_wheel(path: Path, names: list[str], entry_point: str = check_wheel.ENTRY_POINT) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
        archive.writestr("lpip-0.1.0.dist-info/entry_points.txt", f"[console_scripts]\n{entry_point}\n")
    return path


def test_the_wheel_check_finds_missing_front_end_assets(tmp_path):
    everything = check_wheel.expected_files()
    complete = _fake_wheel(tmp_path / "complete.whl", everything)
    assert check_wheel.wheel_problems(complete) == []
    without_npm = _fake_wheel(tmp_path / "no-npm.whl", [n for n in everything if "/vendor/" not in n])
    problems = check_wheel.wheel_problems(without_npm)
    assert "missing lpip/web/static/vendor/leaflet/leaflet.js" in problems
    assert "missing lpip/web/static/vendor/htmx.min.js" in problems
    dirty = _fake_wheel(tmp_path / "dirty.whl", [*everything, "lpip/__pycache__/cli.cpython-311.pyc"], "lpip = x:y")
    assert {p.split(":")[0] for p in check_wheel.wheel_problems(dirty)} == {
        "should not be in a wheel", "the console script is not 'lpip = lpip.cli"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("build", reason="the wheel is built with `build` (the test extra installs it)")
    if not (ROOT / "src" / "lpip" / "web" / "static" / "vendor" / "leaflet" / "leaflet.js").is_file():
        pytest.skip("the front-end assets are not vendored: run `make` (npm ci + scripts/vendor_assets.py)")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built, = out.glob("lpip-*.whl")
    return built


@pytest.mark.slow
def test_the_built_wheel_is_complete(wheel):
    assert check_wheel.wheel_problems(wheel) == []
    assert check_wheel.main([str(wheel)]) == 0


@pytest.mark.slow
def test_the_installed_wheel_builds_an_atlas_without_npm(wheel, sqlite_url, tmp_path):
    """`pip install lpip-*.whl && lpip atlas build`: the installed copy finds Leaflet in itself."""
    target = tmp_path / "installed"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    env = dict(os.environ, PYTHONPATH=str(target), LPIP_DATABASE_URL=sqlite_url,
               LPIP_CACHE_DIR=str(tmp_path / "cache"))
    where = subprocess.run([sys.executable, "-c", "import lpip, lpip.maps.interactive as m; "
                            "print(lpip.__file__); print(m.leaflet_dir())"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    package, leaflet = where.stdout.split()
    assert Path(package).is_relative_to(target) and Path(leaflet).is_relative_to(target)
    atlas = tmp_path / "atlas"
    build = subprocess.run([sys.executable, "-c", "from lpip.cli import main; main()", "atlas", "build",
                            "--out", str(atlas), "--indicator", "gva_per_hour", "--area", "E08000025",
                            "--no-pdf", "--workers", "1"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    assert (atlas / "assets" / "leaflet" / "leaflet.js").is_file()
    assert (atlas / "index.html").is_file()
