"""Sphinx extension of the report book: MathJax served with the book, never from a CDN.

Sphinx's default ``mathjax_path`` is a jsdelivr URL, so a page with math would reach the
network. This extension looks for a local MathJax 2 (Debian's ``libjs-mathjax`` package:
``/usr/share/javascript/mathjax``; or the folder named by ``$XCTKIT_MATHJAX_DIR``), copies the
few files the TeX → CommonHTML renderer needs (about 2 MB) to ``_static/mathjax`` of the built
book and points ``mathjax_path`` there. Without a local copy the build warns and math stays as
TeX source: the book never references a CDN either way.

It also drops repeated ``<script>`` entries (sphinx-thebe's inline configuration, added once
per page built, made the browser report a redeclared ``const``).

Enabled in ``book/_config.yml`` (``sphinx.extra_extensions``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["find_local_mathjax", "setup"]

CANDIDATES = ("/usr/share/javascript/mathjax", "/usr/share/mathjax", "/usr/share/nodejs/mathjax")
# what MathJax 2 loads for config=TeX-AMS_CHTML (relative to its folder)
SUBSET = ("MathJax.js", "config/TeX-AMS_CHTML.js", "extensions", "jax/element", "jax/input/TeX",
          "jax/output/CommonHTML", "fonts/HTML-CSS/TeX/woff", "localization/en")
MATHJAX_PATH = "mathjax/MathJax.js?config=TeX-AMS_CHTML"
# what myst-parser's dollarmath expects MathJax to process (its mathjax3 settings, in v2 terms)
MATHJAX2_CONFIG = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "processEnvironments": False,
                "processClass": "tex2jax_process|mathjax_process|math|output_area",
                "ignoreClass": "tex2jax_ignore|mathjax_ignore"},
    "showMathMenu": False,
    "messageStyle": "none",
}


def find_local_mathjax() -> Path | None:
    """The folder of a local MathJax 2 (holding ``MathJax.js``), or None."""
    env = os.environ.get("XCTKIT_MATHJAX_DIR")
    for folder in ([env] if env else []) + list(CANDIDATES):
        p = Path(folder)
        if (p / "MathJax.js").is_file() and (p / "config" / "TeX-AMS_CHTML.js").is_file():
            return p
    return None


def _builder_inited(app) -> None:
    from sphinx.util import logging

    src = find_local_mathjax()
    app.config.mathjax3_config = None  # MathJax 2: its configuration is mathjax2_config
    app.config.mathjax2_config = MATHJAX2_CONFIG
    app.config.mathjax_options = {}
    app.xctkit_mathjax = src
    if src is None:
        logging.getLogger(__name__).warning(
            "xctkit: no local MathJax found (install Debian's libjs-mathjax or set "
            "XCTKIT_MATHJAX_DIR); math is shown as TeX source, no CDN is referenced")
    app.config.mathjax_path = MATHJAX_PATH


def _build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    src = getattr(app, "xctkit_mathjax", None)
    dest = Path(app.outdir) / "_static" / "mathjax"
    if src is None:  # a stub, so pages load without a failed request; math stays TeX source
        dest.mkdir(parents=True, exist_ok=True)
        stub = dest / "MathJax.js"
        if not stub.exists():
            stub.write_text("/* xctkit: no local MathJax was found at build time (install Debian's "
                            "libjs-mathjax); math is shown as TeX source. */\n")
        return
    for rel in SUBSET:
        s, d = src / rel, dest / rel
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        elif s.is_file():
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, d)


def _dedup_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated ``<script>`` entries: sphinx-thebe adds its inline configuration once per page
    built, so later pages declared ``const THEBE_JS_URL`` twice (a console error)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        # the same file or inline body (whatever the priority it was added with)
        key = (str(getattr(js, "filename", js) or ""),  # inline scripts: None or ""
               tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("builder-inited", _builder_inited, priority=900)  # after myst-parser's override
    app.connect("html-page-context", _dedup_scripts, priority=990)  # after everyone added theirs
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
