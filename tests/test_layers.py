"""The layering of DESIGN.md: an import-linter contract over the package, that it can fail, and the
analysis packages' independence seen from a fresh interpreter."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(pythonpath), "PATH": str(LINT.parent), "HOME": str(cwd)}
    return subprocess.run([str(LINT), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def lint_available():
    if not LINT.exists():
        pytest.fail("lint-imports not installed: import-linter is in the dev extra (pip install -e '.[dev]')")


def test_the_import_contract_is_kept(lint_available, tmp_path):
    res = _lint(ROOT, ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 kept, 0 broken" in res.stdout


def test_the_contract_fails_on_a_forbidden_import(lint_available, tmp_path):
    """Copy the package, let micro import segment (the cycle this contract removed), and lint it."""
    shutil.copytree(ROOT / "xctkit", tmp_path / "xctkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "xctkit" / "micro" / "_porosity.py"
    target.write_text(target.read_text() + "\n\ndef _forbidden():\n    from ..segment import threshold  # noqa\n")
    res = _lint(tmp_path, tmp_path)
    assert res.returncode != 0
    assert "BROKEN" in res.stdout and "xctkit.micro._porosity -> xctkit.segment" in res.stdout


@pytest.mark.parametrize("package, forbidden", [
    ("xctkit.micro", ("xctkit.segment", "xctkit.sr", "xctkit.stereology", "xctkit.workflows")),
    ("xctkit.segment", ("xctkit.micro", "xctkit.sr", "xctkit.stereology", "xctkit.workflows")),
    ("xctkit.stereology", ("xctkit.micro", "xctkit.segment", "xctkit.sr", "xctkit.workflows")),
    ("xctkit.synth", ("xctkit.micro", "xctkit.imaging", "xctkit.workflows")),
])
def test_importing_an_analysis_package_loads_none_of_its_peers(package, forbidden):
    code = (f"import sys, json, {package}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('xctkit.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "KERAS_BACKEND": "torch", "PATH": ""})
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded, "nothing loaded: the probe is broken"
    bad = [m for m in loaded if m.split(".")[:2] and ".".join(m.split(".")[:2]) in forbidden]
    assert not bad, f"import {package} loaded {bad}"
