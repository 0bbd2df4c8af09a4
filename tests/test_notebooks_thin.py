"""Notebooks are thin: the algorithms live in the library (issue: one layer that chains the steps)."""

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MAX_CODE_LINES = 150
# raw phase numbers compared with label volumes (== 2, np.isin(x, [1, 3]) ...) instead of xctkit.phases
RAW_PHASE = re.compile(r"(==|!=)\s*[0-4]\b(?!\s*[.\]:])|np\.isin\([^)]*\[\s*[0-4]\s*[,\]]")


def _code(nb_path: Path) -> list[str]:
    nb = json.loads(nb_path.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 7


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    cells = _code(path)
    lines = [ln for c in cells for ln in c.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) <= MAX_CODE_LINES, f"{path.name}: {len(lines)} code lines (limit {MAX_CODE_LINES})"
    for i, src in enumerate(cells):
        body = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
        tree = ast.parse(body)
        defs = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
        assert not defs, f"{path.name} code cell {i} defines {defs}: algorithms belong in xctkit"
        lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
        assert not lambdas, f"{path.name} code cell {i} defines a lambda: move it into xctkit"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_phase_names(path):
    for i, src in enumerate(_code(path)):
        for ln in src.splitlines():
            if "labels" in ln or "phase" in ln or "seg" in ln:
                assert not RAW_PHASE.search(ln), f"{path.name} cell {i}: raw phase number in {ln.strip()!r}"
