"""The papermill runner, cache, failure handling and CLI, on a tiny throwaway project."""

import json
import subprocess
import sys

import nbformat
import pytest

from xctkit.report import discover_notebooks, parse_overrides, report
from xctkit.report._runner import ReportPaths


def _notebook(path, params: str, body: str, deps=()):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), p, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if deps:
        nb.metadata["xctkit"] = {"depends_on": list(deps)}
    nbformat.write(nb, path)


@pytest.fixture
def project(tmp_path, root):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "_config.yml").write_text(
        (root / "book" / "_config.yml").read_text().replace("bibtex_bibfiles:\n  - references.bib\n", ""))
    (tmp_path / "book" / "intro.md").write_text("# Test book\n")
    (tmp_path / "book" / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: chapters/01_first\n- file: chapters/02_second\n")
    _notebook(tmp_path / "notebooks" / "01_first.ipynb",
              "seed = 0\nresults_dir = '.'",
              "import pandas as pd\nfrom xctkit.report import save_table\n"
              "save_table(pd.DataFrame({'seed': [seed]}), results_dir, chapter='01_first', table='t')")
    _notebook(tmp_path / "notebooks" / "02_second.ipynb",
              "value = 1.0",
              "if value < 0:\n    raise ValueError(f'value must be >= 0, got {value}')\nprint('ok', value)",
              deps=("01_first",))
    return tmp_path


def test_parse_overrides_reads_yaml_values_and_scopes():
    out = parse_overrides(["seed=3", "02_second:value=-1.5", "flag=true", "sizes=[1, 2]"])
    assert out[None] == {"seed": 3, "flag": True, "sizes": [1, 2]}
    assert out["02_second"] == {"value": -1.5}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_overrides(["seed"])
    with pytest.raises(ValueError, match="identifier"):
        parse_overrides(["bad key=1"])


def test_only_selects_by_stem_number_or_substring(project):
    paths = ReportPaths.from_root(project)
    assert [p.stem for p in discover_notebooks(paths, ["02"])] == ["02_second"]
    assert [p.stem for p in discover_notebooks(paths, ["first"])] == ["01_first"]
    with pytest.raises(ValueError, match="matches no notebook"):
        discover_notebooks(paths, ["nope"])


def test_report_runs_caches_and_reruns_on_change(project):
    first = report(project, profile="quick", book=False, progress=False)
    assert [r.status for r in first.runs] == ["ok", "ok"]
    assert (project / "book" / "results" / "01_first__t.csv").exists()
    summary = json.loads(first.summary_file.read_text())
    assert [n["name"] for n in summary["notebooks"]] == ["01_first", "02_second"]

    again = report(project, profile="quick", book=False, progress=False)
    assert [r.status for r in again.runs] == ["cached", "cached"]

    changed = report(project, profile="quick", book=False, progress=False, overrides=["seed=5"])
    # 01 has a new parameter; 02 depends on 01, so both re-run
    assert [r.status for r in changed.runs] == ["ok", "ok"]
    assert "5" in (project / "book" / "results" / "01_first__t.csv").read_text()

    forced = report(project, profile="quick", book=False, progress=False, overrides=["seed=5"], force=True)
    assert [r.status for r in forced.runs] == ["ok", "ok"]


def test_unknown_parameter_is_refused_before_running(project):
    with pytest.raises(ValueError, match="no selected notebook declares parameter 'sed'"):
        report(project, book=False, progress=False, overrides=["sed=1"])
    with pytest.raises(ValueError, match="declares no parameter 'seed'"):
        report(project, book=False, progress=False, overrides=["02_second:seed=1"])


def test_failing_notebook_is_named_others_run_and_book_builds(project):
    res = report(project, profile="quick", progress=False, overrides=["02_second:value=-1"])
    assert not res.ok
    status = {r.name: r for r in res.runs}
    assert status["01_first"].status == "ok"
    failed = status["02_second"]
    assert failed.status == "failed"
    assert failed.failed_cell == 2
    assert "ValueError" in failed.error and "value must be >= 0" in failed.error
    assert res.book_built
    html = (project / "book" / "_build" / "html" / "chapters" / "02_second.html").read_text()
    assert "value must be &gt;= 0" in html or "value must be >= 0" in html
    text = res.summary()
    assert "02_second" in text and "failed in cell 2" in text and text.rstrip().endswith("FAILED")


def test_cli_exit_status_and_help(project):
    exe = [sys.executable, "-m", "xctkit.cli"]
    bad = subprocess.run(exe + ["report", "--root", str(project), "--no-book", "--no-progress",
                                "-p", "02_second:value=-2"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "02_second" in bad.stdout and "FAILED" in bad.stdout
    typo = subprocess.run(exe + ["report", "--root", str(project), "-p", "nope=1"],
                          capture_output=True, text=True)
    assert typo.returncode == 2 and "nope" in typo.stderr
    helptext = subprocess.run(exe + ["report", "--help"], capture_output=True, text=True).stdout
    for option in ("--profile", "--only", "--param", "--force", "--no-book", "--root", "--timeout"):
        assert option in helptext
    top = subprocess.run(exe + ["--help"], capture_output=True, text=True).stdout
    assert "report" in top and "profiles" in top
