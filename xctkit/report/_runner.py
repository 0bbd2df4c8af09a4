"""Run the chapter notebooks with papermill and build the jupyter-book from the executed copies.

Layout (relative to the project root)::

    notebooks/NN_name.ipynb        clean, parameterised sources (a cell tagged ``parameters``)
    book/chapters/NN_name.ipynb    executed copies the book renders (build products)
    book/results/<chapter>__<table>.csv   key tables, one folder for a whole run
    data/generated/                volumes and models written by the chapters (never committed)

A notebook is re-run only when its cache key changes: the key hashes the notebook's cells
(without outputs), its parameters, the xctkit version, a digest of the xctkit source and the
keys of the chapters it depends on (``metadata.xctkit.depends_on`` in the notebook).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._profiles import profile_parameters

__all__ = [
    "ReportPaths",
    "NotebookRun",
    "ReportResult",
    "discover_notebooks",
    "parse_overrides",
    "run_notebooks",
    "build_book",
    "report",
    "configure_environment",
]

log = logging.getLogger(__name__)

CACHE_FILE = ".xctkit-cache.json"


@dataclass(frozen=True)
class ReportPaths:
    """Where the report reads and writes, all derived from the project root."""

    root: Path
    notebooks: Path
    book: Path
    chapters: Path
    results: Path
    data: Path
    cache: Path

    @classmethod
    def from_root(cls, root=".") -> ReportPaths:
        root = Path(root).resolve()
        for needed in ("notebooks", "book"):
            if not (root / needed).is_dir():
                raise FileNotFoundError(
                    f"`root` {str(root)!r} has no {needed}/ folder; run from the xctkit project "
                    "folder or pass --root"
                )
        book = root / "book"
        return cls(
            root=root,
            notebooks=root / "notebooks",
            book=book,
            chapters=book / "chapters",
            results=book / "results",
            data=root / "data" / "generated",
            cache=book / "chapters" / CACHE_FILE,
        )


@dataclass(frozen=True)
class NotebookRun:
    """Outcome of one notebook.

    Attributes
    ----------
    name : str
        Notebook stem, e.g. ``"01_virtual_electrodes"``.
    status : {'ok', 'cached', 'failed'}
    seconds : float
        Wall time of this run (0 when cached).
    output : Path
        The executed copy the book renders.
    failed_cell : int or None
        0-based index of the failing cell.
    error : str
        ``"ExceptionName: message"`` of the failure, else empty.
    """

    name: str
    status: str
    seconds: float
    output: Path
    failed_cell: int | None = None
    error: str = ""


@dataclass(frozen=True)
class ReportResult:
    """Outcome of ``xctkit report``."""

    runs: tuple[NotebookRun, ...]
    book_built: bool | None
    html_index: Path | None
    results: tuple[Path, ...] = ()
    book_log_tail: str = ""
    profile: str = ""
    seconds: float = 0.0
    summary_file: Path | None = field(default=None)

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.runs) and self.book_built is not False

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            [
                {"notebook": r.name, "status": r.status, "seconds": round(r.seconds, 1),
                 "failed_cell": r.failed_cell, "error": r.error}
                for r in self.runs
            ]
        )

    def summary(self) -> str:
        lines = [f"xctkit report (profile {self.profile!r}) — {self.seconds:.0f} s", ""]
        width = max([len(r.name) for r in self.runs] + [8])
        lines.append(f"  {'notebook':<{width}}  {'status':<7}  {'seconds':>8}")
        for r in self.runs:
            lines.append(f"  {r.name:<{width}}  {r.status:<7}  {r.seconds:8.1f}")
            if r.status == "failed":
                cell = "?" if r.failed_cell is None else r.failed_cell
                lines.append(f"    -> failed in cell {cell}: {r.error}")
        if self.results:
            lines += ["", "Result tables:"] + [f"  {p}" for p in self.results]
        lines.append("")
        if self.book_built is None:
            lines.append("Book: not built (--no-book)")
        elif self.book_built:
            lines.append(f"Book: {self.html_index}")
        else:
            lines.append("Book: BUILD FAILED")
            if self.book_log_tail:
                lines.append(self.book_log_tail)
        if self.summary_file:
            lines.append(f"Run summary: {self.summary_file}")
        lines.append("OK" if self.ok else "FAILED")
        return "\n".join(lines)


def configure_environment(paths: ReportPaths) -> None:
    """Point Keras at torch and every tool cache into the project (nothing under $HOME)."""
    cache = paths.root / ".cache"
    os.environ.setdefault("KERAS_BACKEND", "torch")
    defaults = {
        "MPLCONFIGDIR": cache / "matplotlib",
        "KERAS_HOME": cache / "keras",
        "IPYTHONDIR": cache / "ipython",
        "NUMBA_CACHE_DIR": cache / "numba",
        "TORCH_HOME": cache / "torch",
        "XDG_CACHE_HOME": cache / "xdg",
        "JUPYTER_RUNTIME_DIR": cache / "jupyter-runtime",
    }
    for key, value in defaults.items():
        if key not in os.environ:
            value.mkdir(parents=True, exist_ok=True)
            os.environ[key] = str(value)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def discover_notebooks(paths: ReportPaths, only=None) -> list[Path]:
    """Chapter notebooks in ``notebooks/`` (sorted), optionally filtered by ``only``.

    ``only`` items match a notebook by full stem, by its number prefix (``"01"``) or by a
    unique substring.
    """
    nbs = sorted(p for p in paths.notebooks.glob("*.ipynb") if not p.name.startswith("."))
    if not nbs:
        raise FileNotFoundError(f"no notebooks in {paths.notebooks}")
    if not only:
        return nbs
    chosen: list[Path] = []
    for item in only:
        hits = [p for p in nbs if p.stem == item or p.stem.split("_", 1)[0] == item]
        if not hits:
            hits = [p for p in nbs if item in p.stem]
        if len(hits) != 1:
            names = ", ".join(p.stem for p in nbs)
            what = "matches no notebook" if not hits else "is ambiguous"
            raise ValueError(f"--only {item!r} {what}; notebooks are: {names}")
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return sorted(chosen)


def parse_overrides(items) -> dict[str | None, dict[str, object]]:
    """Parse ``KEY=VALUE`` / ``NOTEBOOK:KEY=VALUE`` strings; values are read as YAML scalars."""
    import yaml

    out: dict[str | None, dict[str, object]] = {}
    for item in items or ():
        if "=" not in item:
            raise ValueError(f"-p expects KEY=VALUE or NOTEBOOK:KEY=VALUE, got {item!r}")
        lhs, raw = item.split("=", 1)
        scope, key = (lhs.split(":", 1) if ":" in lhs else (None, lhs))
        key = key.strip()
        if not key.isidentifier():
            raise ValueError(f"-p parameter name must be an identifier, got {key!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise ValueError(f"-p {item!r}: cannot parse value {raw!r}") from exc
        out.setdefault(scope.strip() if scope else None, {})[key] = value
    return out


def _declared_parameters(nb_path: Path) -> dict:
    import papermill

    # papermill warns about parameter lines whose comments it cannot parse, yet still reads the
    # names; the warning is noise in the run summary
    logging.getLogger("papermill.translators").setLevel(logging.ERROR)
    return papermill.inspect_notebook(str(nb_path))


def _source_digest() -> str:
    """Digest of xctkit's own source, so a code change invalidates cached chapters."""
    import xctkit

    h = hashlib.sha256()
    pkg = Path(xctkit.__file__).parent
    for p in sorted(pkg.rglob("*.py")):
        h.update(p.relative_to(pkg).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _notebook_meta(nb_path: Path) -> tuple[str, list[str]]:
    """(digest of the cell sources, depends_on list) of a source notebook."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    h = hashlib.sha256()
    for cell in nb.cells:
        h.update(cell.cell_type.encode())
        h.update(cell.source.encode())
        h.update(json.dumps(sorted(cell.metadata.get("tags", []))).encode())
    deps = list(nb.metadata.get("xctkit", {}).get("depends_on", []))
    return h.hexdigest(), deps


def _source_cell_index(source_nb: Path, failing_source: str, fallback: int) -> int:
    """0-based index of the failing cell in the *source* notebook (papermill's index counts the
    cell it injects), found by the cell's text."""
    import nbformat

    nb = nbformat.read(source_nb, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip() == (failing_source or "").strip():
            return i
    return fallback


def _load_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save_cache(path: Path, cache: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _parameters_for(nb_path: Path, base: dict, overrides: dict, paths: ReportPaths) -> dict:
    declared = _declared_parameters(nb_path)
    standard = {"data_dir": str(paths.data), "results_dir": str(paths.results)}
    merged = {**base, **standard, **overrides.get(None, {}), **overrides.get(nb_path.stem, {})}
    return {k: v for k, v in merged.items() if k in declared}


def _check_overrides(nbs: list[Path], overrides: dict) -> None:
    declared = {p.stem: set(_declared_parameters(p)) for p in nbs}
    for scope, kv in overrides.items():
        for key in kv:
            if scope is None:
                if not any(key in d for d in declared.values()):
                    raise ValueError(f"-p {key}=...: no selected notebook declares parameter {key!r}")
            else:
                if scope not in declared:
                    raise ValueError(f"-p {scope}:{key}=...: {scope!r} is not a selected notebook "
                                     f"(selected: {', '.join(declared)})")
                if key not in declared[scope]:
                    raise ValueError(f"-p {scope}:{key}=...: notebook {scope!r} declares no parameter "
                                     f"{key!r} (it declares: {', '.join(sorted(declared[scope]))})")


def _placeholder(path: Path, title: str, text: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{text}")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def run_notebooks(paths: ReportPaths, *, profile: str = "default", only=None, overrides=None,
                  force: bool = False, progress: bool = True, timeout_s: float | None = None
                  ) -> list[NotebookRun]:
    """Execute the chapter notebooks with papermill; see :func:`report`."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    import xctkit

    overrides = overrides or {}
    all_nbs = discover_notebooks(paths)
    selected = discover_notebooks(paths, only)
    _check_overrides(selected, overrides)
    base = profile_parameters(profile)
    paths.chapters.mkdir(parents=True, exist_ok=True)
    paths.results.mkdir(parents=True, exist_ok=True)
    paths.data.mkdir(parents=True, exist_ok=True)

    cache = _load_cache(paths.cache)
    src = _source_digest()
    keys: dict[str, str] = {}
    for nb in all_nbs:  # keys of all chapters, so dependencies resolve even when not selected
        digest, deps = _notebook_meta(nb)
        params = _parameters_for(nb, base, overrides, paths)
        h = hashlib.sha256()
        h.update(digest.encode())
        h.update(json.dumps(params, sort_keys=True, default=str).encode())
        h.update(xctkit.__version__.encode())
        h.update(src.encode())
        for d in deps:
            h.update(keys.get(d, d).encode())
        keys[nb.stem] = h.hexdigest()

    runs: list[NotebookRun] = []
    for nb in selected:
        out = paths.chapters / nb.name
        entry = cache.get(nb.stem, {})
        if (not force and entry.get("key") == keys[nb.stem] and entry.get("status") == "ok"
                and out.exists()):
            log.info("%s: unchanged, using cached output", nb.stem)
            runs.append(NotebookRun(nb.stem, "cached", 0.0, out))
            continue
        params = _parameters_for(nb, base, overrides, paths)
        tmp = out.with_name(f".{out.stem}.running.ipynb")
        t0 = time.perf_counter()
        failed_cell, error = None, ""
        try:
            papermill.execute_notebook(
                str(nb), str(tmp), parameters=params, kernel_name="python3",
                progress_bar=progress, cwd=str(paths.notebooks), execution_timeout=timeout_s,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no TCP-encryption notice per run
            )
            status = "ok"
        except PapermillExecutionError as exc:
            status = "failed"
            failed_cell = _source_cell_index(nb, exc.source, exc.cell_index)
            first_line = (exc.source or "").strip().splitlines()[:1]
            where = f" [cell {failed_cell} of {nb.name}, counting from 0, begins: {first_line[0][:60]}]" if first_line else ""
            error = f"{exc.ename}: {exc.evalue}".strip() + where
        except Exception as exc:  # kernel died, timeout, bad notebook: still report, keep going
            status = "failed"
            error = f"{type(exc).__name__}: {exc}".strip()
        seconds = time.perf_counter() - t0
        if not tmp.exists():
            _placeholder(tmp, nb.stem, f"**This chapter failed before it could run.**\n\n```\n{error}\n```")
        os.replace(tmp, out)
        if status == "failed":
            log.error("%s failed in cell %s: %s", nb.stem, failed_cell, error)
        cache[nb.stem] = {"key": keys[nb.stem], "status": status, "seconds": round(seconds, 1)}
        _save_cache(paths.cache, cache)
        runs.append(NotebookRun(nb.stem, status, seconds, out, failed_cell, error[:500]))
    return runs


def _toc_chapters(paths: ReportPaths) -> list[str]:
    import yaml

    toc = yaml.safe_load((paths.book / "_toc.yml").read_text())
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return [f for f in files if f.startswith("chapters/")]


def build_book(paths: ReportPaths, *, quiet: bool = True) -> tuple[bool, Path, str]:
    """Build the HTML book without executing anything.

    Chapters listed in ``_toc.yml`` that have no executed copy yet get a placeholder page that
    says how to run them. Returns ``(ok, index_html, log_tail)``.
    """
    for entry in _toc_chapters(paths):
        nb = paths.book / (entry if entry.endswith(".ipynb") else entry + ".ipynb")
        if not nb.exists():
            stem = Path(entry).stem
            _placeholder(nb, stem, f"This chapter has not been executed in this build. Run "
                                   f"`xctkit report --only {stem}` to execute it.")
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book"),
           "build", str(paths.book)]
    if quiet:
        cmd.append("-q")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.root)
    index = paths.book / "_build" / "html" / "index.html"
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
    ok = proc.returncode == 0 and index.exists()
    return ok, index, tail


def report(root=".", *, profile: str = "default", only=None, overrides=None, force: bool = False,
           book: bool = True, progress: bool = True, timeout_s: float | None = None) -> ReportResult:
    """Execute the chapter notebooks with papermill, then build the book.

    Parameters
    ----------
    root : str or Path
        Project folder holding ``notebooks/`` and ``book/``.
    profile : {'quick', 'default', 'full'}
        Named parameter set (:mod:`xctkit.report._profiles`).
    only : list of str, optional
        Notebook stems, number prefixes or unique substrings to run.
    overrides : dict or list of str, optional
        Parameter overrides, as parsed by :func:`parse_overrides` or raw ``-p`` strings.
    force : bool
        Re-run notebooks even when their cache key is unchanged.
    book : bool
        Build the HTML book after running.
    progress : bool
        Show papermill's per-cell progress bar.
    timeout_s : float, optional
        Per-cell execution timeout, seconds.

    Returns
    -------
    ReportResult
        ``ok`` is False when a notebook or the book build failed; the other notebooks still
        run and the book still builds (a failed chapter shows its error).
    """
    t0 = time.perf_counter()
    paths = ReportPaths.from_root(root)
    configure_environment(paths)
    if isinstance(overrides, (list, tuple)):
        overrides = parse_overrides(overrides)
    runs = run_notebooks(paths, profile=profile, only=only, overrides=overrides, force=force,
                         progress=progress, timeout_s=timeout_s)
    built, index, tail = (None, None, "")
    if book:
        built, index, tail = build_book(paths)
    results = tuple(sorted(paths.results.glob("*.csv")))
    result = ReportResult(tuple(runs), built, index if built else None, results,
                          "" if built else tail, profile, time.perf_counter() - t0)
    summary_file = paths.results / "run_summary.json"
    summary = {
        "profile": profile,
        "ok": result.ok,
        "seconds": round(result.seconds, 1),
        "notebooks": [
            {"name": r.name, "status": r.status, "seconds": round(r.seconds, 1),
             "failed_cell": r.failed_cell, "error": r.error}
            for r in runs
        ],
        "book_built": built,
        "html_index": None if not built else str(index),
        "results": [str(p) for p in results],
    }
    summary_file.write_text(json.dumps(summary, indent=1))
    return ReportResult(result.runs, built, result.html_index, results, result.book_log_tail,
                        profile, result.seconds, summary_file)
