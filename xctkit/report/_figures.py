"""Chapter figures and headline tables: numbered and captioned in the book; figures saved as PNG and
SVG with their provenance, tables as CSV (:func:`save_table`)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from ..io._volumes import atomic_path
from ._tables import _NAME_RE, save_table

__all__ = ["ChapterFigures"]


class ChapterFigures:
    """Save, number and caption one chapter's figures (:meth:`show`) and headline tables (:meth:`table`).

    ``show(fig, name, caption)`` writes ``<results_dir>/<chapter>__<name>.png`` and ``.svg``
    (atomically; the PNG's text chunks and the SVG's metadata carry the caption, xctkit version,
    git commit, chapter, parameters and date), then, inside a notebook, shows the figure as a
    numbered figure with its caption (a myst-nb ``glue:figure`` named ``fig-<chapter>-<name>``, so
    the text can cite it as ``{numref}`fig-<chapter>-<name>```) and closes it, so the inline
    backend does not draw it a second time. Outside IPython it only saves.

    Parameters
    ----------
    results_dir : str or Path
        The run's results folder (``book/results`` in a report run).
    chapter : str
        Letters, digits, ``_`` and ``-`` (the notebook's stem).
    params : dict, optional
        The run's parameters to record with each figure (profile, seed, ...); JSON-serialisable.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> figures = ChapterFigures(tempfile.mkdtemp(), chapter="99_demo", params={"seed": 0})
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> figures.show(fig, "line", "A straight line (arbitrary units).")
    >>> [p.name for p in figures.files("line")]
    ['99_demo__line.png', '99_demo__line.svg']
    >>> figures.label("line")
    'fig-99_demo-line'
    """

    def __init__(self, results_dir, *, chapter: str, params: dict | None = None):
        if not isinstance(chapter, str) or not _NAME_RE.match(chapter):
            raise ValueError(f"`chapter` must be letters, digits, '_' or '-', got {chapter!r}")
        if params is not None and not isinstance(params, dict):
            raise TypeError(f"`params` must be a dict or None, got {type(params).__name__}")
        self.results_dir = Path(results_dir)
        self.chapter = chapter
        self.params = dict(params or {})
        self._shown: set[str] = set()
        self._tables: set[str] = set()
        self._commit: str | None = None

    def label(self, name: str) -> str:
        """The cross-reference target of figure ``name``: ``fig-<chapter>-<name>``."""
        return f"fig-{self.chapter}-{name}"

    def _provenance(self, name: str, caption: str) -> dict:
        import xctkit

        from ._runner import git_commit

        if self._commit is None:
            self._commit = git_commit(Path.cwd())
        return {"figure": name, "chapter": self.chapter, "caption": caption,
                "xctkit_version": xctkit.__version__, "git_commit": self._commit or "unknown",
                "parameters": self.params,
                "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")}

    def files(self, name: str) -> list[Path]:
        """The PNG and SVG paths of figure ``name``."""
        return [self.results_dir / f"{self.chapter}__{name}{suffix}" for suffix in (".png", ".svg")]

    def show(self, fig, name: str, caption: str) -> None:
        """Save ``fig`` as PNG and SVG (:meth:`files`) and show it numbered, with ``caption``.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
        name : str
            Unique within the chapter; letters, digits, ``_`` and ``-``.
        caption : str
            MyST markdown: what is shown, units, data and parameters.
        """
        from matplotlib.figure import Figure

        if not isinstance(fig, Figure):
            raise TypeError(f"`fig` must be a matplotlib Figure, got {type(fig).__name__}")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"`name` must be letters, digits, '_' or '-', got {name!r}")
        if name in self._shown:
            raise ValueError(f"`name` {name!r} is already used by another figure of chapter {self.chapter!r}")
        if not isinstance(caption, str) or not caption.strip():
            raise ValueError("`caption` must be a non-empty string saying what the figure shows")
        self._shown.add(name)
        prov = self._provenance(name, caption)
        self.results_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(prov, default=str, ensure_ascii=False)
        for suffix, meta in ((".png", {"Title": name, "Description": caption, "Software": f"xctkit {prov['xctkit_version']}",
                                       "Source": prov["git_commit"], "Comment": text}),
                             (".svg", {"Title": name, "Description": text, "Creator": f"xctkit {prov['xctkit_version']}",
                                       "Source": prov["git_commit"], "Date": prov["date"]})):
            out = self.results_dir / f"{self.chapter}__{name}{suffix}"
            with atomic_path(out, overwrite=True) as tmp:
                fig.savefig(tmp, format=suffix[1:], metadata=meta, bbox_inches="tight")
        self._display(fig, name, caption)

    def table_label(self, name: str) -> str:
        """The cross-reference target of table ``name``: ``tbl-<chapter>-<name>``."""
        return f"tbl-{self.chapter}-{name}"

    def table(self, frame, name: str, caption: str, *, round_to: int | None = 4, save: bool = True) -> None:
        """Save ``frame`` as ``<results_dir>/<chapter>__<name>.csv`` (:func:`save_table`, full
        precision; ``save=False`` for a view of a table saved already) and show it as a numbered table with ``caption`` (a MyST ``table`` directive named
        ``tbl-<chapter>-<name>``), its numbers rounded to ``round_to`` decimals for reading.

        Parameters
        ----------
        frame : pandas.DataFrame
            Shown (and saved) with its index unless that is a plain range (pivot tables, transposed views).
        name, caption : str
            As for :meth:`show`; ``caption`` is one line of MyST markdown.
        round_to : int or None
        """
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
        if not isinstance(caption, str) or not caption.strip() or "\n" in caption.strip():
            raise ValueError("`caption` must be one non-empty line saying what the table shows")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"`name` must be letters, digits, '_' or '-', got {name!r}")
        if name in self._tables:
            raise ValueError(f"`name` {name!r} is already used by another table of chapter {self.chapter!r}")
        self._tables.add(name)
        flat = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
        if save:
            save_table(flat, self.results_dir, chapter=self.chapter, table=name)
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover
            return
        if get_ipython() is None:
            return
        from IPython.display import Markdown, display

        shown = (flat.round(round_to) if round_to is not None else flat).copy()
        shown.columns = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in shown.columns]
        body = shown.to_markdown(index=False)
        label = self.table_label(name)
        display(Markdown(f"````{{table}} {caption.strip()}\n:name: {label}\n\n{body}\n````"))

    def _display(self, fig, name: str, caption: str) -> None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython ships with the report's dependencies
            return
        if get_ipython() is None:
            return
        import matplotlib.pyplot as plt
        from IPython.display import Markdown, display
        from myst_nb import glue

        label = self.label(name)
        glue(label, fig, display=False)
        plt.close(fig)
        display(Markdown(f"````{{glue:figure}} {label}\n:name: {label}\n\n{caption}\n````"))
