"""The papermill runner, cache, failure handling, layout, sweeps and CLI, on a tiny throwaway project."""

import json
import os
import subprocess
import sys
import types

import nbformat
import pandas as pd
import pytest

from xctkit.report import (
    check_overrides,
    compare_runs,
    discover_notebooks,
    parse_overrides,
    parse_sweep,
    report,
    sweep,
    sweep_runs,
)
from xctkit.report._runner import ReportPaths


def _notebook(path, params: str, body: str, deps=(), needs=()):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), p, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    meta = {}
    if deps:
        meta["depends_on"] = list(deps)
    if needs:
        meta["needs"] = list(needs)
    if meta:
        nb.metadata["xctkit"] = meta
    nbformat.write(nb, path)


def _snapshot(*folders):
    """{path: (size, mtime_ns)} of every file below ``folders`` (missing folders: empty)."""
    out = {}
    for folder in folders:
        for dirpath, _, files in os.walk(folder):
            for f in files:
                st = os.stat(os.path.join(dirpath, f))
                out[os.path.join(dirpath, f)] = (st.st_size, st.st_mtime_ns)
    return out


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
              "import pandas as pd\nimport matplotlib.pyplot as plt\n"
              "from xctkit.report import ChapterFigures, save_table\n"
              "save_table(pd.DataFrame({'seed': [seed]}), results_dir, chapter='01_first', table='t')\n"
              "fig, ax = plt.subplots()\nax.plot([0, 1], [seed, 1])\n"
              "figures = ChapterFigures(results_dir, chapter='01_first', params={'seed': seed})\n"
              "figures.show(fig, 'line', f'A line through (0, {seed}) and (1, 1), arbitrary units.')\n"
              "figures.table(pd.DataFrame({'x': [0.5, 1.25]}), 'xs', 'Two values of x (µm).')")
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_failing_notebook_is_named_others_run_and_book_builds_in_out_folder(project, tmp_path):
    """One run with --out: the failure is reported, the book builds under OUT, and the
    project's book/ and data/ are left exactly as they were (file list, sizes, mtimes)."""
    before = _snapshot(project / "book", project / "data")
    out = tmp_path / "run"
    res = report(project, profile="quick", progress=False, overrides=["02_second:value=-1"], out=out)
    assert _snapshot(project / "book", project / "data") == before
    assert not (project / "book" / "chapters").exists() and not (project / "data").exists()
    assert not res.ok
    status = {r.name: r for r in res.runs}
    assert status["01_first"].status == "ok"
    failed = status["02_second"]
    assert failed.status == "failed"
    assert failed.failed_cell == 2
    assert "ValueError" in failed.error and "value must be >= 0" in failed.error
    assert res.book_built
    assert res.html_index == out / "_build" / "html" / "index.html"
    assert (out / "results" / "01_first__t.csv").exists() and (out / "data").is_dir()
    assert res.summary_file == out / "results" / "run_summary.json"
    html = (out / "_build" / "html" / "chapters" / "02_second.html").read_text()
    assert "value must be &gt;= 0" in html or "value must be >= 0" in html
    assert "xctkit-provenance" in html and "FAILED" in html
    # ChapterFigures: numbered, captioned, cross-referencable; PNG and SVG in the run's results
    first = (out / "_build" / "html" / "chapters" / "01_first.html").read_text()
    assert 'id="fig-01-first-line"' in first and "Fig. 1" in first  # docutils turns _ into - in ids
    assert "A line through (0, 0) and (1, 1), arbitrary units." in first
    assert (out / "results" / "01_first__line.png").stat().st_size > 0
    assert (out / "results" / "01_first__line.svg").stat().st_size > 0
    assert 'id="tbl-01-first-xs"' in first and "Table 1" in first and "Two values of x (µm)." in first
    assert (out / "results" / "01_first__xs.csv").exists()
    text = res.summary()
    assert "02_second" in text and "failed in cell 2" in text and text.rstrip().endswith("FAILED")


def test_out_may_not_be_the_project_or_its_data(project):
    for bad in (project, project / "data", project / "notebooks", project.parent):
        with pytest.raises(ValueError, match="`out`"):
            ReportPaths.from_root(project, bad)
    assert ReportPaths.from_root(project, project / "book").chapters == project / "book" / "chapters"


def test_parameter_values_are_type_checked_before_any_kernel_starts(project):
    nbs = sorted((project / "notebooks").glob("*.ipynb"))
    with pytest.raises(ValueError, match=r"'seed' of notebook '01_first' expects an integer .*got str 'notanumber'"):
        report(project, book=False, progress=False, overrides=["seed=notanumber"])
    assert not (project / "book" / "chapters").exists()  # refused before anything ran
    with pytest.raises(ValueError, match="expects an integer"):
        check_overrides(nbs, parse_overrides(["seed=1.5"]))
    with pytest.raises(ValueError, match="expects an integer"):
        check_overrides(nbs, parse_overrides(["seed=true"]))  # bool is not an int here
    with pytest.raises(ValueError, match="expects a number"):
        check_overrides(nbs, parse_overrides(["02_second:value=abc"]))
    with pytest.raises(ValueError, match="expects a string"):
        check_overrides(nbs, parse_overrides(["results_dir=3"]))
    check_overrides(nbs, parse_overrides(["02_second:value=2", "seed=7", "results_dir=x"]))  # int for float: fine


def test_list_parameters_check_their_items(tmp_path):
    nb = tmp_path / "01_list.ipynb"
    _notebook(nb, "shape = [8, 16, 16]\nnames = ['a']\nanything = None", "pass")
    check_overrides([nb], parse_overrides(["shape=[4, 4, 4]", "names=[b, c]", "anything=[1, x]"]))
    with pytest.raises(ValueError, match=r"items are an integer \(item 1 is 4.5\)"):
        check_overrides([nb], parse_overrides(["shape=[4, 4.5, 4]"]))
    with pytest.raises(ValueError, match="a list such as"):
        check_overrides([nb], parse_overrides(["names=b"]))


@pytest.mark.slow
def test_executed_copy_is_published_and_the_source_untouched(project):
    src = project / "notebooks" / "01_first.ipynb"
    src_text = src.read_text()
    report(project, profile="quick", book=False, progress=False, overrides=["seed=5"], only=["01"])
    assert src.read_text() == src_text
    nb = nbformat.read(project / "book" / "chapters" / "01_first.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert not any("injected-parameters" in t for t in tags)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "remove-cell" in params[0].metadata["tags"]
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    assert code and all("hide-input" in c.metadata["tags"] for c in code)
    assert all(o.get("output_type") != "error" for c in code for o in c.get("outputs", []))
    # the parameters, once, as a table right after the title; the value set for this run flagged
    assert nb.cells[0].source.startswith("# 01_first")
    table = nb.cells[1].source
    assert "Parameters of this run" in table and "| `seed` | `5` (set for this run) |" in table
    assert "results_dir" not in table
    # provenance footer and metadata
    import xctkit

    footer = nb.cells[-1].source
    assert "xctkit-provenance" in footer and f"xctkit {xctkit.__version__}" in footer
    assert "profile `quick`" in footer and "seed `5`" in footer and "`seed=5`" in footer
    prov = nb.metadata["xctkit"]["provenance"]
    assert prov["profile"] == "quick" and prov["seed"] == 5 and prov["changed"] == {"seed": 5}
    assert prov["parameters"] == {"seed": 5} and prov["wall_time_s"] > 0


def _fake_workflows(monkeypatch, missing):
    calls = []

    def missing_inputs(manifest_path, needs):
        calls.append((manifest_path, list(needs)))
        return [n for n in needs if n in missing]

    mod = types.ModuleType("xctkit.workflows")
    mod.missing_inputs = missing_inputs
    monkeypatch.setitem(sys.modules, "xctkit.workflows", mod)
    return calls


@pytest.mark.slow
def test_chapter_with_missing_manifest_inputs_gets_a_placeholder(project, monkeypatch):
    # the body would fail if it ran: a placeholder proves it did not
    _notebook(project / "notebooks" / "03_needs.ipynb", "manifest = None",
              "raise RuntimeError('must not run')", needs=("scans.hr", "voxel_um"))
    calls = _fake_workflows(monkeypatch, missing={"scans.hr"})
    res = report(project, profile="quick", book=False, progress=False, only=["03"],
                 overrides=["manifest=/data/m.yaml"])
    (run,) = res.runs
    assert run.status == "skipped" and run.missing == ("scans.hr",) and res.ok
    assert calls == [("/data/m.yaml", ["scans.hr", "voxel_um"])]
    nb = nbformat.read(run.output, as_version=4)
    assert all(c.cell_type == "markdown" for c in nb.cells)
    text = nb.cells[0].source
    assert "`scans.hr`" in text and "voxel_um" not in text and "not run" in text
    assert "xctkit-provenance" in nb.cells[-1].source
    assert "missing inputs: scans.hr" in res.summary()

    # nothing missing: the chapter runs (and fails as its body says)
    _fake_workflows(monkeypatch, missing=set())
    (run,) = report(project, profile="quick", book=False, progress=False, only=["03"]).runs
    assert run.status == "failed" and "must not run" in run.error
    # no xctkit.workflows at all: nothing counts as missing
    monkeypatch.setitem(sys.modules, "xctkit.workflows", None)
    (run,) = report(project, profile="quick", book=False, progress=False, only=["03"]).runs
    assert run.status == "failed"


def test_parse_sweep_and_folder_names():
    assert parse_sweep(["seed=0,1,2"]) == {"seed": [0, 1, 2]}
    assert parse_sweep(["shape=[[8, 8], [16, 16]]", "name=a,b"]) == {"shape": [[8, 8], [16, 16]],
                                                                    "name": ["a", "b"]}
    for bad, match in (("seed", "KEY=V1"), ("seed=1,1", "repeat"), ("seed=1,", "none empty"),
                       ("bad key=1", "identifier"), ("s=[1", "cannot read")):
        with pytest.raises(ValueError, match=match):
            parse_sweep([bad])
    runs = sweep_runs({"seed": [0, 1], "shape": [[8, 8], [16, 16]]})
    names = [n for n, _ in runs]
    assert names == ["seed-0__shape-8-8", "seed-0__shape-16-16", "seed-1__shape-8-8", "seed-1__shape-16-16"]
    assert runs[3][1] == {"seed": 1, "shape": [16, 16]}
    collide = sweep_runs({"tag": ["a b", "a/b"]})  # same slug: indices keep the folders apart
    assert len({n for n, _ in collide}) == 2


def test_compare_runs_mean_and_sd_by_hand(tmp_path):
    for i, (a, b) in enumerate([(1.0, 10), (3.0, 14), (5.0, 12)]):
        d = tmp_path / f"r{i}"
        d.mkdir()
        pd.DataFrame({"model": ["x", "y"], "a": [a, 2 * a], "b": [b, b]}).to_csv(d / "t__k.csv", index=False)
    (tmp_path / "r0" / "only_here.csv").write_text("v\n1\n")
    (written,) = compare_runs([(f"r{i}", tmp_path / f"r{i}") for i in range(3)], tmp_path / "cmp")
    got = pd.read_csv(written)
    assert list(got.columns) == ["model", "a_mean", "a_sd", "b_mean", "b_sd", "n_runs"]
    assert got["model"].tolist() == ["x", "y"]
    assert got["a_mean"].tolist() == pytest.approx([3.0, 6.0])
    assert got["a_sd"].tolist() == pytest.approx([2.0, 4.0])  # sample SD of 1, 3, 5 is 2
    assert got["b_mean"].tolist() == pytest.approx([12.0, 12.0])
    assert got["n_runs"].tolist() == [3, 3]


@pytest.mark.slow
def test_sweep_runs_side_by_side_and_compares(project, tmp_path):
    out = tmp_path / "sweep"
    results = sweep(project, sweep=["seed=1,2"], out=out, profile="quick", book=False,
                    progress=False, only=["01"])
    assert [c for c, _ in results] == [{"seed": 1}, {"seed": 2}]
    for seed in (1, 2):
        table = pd.read_csv(out / f"seed-{seed}" / "results" / "01_first__t.csv")
        assert table["seed"].tolist() == [seed]
    assert not (project / "book" / "results").exists()
    cmp = pd.read_csv(out / "comparison" / "01_first__t.csv")
    assert cmp["seed_mean"].tolist() == [1.5]
    assert cmp["seed_sd"].tolist() == pytest.approx([2 ** -0.5])
    listing = json.loads((out / "sweep.json").read_text())
    assert [r["folder"] for r in listing["runs"]] == ["seed-1", "seed-2"]
    with pytest.raises(ValueError, match="expects an integer"):
        sweep(project, sweep=["seed=1,x"], out=tmp_path / "bad", book=False, progress=False)
    assert not (tmp_path / "bad").exists()


@pytest.mark.slow
def test_cli_exit_status_and_help(project, tmp_path):
    exe = [sys.executable, "-m", "xctkit.cli"]
    bad = subprocess.run(exe + ["report", "--root", str(project), "--no-book", "--no-progress",
                                "--out", str(tmp_path / "o"), "-p", "02_second:value=-2"],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert "02_second" in bad.stdout and "FAILED" in bad.stdout
    assert (tmp_path / "o" / "chapters" / "02_second.ipynb").exists()
    typo = subprocess.run(exe + ["report", "--root", str(project), "-p", "nope=1"],
                          capture_output=True, text=True)
    assert typo.returncode == 2 and "nope" in typo.stderr
    wrong = subprocess.run(exe + ["report", "--root", str(project), "-p", "seed=notanumber"],
                           capture_output=True, text=True)
    assert wrong.returncode == 2 and "'seed'" in wrong.stderr and "expects an integer" in wrong.stderr
    assert not (project / "book" / "chapters").exists()
    helptext = subprocess.run(exe + ["report", "--help"], capture_output=True, text=True).stdout
    for option in ("--profile", "--only", "--param", "--force", "--no-book", "--root", "--timeout",
                   "--out", "--sweep", "--manifest", "--test-electrodes", "--workers",
                   "--memory-limit", "--scheduler"):
        assert option in helptext
    top = subprocess.run(exe + ["--help"], capture_output=True, text=True).stdout
    assert "report" in top and "profiles" in top


@pytest.mark.slow
def test_cli_options_reach_the_notebook_as_parameters(project, tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text("samples: []\n")
    _notebook(project / "notebooks" / "03_inputs.ipynb",
              "manifest = None\ntest_electrodes = ['dry2']\ndask_workers = 1\n"
              "dask_memory_limit = None\ndask_scheduler = None\nresults_dir = '.'",
              "import json, pathlib\n"
              "pathlib.Path(results_dir, 'seen.json').write_text(json.dumps(dict(manifest=manifest, "
              "test_electrodes=test_electrodes, dask_workers=dask_workers, "
              "dask_memory_limit=dask_memory_limit, dask_scheduler=dask_scheduler)))")
    out = tmp_path / "o"
    run = subprocess.run([sys.executable, "-m", "xctkit.cli", "report", "--root", str(project), "--only", "03",
                          "--no-book", "--no-progress", "--out", str(out), "--manifest", str(manifest),
                          "--test-electrodes", "dry1,dry3", "--workers", "3", "--memory-limit", "2GB",
                          "--scheduler", "tcp://127.0.0.1:8786"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    seen = json.loads((out / "results" / "seen.json").read_text())
    assert seen == {"manifest": str(manifest.resolve()), "test_electrodes": ["dry1", "dry3"],
                    "dask_workers": 3, "dask_memory_limit": "2GB", "dask_scheduler": "tcp://127.0.0.1:8786"}
    refused = subprocess.run([sys.executable, "-m", "xctkit.cli", "report", "--root", str(project),
                              "--only", "01", "--workers", "2"], capture_output=True, text=True)
    assert refused.returncode == 2 and "dask_workers" in refused.stderr


def test_jobs_run_independent_chapters_side_by_side_and_dependents_after(tmp_path, root):
    """jobs=2: two independent chapters overlap in time, a chapter that depends on one starts only
    after it ended, every kernel sees its share of the cores, and the runs come back in chapter order."""
    import time

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    stamp = ("import json, os, time\nt0 = time.time()\ntime.sleep(3)\n"
             "json.dump({'start': t0, 'end': time.time(), 'omp': os.environ.get('OMP_NUM_THREADS')}, "
             "open(os.path.join(log_dir, NAME + '.json'), 'w'))")
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    for name, deps in [("01_a", ()), ("02_b", ()), ("03_after_a", ("01_a",))]:
        _notebook(tmp_path / "notebooks" / f"{name}.ipynb", f"log_dir = {str(log_dir)!r}",
                  stamp.replace("NAME", repr(name)), deps=deps)
    saved = os.environ.pop("OMP_NUM_THREADS", None)
    try:
        t0 = time.perf_counter()
        res = report(tmp_path, profile="quick", book=False, progress=False, jobs=2)
        wall = time.perf_counter() - t0
    finally:
        if saved is not None:
            os.environ["OMP_NUM_THREADS"] = saved
    assert [r.name for r in res.runs] == ["01_a", "02_b", "03_after_a"]
    assert all(r.status == "ok" for r in res.runs), [r.error for r in res.runs]
    log = {p.stem: json.loads(p.read_text()) for p in log_dir.glob("*.json")}
    a, b, after = log["01_a"], log["02_b"], log["03_after_a"]
    assert a["start"] < b["end"] and b["start"] < a["end"]  # 01 and 02 ran at the same time
    assert after["start"] >= a["end"]  # 03 waited for 01
    assert {v["omp"] for v in log.values()} == {str(max(1, (os.cpu_count() or 1) // 2))}
    assert os.environ.get("OMP_NUM_THREADS") == saved  # restored
    assert wall < sum(r.seconds for r in res.runs)  # side by side, not one after another
    with pytest.raises(ValueError, match="jobs"):
        report(tmp_path, book=False, progress=False, jobs=0)
