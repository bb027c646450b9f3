"""A wheel built from the repo (not editable) ships the templates and renders every cell."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

CHECK = """
import snippetgen, sys
from snippetgen.examples import example_deployment
from snippetgen.rules import rule_table
assert snippetgen.__file__.startswith(sys.argv[1]), snippetgen.__file__
count = 0
for profile, situation, tab, language, variant in rule_table().all_cells():
    snippetgen.render_snippet(example_deployment(situation), tab, language=language, profile=profile, variant=variant)
    count += 1
print(count)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    return next(out.glob("snippetgen-*.whl"))


def test_wheel_contains_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(p for p in (ROOT / "templates").rglob("*") if p.is_file())
    for path in templates:
        assert f"snippetgen/templates/{path.relative_to(ROOT / 'templates').as_posix()}" in names


def test_wheel_ships_type_information_and_its_license(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "snippetgen/py.typed" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names


def test_installed_wheel_renders_every_cell(wheel, tmp_path):
    # Installed into a bare target directory that shadows the editable checkout;
    # the dependencies come from the test environment.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0
