"""Packaging: every subpackage is listed in pyproject, and bundled data ships in the package."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "tsmem").rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"


def test_bundled_datasets_are_package_resources():
    names = {p.name for p in files("tsmem._bundled").iterdir()}
    assert {"airline-passengers.csv", "monthly-sunspots.csv", "daily-min-temperatures.csv"} <= names


def test_a_built_wheel_loads_the_bundled_data_without_the_checkout(tmp_path):
    import os
    import subprocess
    import sys

    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(tmp_path)]
    subprocess.run(build, check=True, capture_output=True)
    (wheel,) = tmp_path.glob("tsmem-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True, capture_output=True)
    script = (
        "import tsmem, tsmem.datasets as d; "
        "print(tsmem.__file__); print(len(d.load_dataset('sunspots')), len(d.load_dataset('air_passengers')))"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout
    where, sizes = out.strip().splitlines()
    assert where.startswith(str(site)), "the test must import the installed wheel, not the checkout"
    assert sizes == "2820 144"
