"""Run the chapter notebooks with papermill and build the jupyter-book from the executed copies.

Layout of the default run (relative to the project root)::

    notebooks/NN_name.ipynb        clean, parameterised sources (a cell tagged ``parameters``)
    book/chapters/NN_name.ipynb    executed copies the book renders (build products)
    book/results/<chapter>__<table>.csv   key tables, one folder for a whole run
    book/_build/html/              the HTML book
    data/generated/                volumes and models written by the chapters (never committed)

With ``out=DIR`` (``xctkit report --out DIR``) a run is self-contained and touches nothing in
``book/`` or ``data/``: the book sources are copied to ``DIR`` and the run writes
``DIR/chapters``, ``DIR/results``, ``DIR/data`` and ``DIR/_build/html``. A sweep
(:func:`sweep`) gives every parameter combination its own such folder, ``DIR/<key>-<value>...``.

The executed copies are prepared for reading (the sources are never changed): papermill's
injected-parameters cell is dropped, the ``parameters`` cell is removed and the run's parameters
are shown once as a table, code cells are tagged ``hide-input`` (behind a toggle), and a
provenance footer (xctkit version, git commit, profile, parameters, date, wall time) closes the
page. A chapter whose ``metadata.xctkit.needs`` lists manifest fields that
``xctkit.workflows.missing_inputs`` reports missing is not run; its page says what is missing.

A notebook is re-run only when its cache key changes: the key hashes the notebook's cells
(without outputs), its parameters, the xctkit version, a digest of the xctkit source and the
keys of the chapters it depends on (``metadata.xctkit.depends_on`` in the notebook).
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import functools
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .._threads import shared_cores
from ..io import atomic_path
from ._profiles import profile_parameters

__all__ = [
    "ReportPaths",
    "NotebookRun",
    "ReportResult",
    "discover_notebooks",
    "chapter_source",
    "parse_overrides",
    "run_notebooks",
    "build_book",
    "report",
    "configure_environment",
    "check_overrides",
    "publish_notebook",
    "provenance",
    "git_commit",
    "parse_sweep",
    "sweep_runs",
    "sweep",
    "compare_runs",
]

log = logging.getLogger(__name__)

CACHE_FILE = ".xctkit-cache.json"


@dataclass(frozen=True)
class ReportPaths:
    """Where the report reads and writes.

    ``book_src`` is the checkout's ``book/`` (configuration, TOC, intro); ``book`` is the folder
    that is built: ``book_src`` itself for the default run, or the ``out`` folder, which receives a
    copy of the sources.
    """

    root: Path
    notebooks: Path
    book: Path
    chapters: Path
    results: Path
    data: Path
    cache: Path
    book_src: Path | None = None

    @classmethod
    def from_root(cls, root=".", out=None) -> ReportPaths:
        root = Path(root).resolve()
        for needed in ("notebooks", "book"):
            if not (root / needed).is_dir():
                raise FileNotFoundError(
                    f"`root` {str(root)!r} has no {needed}/ folder; run from the xctkit project "
                    "folder or pass --root"
                )
        src = root / "book"
        if out is None or Path(out).resolve() == src:
            book, data = src, root / "data" / "generated"
        else:
            book = Path(out).resolve()
            if book == root or book in root.parents or book in (root / "notebooks", root / "data"):
                raise ValueError(f"`out` {str(book)!r} must be a folder of its own, not the project "
                                 "folder or its notebooks/ or data/")
            if book.exists() and not book.is_dir():
                raise ValueError(f"`out` {str(book)!r} exists and is not a folder")
            data = book / "data"
        return cls(root=root, notebooks=root / "notebooks", book=book, chapters=book / "chapters",
                   results=book / "results", data=data, cache=book / "chapters" / CACHE_FILE,
                   book_src=src)

    @property
    def html(self) -> Path:
        return self.book / "_build" / "html"

    def stage_book(self) -> None:
        """Copy the book sources (config, TOC, pages, ``_static``) into ``book`` for an ``out`` run."""
        if self.book_src is None or self.book == self.book_src:
            return
        self.book.mkdir(parents=True, exist_ok=True)
        skip = {"_build", "chapters", "results", "data"}
        for item in self.book_src.iterdir():
            if item.name in skip or item.name.startswith("."):
                continue
            target = self.book / item.name
            if item.is_dir():
                shutil.copytree(item, target, dirs_exist_ok=True)
            else:
                shutil.copy2(item, target)


@dataclass(frozen=True)
class NotebookRun:
    """Outcome of one notebook.

    Attributes
    ----------
    name : str
        Notebook stem, e.g. ``"01_virtual_electrodes"``.
    status : {'ok', 'cached', 'failed', 'skipped'}
        ``skipped``: the chapter needs manifest fields that are missing (see ``missing``).
    seconds : float
        Wall time of this run (0 when cached).
    output : Path
        The executed copy the book renders.
    failed_cell : int or None
        0-based index of the failing cell.
    error : str
        ``"ExceptionName: message"`` of the failure, else empty.
    missing : tuple of str
        Manifest fields the chapter needs and the manifest lacks (status ``skipped``).
    """

    name: str
    status: str
    seconds: float
    output: Path
    failed_cell: int | None = None
    error: str = ""
    missing: tuple[str, ...] = ()


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
            if r.status == "skipped":
                lines.append(f"    -> not run, missing inputs: {', '.join(r.missing)}")
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
    """papermill's description of the ``parameters`` cell: ``{name: {"default": source, ...}}``."""
    p = Path(nb_path)
    return _declared_cached(str(p), p.stat().st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _declared_cached(path: str, _mtime_ns: int) -> dict:
    import papermill

    # papermill warns about parameter lines whose comments it cannot parse, yet still reads the
    # names; the warning is noise in the run summary
    logging.getLogger("papermill.translators").setLevel(logging.ERROR)
    return papermill.inspect_notebook(path)


_NO_DEFAULT = object()


def _default_value(spec: dict):
    """The Python value of a declared default (a literal), else ``_NO_DEFAULT``."""
    try:
        return ast.literal_eval(str(spec.get("default", "")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NO_DEFAULT


def _type_name(value) -> str:
    return type(value).__name__


def _type_mismatch(value, default) -> str | None:
    """Why ``value`` cannot replace ``default`` (None when it can); int is accepted for float."""
    if default is None or default is _NO_DEFAULT:
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"
    if isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else "a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "a string (quote it, e.g. KEY='\"123\"')"
    if isinstance(default, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            return "a list such as [1, 2]"
        if default and all(type(d) is type(default[0]) for d in default):
            for i, item in enumerate(value):
                why = _type_mismatch(item, default[0])
                if why:
                    return f"a list whose items are {why} (item {i} is {item!r})"
        return None
    if isinstance(default, dict):
        return None if isinstance(value, dict) else "a mapping such as {a: 1}"
    return None


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
    _write_text(path, json.dumps(cache, indent=1, sort_keys=True))


def _parameters_for(nb_path: Path, base: dict, overrides: dict, paths: ReportPaths) -> dict:
    declared = _declared_parameters(nb_path)
    standard = {"data_dir": str(paths.data), "results_dir": str(paths.results)}
    merged = {**base, **standard, **overrides.get(None, {}), **overrides.get(nb_path.stem, {})}
    return {k: v for k, v in merged.items() if k in declared}


def check_overrides(nbs, overrides: dict) -> None:
    """Refuse overrides no selected notebook declares, or whose value does not fit the default.

    Parameters
    ----------
    nbs : list of Path
        The selected notebooks.
    overrides : dict
        As returned by :func:`parse_overrides`.

    Raises
    ------
    ValueError
        Naming the parameter, the notebook, the expected type and the value given; raised before
        any kernel starts.
    """
    declared = {Path(p).stem: _declared_parameters(Path(p)) for p in nbs}
    for scope, kv in overrides.items():
        for key, value in kv.items():
            if scope is None:
                owners = [name for name, d in declared.items() if key in d]
                if not owners:
                    raise ValueError(f"-p {key}=...: no selected notebook declares parameter {key!r}")
            else:
                if scope not in declared:
                    raise ValueError(f"-p {scope}:{key}=...: {scope!r} is not a selected notebook "
                                     f"(selected: {', '.join(declared)})")
                if key not in declared[scope]:
                    raise ValueError(f"-p {scope}:{key}=...: notebook {scope!r} declares no parameter "
                                     f"{key!r} (it declares: {', '.join(sorted(declared[scope]))})")
                owners = [scope]
            for name in owners:
                spec = declared[name][key]
                default = _default_value(spec)
                why = _type_mismatch(value, default)
                if why:
                    raise ValueError(
                        f"-p {key}={value!r}: parameter {key!r} of notebook {name!r} expects {why} "
                        f"(its default is {spec.get('default')}), got {_type_name(value)} {value!r}")


_check_overrides = check_overrides


def _write_notebook(nb, path: Path) -> None:
    """Write a notebook atomically (a temporary file beside it, then a rename)."""
    import nbformat

    with atomic_path(path, overwrite=True) as tmp:
        nbformat.write(nb, str(tmp))


def _placeholder(path: Path, title: str, text: str, footer: str = "") -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{text}")]
    if footer:
        nb.cells.append(nbformat.v4.new_markdown_cell(footer))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    _write_notebook(nb, path)


def git_commit(root) -> str:
    """Short commit of the checkout at ``root`` (``+modified`` when tracked files changed), or ``""``."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=20)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=20)
        return head.stdout.strip() + ("+modified" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def _md_value(value) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    text = text.replace("|", "\\|").replace("`", "'")
    return f"`{text}`"


_PLUMBING = {"data_dir", "results_dir"}


def _parameters_table(values: dict, changed: set, profile: str) -> str:
    """A markdown admonition with a two-column table of the run's parameters."""
    rows = [f"| `{k}` | {_md_value(v)}{' (set for this run)' if k in changed else ''} |"
            for k, v in values.items() if k not in _PLUMBING]
    if not rows:
        return ""
    klass = "xctkit-parameters dropdown" if len(rows) > 10 else "xctkit-parameters"
    return "\n".join([
        f":::{{admonition}} Parameters of this run (profile `{profile}`)",
        f":class: {klass}",
        "",
        "| parameter | value |",
        "|---|---|",
        *rows,
        ":::",
    ])


def provenance(paths: ReportPaths, nb_name: str, profile: str, params: dict, changed: dict,
               seconds: float | None, status: str) -> dict:
    """The record of what produced a chapter page (stored in the executed notebook's metadata)."""
    import xctkit

    return {
        "xctkit_version": xctkit.__version__,
        "git_commit": git_commit(paths.root),
        "profile": profile,
        "seed": params.get("seed"),
        "parameters": {k: v for k, v in params.items() if k not in _PLUMBING},
        "changed": changed,
        "source": f"notebooks/{nb_name}.ipynb",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": None if seconds is None else round(seconds, 1),
        "status": status,
        "python": sys.version.split()[0],
    }


def _provenance_footer(prov: dict) -> str:
    changed = ", ".join(f"`{k}={json.dumps(v, default=str)}`" for k, v in prov["changed"].items())
    parts = [
        f"xctkit {prov['xctkit_version']}",
        f"commit `{prov['git_commit']}`" if prov["git_commit"] else "commit unknown (not a git checkout)",
        f"profile `{prov['profile']}`",
        f"seed `{prov['seed']}`" if prov["seed"] is not None else "",
        f"set for this run: {changed}" if changed else "profile parameters unchanged",
        f"run {prov['date']}",
        f"wall time {prov['wall_time_s']:.1f} s" if prov["wall_time_s"] is not None else "",
        f"source `{prov['source']}`",
        "status **FAILED**" if prov["status"] == "failed" else "",
    ]
    text = " · ".join(p for p in parts if p)
    return f"```{{container}} xctkit-provenance\n**Provenance.** {text}\n```"


_LAYOUT_TAGS = {"remove-cell", "remove-input", "hide-input", "hide-cell", "show-input"}


def publish_notebook(path: Path, *, declared: dict, params: dict, prov: dict) -> None:
    """Prepare an executed notebook for reading, in place (the source notebook is untouched).

    Drops papermill's ``injected-parameters`` cell, removes the ``parameters`` cell and shows the
    run's values once as a table after the title, tags every code cell ``hide-input`` (the code
    sits behind a toggle; outputs stay visible) unless it already carries a layout tag, and appends
    the provenance footer. ``prov`` is also stored as ``metadata.xctkit.provenance``.
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cells = []
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if "injected-parameters" in tags:
            continue
        if "parameters" in tags:
            tags.append("remove-cell")
        elif cell.cell_type == "code" and not _LAYOUT_TAGS.intersection(tags):
            tags.append("hide-input")
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
    values = {}
    for key, spec in declared.items():
        default = _default_value(spec)
        values[key] = params[key] if key in params else (spec.get("default") if default is _NO_DEFAULT
                                                          else default)
    table = _parameters_table(values, set(prov["changed"]), prov["profile"])
    at = 1 if cells and cells[0].cell_type == "markdown" else 0
    if table:
        cells.insert(at, nbformat.v4.new_markdown_cell(table))
    footer = nbformat.v4.new_markdown_cell(_provenance_footer(prov))
    footer.metadata["tags"] = ["xctkit-provenance"]
    cells.append(footer)
    nb.cells = cells
    nb.metadata.setdefault("xctkit", {})["provenance"] = prov
    _write_notebook(nb, path)


def _missing_inputs(nb_path: Path, needs, params: dict, declared: dict) -> list[str]:
    """Manifest fields the chapter needs and the manifest lacks; ``[]`` when nothing can tell.

    Uses ``xctkit.workflows.missing_inputs(manifest_path, needs)`` when it exists (imported here,
    lazily); without it nothing counts as missing.
    """
    if not needs:
        return []
    try:
        from xctkit.workflows import missing_inputs
    except ImportError:
        return []
    if "manifest" in params:
        manifest = params["manifest"]
    else:
        default = _default_value(declared.get("manifest", {}))
        manifest = None if default is _NO_DEFAULT else default
    return [str(m) for m in (missing_inputs(manifest, list(needs)) or [])]


@contextlib.contextmanager
def _inline_figures():
    """Kernels inherit the environment; a non-interactive ``MPLBACKEND`` (``Agg``, set by test
    runners and headless shells) would keep every figure out of the executed notebook."""
    saved = os.environ.get("MPLBACKEND")
    if saved is not None and "inline" not in saved:
        del os.environ["MPLBACKEND"]  # ipykernel then selects matplotlib-inline
    try:
        yield
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


def chapter_source(nb_path: Path, overrides=None) -> Path:
    """The notebook that renders a chapter: its user-study variant ``notebooks/user/<name>`` when a
    manifest is given and the variant exists, else the chapter notebook itself.

    A chapter that reproduces a paper on the virtual laboratory leans on the generator's truth at
    every step; its user variant measures the same quantities on a user's scans and judges them
    against the HR scan and the manifest's reference labels instead. Both render as the same chapter.

    Examples
    --------
    >>> from pathlib import Path
    >>> chapter_source(Path("notebooks/04_nmc_expansion.ipynb"), {}).name
    '04_nmc_expansion.ipynb'
    """
    overrides = overrides or {}
    given = {**overrides.get(None, {}), **overrides.get(nb_path.stem, {})}.get("manifest")
    variant = nb_path.parent / "user" / nb_path.name
    return variant if given and variant.exists() else nb_path


def run_notebooks(paths: ReportPaths, *, profile: str = "default", only=None, overrides=None,
                  force: bool = False, progress: bool = True, timeout_s: float | None = None,
                  jobs: int = 1) -> list[NotebookRun]:
    """Execute the chapter notebooks with papermill; see :func:`report`.

    With ``jobs > 1`` up to ``jobs`` chapters run at once, each as soon as the chapters it depends on
    (``metadata.xctkit.depends_on``, among those selected) have finished; the runs are returned in
    chapter order whatever the order they finished in.
    """
    import threading
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    import xctkit

    overrides = overrides or {}
    all_nbs = discover_notebooks(paths)
    selected = discover_notebooks(paths, only)
    check_overrides([chapter_source(nb, overrides) for nb in selected], overrides)
    base = profile_parameters(profile)
    paths.chapters.mkdir(parents=True, exist_ok=True)
    paths.results.mkdir(parents=True, exist_ok=True)
    paths.data.mkdir(parents=True, exist_ok=True)

    cache = _load_cache(paths.cache)
    src = _source_digest()
    keys: dict[str, str] = {}
    for chapter in all_nbs:  # keys of all chapters, so dependencies resolve even when not selected
        nb = chapter_source(chapter, overrides)
        digest, deps = _notebook_meta(nb)
        params = _parameters_for(nb, base, overrides, paths)
        h = hashlib.sha256()
        h.update(digest.encode())
        h.update(json.dumps(params, sort_keys=True, default=str).encode())
        h.update(xctkit.__version__.encode())
        h.update(src.encode())
        h.update(b"layout-2")  # the executed copies' post-processing (publish_notebook)
        for d in deps:
            h.update(keys.get(d, d).encode())
        keys[nb.stem] = h.hexdigest()

    jobs = check_jobs(jobs)
    lock = threading.Lock()  # the cache file is shared by the chapters running at once

    def save(name, entry):
        with lock:
            if entry is None:
                cache.pop(name, None)
            else:
                cache[name] = entry
            _save_cache(paths.cache, cache)

    def run_one(chapter) -> NotebookRun:
        out = paths.chapters / chapter.name
        nb = chapter_source(chapter, overrides)
        declared = _declared_parameters(nb)
        params = _parameters_for(nb, base, overrides, paths)
        changed = {k: v for k, v in {**overrides.get(None, {}), **overrides.get(nb.stem, {})}.items()
                   if k in declared}
        needs = nbformat.read(nb, as_version=4).metadata.get("xctkit", {}).get("needs", [])
        # a chapter that does not take `manifest` still needs it judged against the user's manifest
        given = {**overrides.get(None, {}), **overrides.get(nb.stem, {})}.get("manifest")
        missing = _missing_inputs(nb, needs, params if given is None else {**params, "manifest": given}, declared)
        if missing:
            prov = provenance(paths, nb.stem, profile, params, changed, None, "skipped")
            listing = "\n".join(f"- `{m}`" for m in missing)
            _placeholder(out, nb.stem,
                         "**This chapter was not run: the manifest lacks inputs it needs.**\n\n"
                         f"Missing manifest fields:\n\n{listing}\n\n"
                         f"Add them to the manifest (`{params.get('manifest')}`) and run "
                         f"`xctkit report --only {nb.stem}`.", _provenance_footer(prov))
            save(nb.stem, None)
            log.warning("%s: not run, missing manifest fields %s", nb.stem, missing)
            return NotebookRun(nb.stem, "skipped", 0.0, out, missing=tuple(missing))
        entry = cache.get(nb.stem, {})
        if (not force and entry.get("key") == keys[nb.stem] and entry.get("status") == "ok"
                and out.exists()):
            log.info("%s: unchanged, using cached output", nb.stem)
            return NotebookRun(nb.stem, "cached", 0.0, out)
        tmp = out.with_name(f".{out.stem}.running.ipynb")
        t0 = time.perf_counter()
        failed_cell, error = None, ""
        try:
            papermill.execute_notebook(
                str(nb), str(tmp), parameters=params, kernel_name="python3",
                progress_bar=progress, cwd=str(paths.notebooks), execution_timeout=timeout_s,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no TCP-encryption notice
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
        prov = provenance(paths, nb.stem, profile, params, changed, seconds, status)
        if tmp.exists():
            try:
                publish_notebook(tmp, declared=declared, params=params, prov=prov)
            except Exception as exc:  # never lose a run's output to the layout step
                log.error("%s: could not prepare the executed copy for the book: %s", nb.stem, exc)
        else:
            _placeholder(tmp, nb.stem, f"**This chapter failed before it could run.**\n\n```\n{error}\n```",
                         _provenance_footer(prov))
        os.replace(tmp, out)
        if status == "failed":
            log.error("%s failed in cell %s: %s", nb.stem, failed_cell, error)
        save(nb.stem, {"key": keys[nb.stem], "status": status, "seconds": round(seconds, 1)})
        return NotebookRun(nb.stem, status, seconds, out, failed_cell, error[:500])

    stems = [chapter_source(c, overrides).stem for c in selected]
    deps = {stem: [d for d in _notebook_meta(chapter_source(c, overrides))[1] if d in stems]
            for stem, c in zip(stems, selected)}
    done: dict[str, NotebookRun] = {}
    # os.environ is process-wide: the kernels' environment is set once around all the runs
    # with chapters side by side each kernel gets its share of the cores, so two training loops do
    # not oversubscribe them (a thread count the user set is kept)
    with shared_cores(jobs), _inline_figures(), ThreadPoolExecutor(max_workers=jobs) as pool:
        pending = list(zip(stems, selected))
        running = {}
        while pending or running:
            for stem, chapter in list(pending):
                if len(running) >= jobs:
                    break
                if all(d in done for d in deps[stem]) or not running:  # (a dependency cycle runs in order)
                    pending.remove((stem, chapter))
                    running[pool.submit(run_one, chapter)] = stem
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                done[running.pop(fut)] = fut.result()
    runs = [done[stem] for stem in stems]
    return runs


def check_jobs(jobs) -> int:
    """``jobs`` as a positive int (chapters run at once), or a ValueError naming it."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"`jobs` must be a positive integer (chapters run at once), got {jobs!r}")
    return jobs


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
    paths.stage_book()
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
    index = paths.html / "index.html"
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
    ok = proc.returncode == 0 and index.exists()
    return ok, index, tail


def report(root=".", *, profile: str = "default", only=None, overrides=None, force: bool = False,
           book: bool = True, progress: bool = True, timeout_s: float | None = None,
           out=None, jobs: int = 1) -> ReportResult:
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
        Parameter overrides, as parsed by :func:`parse_overrides` or raw ``-p`` strings. Each is
        checked against the notebooks' declared defaults (name and type) before anything runs.
    force : bool
        Re-run notebooks even when their cache key is unchanged.
    book : bool
        Build the HTML book after running.
    progress : bool
        Show papermill's per-cell progress bar.
    timeout_s : float, optional
        Per-cell execution timeout, seconds.
    out : str or Path, optional
        Folder for the whole run (chapters, results, data, HTML); nothing in the project's
        ``book/`` or ``data/`` is written. Default: today's locations in the project.
    jobs : int
        Chapters run at once (each once the chapters it depends on have finished); every kernel
        then gets ``cpu_count // jobs`` threads unless ``OMP_NUM_THREADS`` is set.

    Returns
    -------
    ReportResult
        ``ok`` is False when a notebook or the book build failed; the other notebooks still
        run and the book still builds (a failed chapter shows its error).

    Examples
    --------
    >>> res = report(".", profile="quick", out="/tmp/xct-quick")  # doctest: +SKIP
    >>> res.html_index                                             # doctest: +SKIP
    PosixPath('/tmp/xct-quick/_build/html/index.html')
    """
    t0 = time.perf_counter()
    paths = ReportPaths.from_root(root, out)
    configure_environment(paths)
    if isinstance(overrides, (list, tuple)):
        overrides = parse_overrides(overrides)
    check_overrides([chapter_source(nb, overrides) for nb in discover_notebooks(paths, only)], overrides or {})
    paths.stage_book()
    runs = run_notebooks(paths, profile=profile, only=only, overrides=overrides, force=force,
                         progress=progress, timeout_s=timeout_s, jobs=check_jobs(jobs))
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
        "jobs": jobs,
        "out": str(paths.book),
        "overrides": {("*" if k is None else k): v for k, v in (overrides or {}).items()},
        "notebooks": [
            {"name": r.name, "status": r.status, "seconds": round(r.seconds, 1),
             "failed_cell": r.failed_cell, "error": r.error, "missing": list(r.missing)}
            for r in runs
        ],
        "book_built": built,
        "html_index": None if not built else str(index),
        "results": [str(p) for p in results],
    }
    _write_text(summary_file, json.dumps(summary, indent=1, default=str))
    return ReportResult(result.runs, built, result.html_index, results, result.book_log_tail,
                        profile, result.seconds, summary_file)


def _write_text(path: Path, text: str) -> None:
    """Every JSON/CSV file of a report run goes through the one atomic writer (io.atomic_path)."""
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(text)


# ----------------------------------------------------------------------------------------- sweep

def parse_sweep(items) -> dict[str, list]:
    """Parse ``--sweep KEY=V1,V2,...`` strings into ``{key: [values]}``.

    Values are split at commas and each is read as YAML (``seed=0,1,2``); to sweep a list-valued
    parameter give a YAML list of the values, ``lab_fov_factor=[2, 3]`` or
    ``lab_dry_shape=[[64, 96, 96], [96, 128, 128]]``.
    """
    import yaml

    out: dict[str, list] = {}
    for item in items or ():
        if "=" not in item:
            raise ValueError(f"--sweep expects KEY=V1,V2,..., got {item!r}")
        key, raw = (t.strip() for t in item.split("=", 1))
        if not key.isidentifier():
            raise ValueError(f"--sweep parameter name must be an identifier, got {key!r}")
        try:
            if raw.startswith("["):
                values = yaml.safe_load(raw)
                if not isinstance(values, list):
                    raise ValueError
            else:
                values = [yaml.safe_load(v) for v in raw.split(",")]
        except (yaml.YAMLError, ValueError) as exc:
            raise ValueError(f"--sweep {item!r}: cannot read the values {raw!r}") from exc
        if not values or any(v is None for v in values):
            raise ValueError(f"--sweep {item!r}: give at least one value, none empty")
        if len({json.dumps(v, sort_keys=True, default=str) for v in values}) != len(values):
            raise ValueError(f"--sweep {item!r}: values repeat")
        if key in out:
            raise ValueError(f"--sweep {key!r} given twice")
        out[key] = values
    return out


def _slug(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-")
    return text or "x"


def sweep_runs(sweep: dict[str, list]) -> list[tuple[str, dict]]:
    """``[(folder_name, {key: value})]`` for every combination (Cartesian product, keys in order).

    The folder name is ``key-value`` joined by ``__`` (``seed-0``, ``seed-1__sr_epochs-4``);
    distinct combinations always get distinct names.
    """
    keys = list(sweep)
    runs = []
    for combo in itertools.product(*(sweep[k] for k in keys)):
        runs.append(("__".join(f"{k}-{_slug(v)}" for k, v in zip(keys, combo, strict=True)),
                     dict(zip(keys, combo, strict=True))))
    names = [n for n, _ in runs]
    if len(set(names)) != len(names):  # two values with the same slug: fall back to indices
        runs = [(f"run-{i:03d}__{n}", c) for i, (n, c) in enumerate(runs)]
    return runs


def sweep(root=".", *, sweep: dict | list, out=None, profile: str = "default", overrides=None,
          **kwargs) -> list[tuple[dict, ReportResult]]:
    """Run :func:`report` once per parameter combination, each into its own folder.

    Parameters
    ----------
    root : str or Path
        Project folder.
    sweep : dict or list of str
        ``{key: [values]}`` or raw ``--sweep`` strings (:func:`parse_sweep`).
    out : str or Path, optional
        Parent folder; run ``i`` writes ``out/<name_i>/`` (see :func:`sweep_runs`), so no run
        overwrites another and re-running a combination reuses its cache. Default:
        ``<root>/book/_build/sweep``.
    profile, overrides, **kwargs
        As for :func:`report` (swept keys override ``overrides``).

    Returns
    -------
    list of (dict, ReportResult)
        Each combination and its result. ``out/sweep.json`` lists them; for every result table
        present in all runs ``out/comparison/<table>.csv`` holds the mean and the standard
        deviation across runs of each numeric column (see :func:`compare_runs`).
    """
    root = Path(root).resolve()
    if isinstance(sweep, (list, tuple)):
        sweep = parse_sweep(sweep)
    if not sweep:
        raise ValueError("`sweep` must name at least one parameter and its values")
    out = Path(out).resolve() if out is not None else root / "book" / "_build" / "sweep"
    if isinstance(overrides, (list, tuple)):
        overrides = parse_overrides(overrides)
    overrides = overrides or {}
    combos = sweep_runs(sweep)
    paths = ReportPaths.from_root(root)
    selected = discover_notebooks(paths, kwargs.get("only"))
    for _, combo in combos:  # every combination checked before the first runs
        check_overrides(selected, {**overrides, None: {**overrides.get(None, {}), **combo}})
    results = []
    for name, combo in combos:
        ov = {**overrides, None: {**overrides.get(None, {}), **combo}}
        res = report(root, profile=profile, overrides=ov, out=out / name, **kwargs)
        results.append((combo, res))
    compare_runs([(name, out / name / "results") for name, _ in combos], out / "comparison")
    _write_text(out / "sweep.json", json.dumps(
        {"profile": profile, "sweep": sweep,
         "runs": [{"folder": name, "parameters": combo, "ok": res.ok,
                   "html_index": None if res.html_index is None else str(res.html_index)}
                  for (name, combo), (_, res) in zip(combos, results, strict=True)]}, indent=1, default=str))
    return results


def compare_runs(runs, out) -> list[Path]:
    """Mean and standard deviation across runs of every numeric column of every shared table.

    Parameters
    ----------
    runs : list of (str, Path)
        Run name and its results folder.
    out : Path
        Folder for ``<table>.csv``: the table's non-numeric columns (row identity), then
        ``<column>_mean``, ``<column>_sd`` (sample SD, ddof=1; NaN with one run) and ``n_runs``.

    Returns
    -------
    list of Path
        The comparison tables written.
    """
    import pandas as pd

    out = Path(out)
    tables: dict[str, list] = {}
    for name, folder in runs:
        for csv in sorted(Path(folder).glob("*.csv")):
            tables.setdefault(csv.name, []).append((name, csv))
    written = []
    for table, items in sorted(tables.items()):
        if len(items) != len(runs):
            continue
        frames = []
        for name, csv in items:
            f = pd.read_csv(csv)
            f.insert(0, "_row", range(len(f)))
            f.insert(0, "_run", name)
            frames.append(f)
        data = pd.concat(frames, ignore_index=True)
        numeric = [c for c in data.columns if c not in ("_run", "_row")
                   and pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])]
        if not numeric:
            continue
        ident = [c for c in data.columns if c not in numeric and c != "_run"]
        keys = ["_row"] + [c for c in ident if c != "_row"]
        grouped = data.groupby(keys, sort=True, dropna=False)[numeric]
        mean = grouped.mean().add_suffix("_mean")
        sd = grouped.std(ddof=1).add_suffix("_sd")
        n = grouped.size().rename("n_runs")
        res = pd.concat([mean, sd, n], axis=1)
        res = res[[c for pair in zip(mean.columns, sd.columns, strict=True) for c in pair] + ["n_runs"]]
        res = res.reset_index().drop(columns="_row")
        path = out / table
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_text(path, res.to_csv(index=False))
        written.append(path)
    return written
