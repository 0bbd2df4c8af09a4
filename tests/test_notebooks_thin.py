"""Notebooks are thin: the algorithms live in the library (issue: one layer that chains the steps)."""

import ast
import json
import re
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(_ROOT.glob("*.ipynb")) + sorted((_ROOT / "user").glob("*.ipynb"))  # chapters and user variants
MAX_CODE_LINES = 140  # without the parameters cell (declarations) and caption continuation lines
# raw phase numbers compared with label volumes (== 2, np.isin(x, [1, 3]) ...) instead of xctkit.phases
RAW_PHASE = re.compile(r"(==|!=)\s*[0-4]\b(?!\s*[.\]:])|np\.isin\([^)]*\[\s*[0-4]\s*[,\]]")


def _code(nb_path: Path, *, parameters: bool = True) -> list[str]:
    nb = json.loads(nb_path.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
            and (parameters or "parameters" not in c.get("metadata", {}).get("tags", []))]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 7


def _caption_lines(src: str) -> set[int]:
    """Line numbers (1-based) of ``figures.show(...)`` / ``figures.table(...)`` statements after their
    first line: captions are prose, not code."""
    try:
        tree = ast.parse("\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return set()
    out = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in ("show", "table")
                and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == "figures"):
            out.update(range(node.lineno + 1, node.end_lineno + 1))
    return out


def _counted_lines(cells) -> list[str]:
    lines = []
    for c in cells:
        skip = _caption_lines(c)
        lines += [ln for i, ln in enumerate(c.splitlines(), 1)
                  if ln.strip() and not ln.strip().startswith("#") and i not in skip]
    return lines


def test_caption_lines_are_not_counted():
    src = 'x = 1\nfigures.show(fig, "a",\n             "caption")\ny = f(x,\n      2)'
    assert _counted_lines([src]) == ["x = 1", 'figures.show(fig, "a",', "y = f(x,", "      2)"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    cells = _code(path)
    lines = _counted_lines(_code(path, parameters=False))  # code lines, a figure's or table's caption continuation lines excluded
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_glue_is_glued_as_markdown(path):
    """A ``{glue:md}`key``` role renders only a value with a text/markdown representation: a plain str
    glued under that key shows nothing in the book (chapter 03's generated ranking was blank)."""
    nb = json.loads(path.read_text())
    md = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join(_code(path))
    for key in re.findall(r"\{glue:md\}`([^`]+)`", md):
        calls = re.findall(r'glue\(\s*"' + re.escape(key) + r'",\s*(\S+)', code)
        assert calls, f"{path.name}: {{glue:md}}`{key}` is never glued"
        assert all(c.startswith("Markdown(") for c in calls), \
            f"{path.name}: glue({key!r}, ...) must pass IPython.display.Markdown(...) for {{glue:md}}"
