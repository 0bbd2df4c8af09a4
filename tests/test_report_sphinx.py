"""The book's Sphinx extension: local MathJax lookup and de-duplicated scripts (no build needed)."""

from xctkit.report import _sphinx


def test_local_mathjax_is_found_from_the_environment_or_not_at_all(tmp_path, monkeypatch):
    mj = tmp_path / "mj"
    (mj / "config").mkdir(parents=True)
    (mj / "MathJax.js").write_text("")
    monkeypatch.setattr(_sphinx, "CANDIDATES", ())
    monkeypatch.setenv("XCTKIT_MATHJAX_DIR", str(mj))
    assert _sphinx.find_local_mathjax() is None  # the TeX → CommonHTML config is missing
    (mj / "config" / "TeX-AMS_CHTML.js").write_text("")
    assert _sphinx.find_local_mathjax() == mj
    monkeypatch.delenv("XCTKIT_MATHJAX_DIR")
    assert _sphinx.find_local_mathjax() is None
    assert "://" not in _sphinx.MATHJAX_PATH  # never a CDN


def test_repeated_inline_scripts_are_dropped_in_order():
    from sphinx.builders.html._assets import _JavaScript

    scripts = [_JavaScript("_static/a.js"), _JavaScript(None, body="const X = 1"),
               _JavaScript("_static/b.js", **{"async": "async"}), _JavaScript("", body="const X = 1"),
               _JavaScript("_static/a.js", priority=600), _JavaScript(None, body="const Y = 2")]
    context = {"script_files": scripts}
    _sphinx._dedup_scripts(None, "p", "page.html", context, None)
    kept = [(js.filename, js.attributes.get("body")) for js in context["script_files"]]
    assert kept == [("_static/a.js", None), (None, "const X = 1"), ("_static/b.js", None),
                    (None, "const Y = 2")]
