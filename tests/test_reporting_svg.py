"""The SVG drawing layer: escaping, deterministic output, scales, ticks, markers, legends, shapes,
the text width estimate against matplotlib's own measure, and no matplotlib on the report's path."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import shapely

from diagnostics.reporting import charts, svg

HOSTILE = "<script>alert(\"x\")</script> & 'quote' \x01"
XMLNS = "{http://www.w3.org/2000/svg}"


def _root(fig):
    return ET.fromstring(fig.to_svg().encode("utf-8"))


def _texts(fig):
    return [t.text for t in _root(fig).iter(f"{XMLNS}text")]


def test_every_label_is_escaped_and_read_back_unchanged():
    fig = svg.Figure(100, 50)
    fig.text(10, 10, HOSTILE)
    fig.element("rect", width=5, height=5, fill=HOSTILE)
    out = fig.to_svg()
    assert "<script" not in out and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in out
    assert "\x01" not in out  # not allowed in XML: dropped
    root = ET.fromstring(out.encode("utf-8"))  # well-formed
    assert _texts(fig) == ["<script>alert(\"x\")</script> & 'quote' "]
    assert root.find(f"{XMLNS}rect[@width='5']").get("fill") == HOSTILE.replace("\x01", "")


def test_chart_labels_are_escaped():
    df = pd.DataFrame({"label": [HOSTILE], "value": [1.0], "ci_low": [0.5], "ci_high": [1.5], "judgement": ["pire"]})
    fig = charts.interval_chart(df, HOSTILE, reference=1.0, reference_label=HOSTILE, highlight=HOSTILE)
    assert "<script" not in fig.to_svg()
    assert _texts(fig).count("▶ " + HOSTILE.replace("\x01", "")) == 1
    assert _texts(fig).count(HOSTILE.replace("\x01", "")) == 2  # the axis title and the legend


def test_output_is_deterministic_and_self_contained():
    df = pd.DataFrame(
        {
            "label": ["Nord", "Sud"],
            "value": [120.0, np.nan],
            "ci_low": [110.0, np.nan],
            "ci_high": [130.0, np.nan],
            "judgement": ["pire", "non calculable"],
        }
    )
    first = charts.interval_chart(df, "ICM", reference=100).to_svg()
    assert first == charts.interval_chart(df, "ICM", reference=100).to_svg()
    areas = pd.DataFrame({"geometry": [shapely.box(0, 44, 1, 45)], "judgement": ["non calculable"], "text": ["–"]})
    a, b = (charts.territory_map(areas, None, None, "ICM").to_svg() for _ in range(2))
    assert a == b
    for out in (first, a):
        assert out.startswith('<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
        assert out.endswith("</svg>\n")
        # nothing fetched: no link, image, script, style sheet or font; the only URLs are internal
        assert not re.search(r"href|<image|<script|<style|@import|@font-face|https?://(?!www\.w3\.org/2000/svg\")", out)
        assert set(re.findall(r"url\(([^)]*)\)", out)) <= {"#hatch-bdbdbd-ffffff", "#hatch-bdbdbd-999999"}
        assert "font-family=\"'DejaVu Sans', 'Bitstream Vera Sans', Verdana," in out and 'sans-serif"' in out
        assert "\n" not in out.split("\n", 1)[1].rstrip("\n")  # compact: one line after the declaration


def test_size_in_points_with_a_matching_view_box():
    fig = svg.Figure(540, 273.6)
    root = _root(fig)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("540pt", "273.6pt", "0 0 540 273.6")


def test_numbers_are_short():
    assert [svg.num(v) for v in (1.0, 1.5, 1.256, -0.001, 1234.5678, 0.0)] == ["1", "1.5", "1.26", "0", "1234.57", "0"]


def test_linear_and_log_scales_map_data_to_points():
    s = svg.Scale((0.0, 10.0), (100.0, 200.0))
    assert s(5) == 150 and s(0) == 100 and s(12) == 220
    assert list(s(np.array([0.0, 2.5, 10.0]))) == [100, 125, 200]
    down = svg.Scale((0.0, 1.0), (300.0, 100.0))  # y up: larger values higher on the page
    assert down(1) == 100 and down(0.25) == 250
    log = svg.Scale((1.0, 1000.0), (0.0, 300.0), log=True)
    assert log(10) == pytest.approx(100) and log(100) == pytest.approx(200) and log(1000) == 300
    axes = svg.Axes.box(svg.Figure(400, 300), 50, 10, 300, 200, (0, 30), (0, 1), y_down=True)
    assert (axes.left, axes.right, axes.top, axes.bottom) == (50, 350, 10, 210)
    assert axes.y(0) == 10 and axes.x(15) == 200


def test_nice_ticks():
    assert list(svg.nice_ticks(-33, 33, 7)) == [-30, -20, -10, 0, 10, 20, 30]
    assert list(svg.nice_ticks(81.3, 127.2, 9)) == [85, 90, 95, 100, 105, 110, 115, 120, 125]
    assert list(svg.nice_ticks(0, 1, 5)) == [0, 0.25, 0.5, 0.75, 1]
    assert list(svg.nice_ticks(1040, 2660, 6)) == [1250, 1500, 1750, 2000, 2250, 2500]
    assert list(svg.nice_ticks(1040, 2660, 4)) == [1500, 2000, 2500]
    assert list(svg.nice_ticks(2, 2, 5)) == [2]
    assert list(svg.log_ticks(0.8, 1300)) == [1, 10, 100, 1000]
    assert list(svg.log_ticks(4, 60)) == [5, 10, 20, 50]
    assert svg.padded(0, 10) == (-0.5, 10.5) and svg.padded(5, 5) == (4.75, 5.25)
    assert svg.padded(10, 1000, log=True) == pytest.approx((10**0.9, 10**3.1))
    assert svg.data_range([1.0, np.nan], None, 5, np.array([-2.0])) == (-2.0, 5.0)


def test_markers_have_matplotlib_shapes_and_sizes():
    fig = svg.Figure(100, 100)
    for shape in svg.MARKER_SHAPES:
        fig.marker(shape, 50, 50, 10, "#ff0000")
    marks = list(_root(fig))[1:]
    assert [m.get("class") for m in marks] == list(svg.MARKER_SHAPES.values())
    circle = marks[2]
    assert (circle.tag, circle.get("r")) == (f"{XMLNS}circle", "5")

    def box(mark):
        xy = np.array(re.findall(r"[-\d.]+", mark.get("d")), dtype=float).reshape(-1, 2)
        return xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max(), xy

    x0, y0, x1, y1, up = box(marks[0])
    assert (x0, y0, x1, y1) == (45, 45, 55, 55) and up[0].tolist() == [50, 45]  # apex on top (SVG y down)
    assert box(marks[1])[4][0].tolist() == [50, 55]  # ▼
    assert box(marks[5])[:4] == pytest.approx((42.93, 42.93, 57.07, 57.07), abs=0.01)  # diamond: a square turned
    assert {m.get("stroke") for m in marks} == {"#333333"}


def test_polyline_breaks_at_missing_points_and_dashes_scale_with_width():
    fig = svg.Figure(100, 100)
    fig.polyline([0, 1, 2, 3, 4], [0, 1, np.nan, 3, 4], width=2, dash="--")
    lines = list(_root(fig).iter(f"{XMLNS}polyline"))
    assert [line.get("points") for line in lines] == ["0,0 1,1", "3,3 4,4"]
    assert {line.get("stroke-dasharray") for line in lines} == {"7.4 3.2"}
    assert svg.dash_array("-", 1) is None and svg.dash_array(":", 1) == "1 1.65"


def test_hatch_pattern_defined_once():
    fig = svg.Figure(100, 100)
    assert fig.hatch("#bdbdbd", "#ffffff") == fig.hatch("#bdbdbd", "#ffffff") == "url(#hatch-bdbdbd-ffffff)"
    fig.rect(0, 0, 10, 10, fig.hatch("#bdbdbd", "#ffffff"))
    out = fig.to_svg()
    assert out.count("<pattern") == 1 and out.index("<defs>") < out.index('fill="url(#hatch-bdbdbd-ffffff)"')


def test_legend_fills_columns_like_matplotlib_and_narrows_when_too_wide():
    fig = svg.Figure(600)
    entries = [(svg.patch_swatch("#000000"), label) for label in "ABCDE"]
    bottom = svg.legend(fig, entries, 10, size=8, ncol=2)
    texts = [(t.text, float(t.get("x")), float(t.get("y"))) for t in _root(fig).iter(f"{XMLNS}text")]
    assert [t for t, _, _ in texts] == list("ABCDE")
    columns = sorted({x for _, x, _ in texts})
    assert len(columns) == 2 and [x for _, x, _ in texts] == [columns[0]] * 3 + [columns[1]] * 2
    assert bottom == pytest.approx(10 + 3 * 1.5 * 8)
    # centred on the figure
    assert columns[0] - 16 - 6.4 == pytest.approx(600 - (columns[1] + svg.text_width("D", 8)), abs=0.01)
    narrow = svg.Figure(200)
    long = [(svg.patch_swatch("#000000"), "Significativement pire que la France")] * 2
    svg.legend(narrow, long, 0, size=8, ncol=2)
    assert len({t.get("x") for t in _root(narrow).iter(f"{XMLNS}text")}) == 1  # one column fits, two do not
    assert all(float(t.get("x")) >= 0 for t in _root(narrow).iter(f"{XMLNS}text"))


def test_shape_path_keeps_holes_and_the_latitude_aspect():
    ring = shapely.Polygon([(0, 60), (2, 60), (2, 62), (0, 62)], [[(0.5, 60.5), (1.5, 60.5), (1.5, 61.5), (0.5, 61.5)]])
    proj = svg.MapProjection.fit(ring.bounds, 10, 20, 400, 400)
    d = svg.shape_path(ring, proj)
    assert d.count("M") == 2 and d.count("Z") == 2
    xy = np.array(re.findall(r"[-\d.]+", d), dtype=float).reshape(-1, 2)
    width, height = np.ptp(xy[:8, 0]), np.ptp(xy[:8, 1])
    assert height / width == pytest.approx(1 / np.cos(np.radians(61)), rel=1e-3)  # 2,06 at 61° N
    assert xy[:, 1].min() == 20 and height == pytest.approx(400, abs=0.1) and xy[:, 0].min() == 10
    multi = shapely.MultiPolygon([shapely.box(0, 60, 1, 61), shapely.box(1.5, 60, 2, 61)])
    assert svg.shape_path(multi, proj).count("M") == 2
    # a detailed outline is simplified below what the eye sees
    wiggly = shapely.Polygon(
        [(x, 60 + 1e-6 * (i % 2)) for i, x in enumerate(np.linspace(0, 2, 500))] + [(2, 62), (0, 62)]
    )
    assert len(re.findall(r"[-\d.]+", svg.shape_path(wiggly, proj))) < 20


def test_advance_widths_are_those_of_matplotlibs_dejavu_sans():
    pytest.importorskip("matplotlib")
    assert svg.measured_advances(False) == svg.REGULAR_ADVANCES
    assert svg.measured_advances(True) == svg.BOLD_ADVANCES
    assert len(svg.MEASURED_CHARS) == len(svg.REGULAR_ADVANCES) == len(svg.BOLD_ADVANCES)


@pytest.mark.parametrize(
    "text, size, bold",
    [
        ("Indice comparatif de mortalité (ICM)", 8.5, False),
        ("Taux standardisé de mortalité prématurée (< 65 ans)", 8.5, False),
        ("Significativement supérieur (ni meilleur ni pire)", 7.5, False),
        ("▶ Territoire de santé des Brumes du Nord", 9, True),
        ("2\u202f147\u00a0€", 8.5, True),
        ("109,4\u00a0‰ – Âge (ans) « non calculable »", 9, False),
        ("Œuvre, cœur, Île-de-France", 12, False),
    ],
)
def test_text_width_estimate_within_15_percent_of_matplotlib(text, size, bold):
    pytest.importorskip("matplotlib")
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    # the outlines' width, unhinted (as a browser sets an SVG text; Agg at 72 dpi rounds each glyph up)
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    measured, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    assert svg.text_width(text, size, bold) == pytest.approx(measured, rel=0.15)
    assert svg.text_width(text, size, bold) == pytest.approx(measured, rel=0.03)  # in fact much closer


def test_text_width_of_unknown_characters_is_a_digits_width():
    assert svg.text_width("語", 10) == svg.text_width("0", 10)
    assert svg.text_width("", 10) == 0
    assert svg.text_width("ab", 20) == 2 * svg.text_width("ab", 10)
    assert svg.text_width("Nord", 9, bold=True) > svg.text_width("Nord", 9)


def test_texts_stay_text_elements_with_their_anchor_and_halo():
    fig = svg.Figure(100, 100)
    fig.text(50, 20, "122", 8, anchor="end", bold=True, halo="#ffffff")
    (t,) = _root(fig).iter(f"{XMLNS}text")
    assert t.text == "122" and t.get("text-anchor") == "end" and t.get("font-weight") == "bold"
    assert t.get("paint-order") == "stroke" and t.get("stroke") == "#ffffff"
    assert float(t.get("y")) == pytest.approx(20 + 0.36 * 8)  # baseline so that digits are centred on y
    assert re.findall(r"<text[^>]*>(.*?)</text>", fig.to_svg()) == ["122"]  # what the disclosure scans read


def test_figure_html_takes_an_svg_figure_or_a_matplotlib_one():
    import base64

    html = charts.figure_html(svg.Figure(10, 10), "Texte")
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert base64.b64decode(data).decode("utf-8") == svg.Figure(10, 10).to_svg()
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots()
    ax.set_title("Courbe personnalisée")
    html = charts.figure_html(fig, "Texte")
    out = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)).decode("utf-8")
    assert "Courbe personnalisée" in re.findall(r"<text[^>]*>(.*?)</text>", out, re.S)[-1]  # text as text
    assert not plt.fignum_exists(fig.number)


def test_the_report_figures_do_not_import_matplotlib():
    code = (
        "import sys; import diagnostics.reporting.figures, diagnostics.reporting.overview_figures, "
        "diagnostics.reporting.index_page; print(sorted(m for m in sys.modules if m.startswith('matplotlib')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
