"""report.ChapterFigures: files, provenance metadata, bad input, the caller's matplotlib state."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import xctkit  # noqa: E402
from xctkit.report import ChapterFigures  # noqa: E402


@pytest.fixture
def fig():
    f, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    yield f
    plt.close(f)


def test_png_and_svg_carry_caption_and_provenance(tmp_path, fig):
    figures = ChapterFigures(tmp_path / "results", chapter="04_demo", params={"profile": "quick", "seed": 3})
    figures.show(fig, "line", "A line, arbitrary units.")
    png, svg = figures.files("line")
    assert png == tmp_path / "results" / "04_demo__line.png" and svg.suffix == ".svg"
    text = Image.open(png).text
    assert text["Description"] == "A line, arbitrary units."
    prov = json.loads(text["Comment"])
    assert prov["parameters"] == {"profile": "quick", "seed": 3}
    assert prov["xctkit_version"] == xctkit.__version__ and prov["chapter"] == "04_demo"
    body = svg.read_text()
    assert "A line, arbitrary units." in body and '"seed": 3' in body
    assert not [p for p in (tmp_path / "results").iterdir() if p.name.startswith(".")]  # no temporaries left


def test_caller_style_untouched(tmp_path, fig):
    before = dict(plt.rcParams)
    ChapterFigures(tmp_path, chapter="x").show(fig, "a", "caption")
    assert dict(plt.rcParams) == before


def test_bad_input(tmp_path, fig):
    with pytest.raises(ValueError, match="`chapter`"):
        ChapterFigures(tmp_path, chapter="../up")
    with pytest.raises(TypeError, match="`params`"):
        ChapterFigures(tmp_path, chapter="x", params=[1])
    figures = ChapterFigures(tmp_path, chapter="x")
    with pytest.raises(TypeError, match="`fig` must be a matplotlib Figure"):
        figures.show(fig.axes[0], "a", "caption")
    with pytest.raises(ValueError, match="`name`"):
        figures.show(fig, "a b", "caption")
    with pytest.raises(ValueError, match="`caption`"):
        figures.show(fig, "a", "  ")
    figures.show(fig, "a", "caption")
    with pytest.raises(ValueError, match="already used"):
        figures.show(fig, "a", "another caption")


def test_table_saved_full_precision_and_frame_untouched(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"a": [1.234567891, 2.0]}, index=pd.Index(["x", "y"], name="row"))
    figures = ChapterFigures(tmp_path, chapter="c")
    figures.table(frame, "t", "Two numbers (arbitrary units).", round_to=2)
    back = pd.read_csv(tmp_path / "c__t.csv")
    assert list(back.columns) == ["row", "a"] and back.a[0] == pytest.approx(1.234567891, rel=1e-9)
    assert list(frame.columns) == ["a"] and frame.index.name == "row"
    assert figures.table_label("t") == "tbl-c-t"
    with pytest.raises(ValueError, match="already used"):
        figures.table(frame, "t", "again")
    with pytest.raises(ValueError, match="one non-empty line"):
        figures.table(frame, "u", "two\nlines")
    with pytest.raises(TypeError, match="DataFrame"):
        figures.table([1], "v", "caption")
