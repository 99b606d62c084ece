"""The chart functions on small hand-made frames, read back from the SVG they write: the marks drawn
(markers, bars, areas), their colours and shapes from the reading, tick labels in French format,
legend texts and order, France's line, the maps' proportions and the dots' sizes."""

import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import shapely

from diagnostics.reporting import charts, svg
from diagnostics.reporting.charts import COLOURS, FRANCE, MARKERS, TERRITORY
from diagnostics.reporting.readings import READINGS

nan = np.nan
N, T = "\u00a0", "\u202f"
LEGEND = {k: r.legend for k, r in READINGS.items()}
SHAPE = {name: code for code, name in svg.MARKER_SHAPES.items()}  # "triangle-up" → "^"
XMLNS = "{http://www.w3.org/2000/svg}"


class Mark:
    """One drawn element with the attributes it inherits from its groups, and the groups' classes."""

    def __init__(self, el, inherited, groups):
        self.tag = el.tag.replace(XMLNS, "")
        self.attrs = {**inherited, **el.attrib}
        self.groups = groups
        self.text = el.text or ""

    def __getitem__(self, key):
        return self.attrs.get(key)

    def f(self, key) -> float:
        return float(self.attrs[key])

    @property
    def css(self):
        return self.attrs.get("class")

    def centre(self) -> tuple[float, float]:
        if self.tag == "circle":
            return self.f("cx"), self.f("cy")
        xy = np.array([float(v) for v in self["d"].replace("M", " ").replace("L", " ").replace("Z", " ").split()])
        xy = xy.reshape(-1, 2)
        return (xy[:, 0].min() + xy[:, 0].max()) / 2, (xy[:, 1].min() + xy[:, 1].max()) / 2


def _marks(fig) -> list[Mark]:
    """Every element of the figure's SVG in drawing order (group attributes passed down)."""
    root = ET.fromstring(fig.to_svg().encode("utf-8"))
    out = []

    def walk(el, inherited, groups):
        for child in el:
            tag = child.tag.replace(XMLNS, "")
            if tag == "defs":
                continue
            if tag == "g":
                attrs = {k: v for k, v in child.attrib.items() if k != "class"}
                walk(child, {**inherited, **attrs}, groups + (child.get("class"),))
            else:
                out.append(Mark(child, inherited, groups))

    walk(root, {}, ())
    return out


def _plot(fig) -> list[Mark]:
    """The marks outside the legend."""
    return [m for m in _marks(fig) if "legend" not in m.groups]


def _markers(fig, in_legend=False) -> list[tuple[str, float, float, str]]:
    """(marker code, x, y in points, fill) of every marker drawn, in drawing order."""
    marks = [m for m in _marks(fig) if ("legend" in m.groups) == in_legend and m.css in SHAPE]
    return [(SHAPE[m.css], *m.centre(), m["fill"]) for m in marks]


def _texts(fig, css=None, legend=False) -> list[str]:
    return [
        m.text
        for m in _marks(fig)
        if m.tag == "text" and ("legend" in m.groups) == legend and (css is None or m.css == css)
    ]


def _legend(fig) -> list[str]:
    return [m.text for m in _marks(fig) if m.tag == "text" and "legend" in m.groups and m.css != "legend-title"]


def _px(ax, x=None, y=None):
    """A data point in points, to compare with what the SVG says (coordinates written to 0,01 pt)."""
    return tuple(pytest.approx(float(s(v)), abs=0.02) for s, v in ((ax.x, x), (ax.y, y)) if v is not None)


def test_every_reading_has_a_colour_and_a_marker_in_legend_order():
    assert list(COLOURS) == list(READINGS) == list(MARKERS)
    assert COLOURS == {
        "pire": "#d7191c",
        "meilleur": "#1a9641",
        "similaire": "#fdae61",
        "supérieur": "#08519c",
        "inférieur": "#9ecae1",
        "non testé": "#ffffff",
        "non calculable": "#bdbdbd",
    }
    # significance is never told by colour alone: each outcome of a test has its own shape
    tested = ["pire", "meilleur", "similaire", "supérieur", "inférieur"]
    assert len({MARKERS[k] for k in tested}) == len(tested)
    assert set(MARKERS.values()) <= set(svg.MARKER_SHAPES)


# --- interval chart ---------------------------------------------------------------------------------------


def _intervals():
    return pd.DataFrame(
        {
            "label": ["Nord", "Sud", "Est", "Ouest"],
            "value": [120.0, 90.0, 101.0, nan],
            "ci_low": [110.0, 85.0, 95.0, nan],
            "ci_high": [130.0, 95.0, 107.0, nan],
            "judgement": ["pire", "meilleur", "similaire", "non calculable"],
        }
    )


def test_interval_chart_marks_each_value_by_its_reading():
    fig = charts.interval_chart(_intervals(), "ICM", reference=100, highlight="Sud")
    (ax,) = fig.axes
    assert _markers(fig) == [
        ("^", *_px(ax, 120, 0), COLOURS["pire"]),
        ("v", *_px(ax, 90, 1), COLOURS["meilleur"]),
        ("o", *_px(ax, 101, 2), COLOURS["similaire"]),
    ]
    intervals = [(m.f("x1"), m.f("x2"), m.f("y1"), m.f("y2")) for m in _plot(fig) if m.css == "interval"]
    expected = [(110, 130, 0), (85, 95, 1), (95, 107, 2)]
    assert intervals == [pytest.approx((ax.x(a), ax.x(b), ax.y(i), ax.y(i)), abs=0.01) for a, b, i in expected]
    assert {m["stroke"] for m in _plot(fig) if m.css == "interval"} == {"#555555"}
    # the masked row: words at France's position, no point
    (masked,) = [m for m in _plot(fig) if m.css == "masked"]
    assert masked.text == "non calculable (effectif trop faible)"
    assert masked.f("x") == pytest.approx(ax.x(100) + 3, abs=0.01)
    assert ax.y(3) < masked.f("y") < ax.y(3) + 5  # baseline just under the row's middle


def test_interval_chart_draws_france_as_a_dashed_line_at_the_reference():
    fig = charts.interval_chart(_intervals(), "ICM", reference=100, reference_label="France entière")
    (ax,) = fig.axes
    (france,) = [m for m in _plot(fig) if m.css == "france"]
    assert france.f("x1") == france.f("x2") == pytest.approx(ax.x(100), abs=0.01)
    assert france["stroke"] == FRANCE and france["stroke-dasharray"] == "3.7 1.6"
    assert (france.f("y1"), france.f("y2")) == (pytest.approx(ax.top), pytest.approx(ax.bottom))
    assert _legend(fig) == [
        LEGEND["pire"],
        LEGEND["meilleur"],
        LEGEND["similaire"],
        LEGEND["non calculable"],
        "France entière",
    ]
    # the legend's markers have the readings' shapes and colours; the reference is a dashed line
    assert [(s, f) for s, _, _, f in _markers(fig, in_legend=True)] == [
        ("^", COLOURS["pire"]),
        ("v", COLOURS["meilleur"]),
        ("o", COLOURS["similaire"]),
        ("o", COLOURS["non calculable"]),
    ]
    (key,) = [m for m in _marks(fig) if "legend" in m.groups and m.tag == "line"]
    assert key["stroke-dasharray"] == "3.7 1.6"
    # below the axis title
    (xlabel,) = [m for m in _marks(fig) if m.css == "xlabel"]
    assert min(float(m["y"]) for m in _marks(fig) if "legend" in m.groups and m.tag == "text") > xlabel.f("y")


def test_interval_chart_without_reference():
    df = _intervals().iloc[[2, 0]]
    fig = charts.interval_chart(df, "ICM")
    assert not [m for m in _marks(fig) if m.css == "france" or m["stroke-dasharray"]]
    # legend in the order of READINGS, not of the rows
    assert _legend(fig) == [LEGEND["pire"], LEGEND["similaire"]]


def test_interval_chart_labels_rows_top_down_and_highlights_one():
    fig = charts.interval_chart(_intervals(), "ICM", reference=100, highlight="Sud")
    (ax,) = fig.axes
    labels = [m for m in _marks(fig) if m.css == "ytick"]
    assert [m.text for m in labels] == ["Nord", "▶ Sud", "Est", "Ouest"]
    assert [m["font-weight"] for m in labels] == [None, "bold", None, None]
    assert [m.f("y") for m in labels] == sorted(m.f("y") for m in labels)  # first row on top
    assert all(m.f("x") < ax.left and m["text-anchor"] == "end" for m in labels)
    # the longest label fits in the figure
    assert min(m.f("x") - svg.text_width(m.text, 9, m["font-weight"] == "bold") for m in labels) >= 0
    assert _texts(fig, "xlabel") == ["ICM"]


def test_interval_chart_ticks_in_french_format():
    df = _intervals().assign(
        value=[1200.0, 1900.0, 2500.0, nan], ci_low=[1100, 1800, 2400, nan], ci_high=[1300, 2000, 2600, nan]
    )
    fig = charts.interval_chart(df, "Taux", reference=1500, decimals=1)
    (ax,) = fig.axes
    ticks = [(m.text, m.f("x")) for m in _marks(fig) if m.css == "xtick"]
    values = [round(ax.x.domain[0] + (x - ax.left) / (ax.right - ax.left) * np.ptp(ax.x.domain), 6) for _, x in ticks]
    assert [t for t, _ in ticks] == [f"{v:,.1f}".replace(",", T).replace(".", ",") for v in values]
    assert f"2{T}000,0" in [t for t, _ in ticks]
    assert all(ax.left <= x <= ax.right for _, x in ticks)
    ticks0 = _texts(charts.interval_chart(df, "Taux", reference=1500), "xtick")
    assert f"2{T}000" in ticks0 and not any("," in t for t in ticks0)


def test_interval_chart_tick_labels_do_not_overlap():
    df = pd.DataFrame(
        {
            "label": ["A", "B"],
            "value": [123456.0, 987654.0],
            "ci_low": [100000.0, 900000.0],
            "ci_high": [150000.0, 1000000.0],
            "judgement": ["pire", "meilleur"],
        }
    )
    fig = charts.interval_chart(df, "Montant", decimals=1)
    ticks = [(m.f("x"), svg.text_width(m.text)) for m in _marks(fig) if m.css == "xtick"]
    assert len(ticks) >= 3
    assert all(b - wb / 2 > a + wa / 2 for (a, wa), (b, wb) in zip(ticks, ticks[1:]))


# --- spine chart ------------------------------------------------------------------------------------------


def _spine():
    return pd.DataFrame(
        {
            "label": ["ICM", "CSS", "DSR"],
            "value_text": ["122", f"13,5{N}%", "–"],
            "france_text": ["100", f"9,1{N}%", "941"],
            "judgement": ["pire", "supérieur", "non calculable"],
            "pos_value": [0.9, 0.7, nan],
            "pos_min": [0.2, 0.3, nan],
            "pos_max": [0.95, 0.9, nan],
            "pos_q1": [0.4, 0.5, nan],
            "pos_q3": [0.8, 0.8, nan],
            "pos_region": [0.6, nan, 0.55],
            "pos_departement": [0.85, 0.65, nan],
        }
    )


def test_spine_chart_marks():
    fig = charts.spine_chart(_spine())
    (ax,) = fig.axes
    assert _markers(fig) == [
        ("s", *_px(ax, 0.85, 0), "#555555"),  # département
        ("D", *_px(ax, 0.6, 0), "#ffffff"),  # région, hollow
        ("^", *_px(ax, 0.9, 0), COLOURS["pire"]),  # the territory
        ("s", *_px(ax, 0.65, 1), "#555555"),
        ("P", *_px(ax, 0.7, 1), COLOURS["supérieur"]),
        ("D", *_px(ax, 0.55, 2), "#ffffff"),
    ]
    # the range of the région's territories, then its middle half, for each row that has peers
    bars = [
        (m.f("x"), m.f("width"), m.f("y") + m.f("height") / 2, m["fill"])
        for m in _plot(fig)
        if m.css in ("range", "quartiles")
    ]
    assert bars == [
        pytest.approx((ax.x(0.2), ax.x(0.95) - ax.x(0.2), ax.y(0), "#e0e0e0"), abs=0.01),
        pytest.approx((ax.x(0.4), ax.x(0.8) - ax.x(0.4), ax.y(0), "#a6a6a6"), abs=0.01),
        pytest.approx((ax.x(0.3), ax.x(0.9) - ax.x(0.3), ax.y(1), "#e0e0e0"), abs=0.01),
        pytest.approx((ax.x(0.5), ax.x(0.8) - ax.x(0.5), ax.y(1), "#a6a6a6"), abs=0.01),
    ]


def test_spine_chart_france_line_and_texts():
    fig = charts.spine_chart(_spine())
    (ax,) = fig.axes
    (france,) = [m for m in _plot(fig) if m.css == "france"]
    assert france.f("x1") == france.f("x2") == pytest.approx(ax.x(0.5), abs=0.01) and france["stroke"] == FRANCE
    texts = [(m.text, m["text-anchor"], m["font-weight"]) for m in _plot(fig) if m.tag == "text"]
    # the masked row's words first, on a light label over the marks of the région and département
    assert texts[0] == ("non calculable (effectif trop faible)", "middle", None)
    (label,) = [m for m in _plot(fig) if m.css == "label"]
    assert label["fill"] == "#ffffff" and label.f("x") + label.f("width") / 2 == pytest.approx(ax.x(0.5), abs=0.01)
    classes = [m.css for m in _plot(fig)]
    assert classes.index("diamond") < classes.index("label") < classes.index("masked")
    assert label["fill-opacity"] == "0.75"  # the marks under it still seen
    assert texts[1:13] == [
        ("ICM", None, None),
        ("122", "end", "bold"),
        ("100", "end", None),
        ("pire", None, None),
        ("CSS", None, None),
        (f"13,5{N}%", "end", "bold"),
        (f"9,1{N}%", "end", None),
        ("supérieur", None, None),
        ("DSR", None, None),
        ("–", "end", "bold"),
        ("941", "end", None),
        ("non calculable", None, None),
    ]
    assert [t for t, _, _ in texts[13:]] == ["Indicateur", "Territoire", "France", "France", "Écart"]
    # columns: label, value (right-aligned), the bars, France (right-aligned), reading; each row on its line
    by_text = {m.text: m for m in _plot(fig) if m.tag == "text"}
    assert by_text["ICM"].f("x") < by_text["122"].f("x") < ax.left < ax.right < by_text["100"].f("x")
    assert by_text["100"].f("x") < by_text["pire"].f("x")
    assert by_text["ICM"].f("y") == by_text["122"].f("y") == pytest.approx(by_text["pire"].f("y"), abs=0.5)
    assert by_text["ICM"].f("y") + 0.42 * 72 == pytest.approx(by_text["CSS"].f("y"))
    assert by_text["non calculable (effectif trop faible)"].f("x") == pytest.approx(ax.x(0.5), abs=0.01)


def test_spine_chart_legend_lists_the_readings_used_then_the_comparators():
    fig = charts.spine_chart(_spine())
    assert _legend(fig) == [
        LEGEND["pire"],
        LEGEND["supérieur"],
        LEGEND["non calculable"],
        "Étendue des territoires de la région",
        "Quart à trois quarts des territoires",
        "Région",
        "Département",
    ]
    assert _markers(fig, in_legend=True)[:3] == [
        ("^", *_markers(fig, in_legend=True)[0][1:3], COLOURS["pire"]),
        ("P", *_markers(fig, in_legend=True)[1][1:3], COLOURS["supérieur"]),
        ("o", *_markers(fig, in_legend=True)[2][1:3], COLOURS["non calculable"]),
    ]
    # below the rows
    last_row = max(m.f("y") for m in _plot(fig) if m.tag == "text")
    assert min(float(m["y"]) for m in _marks(fig) if "legend" in m.groups and m.tag == "text") > last_row


def test_spine_chart_height_grows_with_the_rows_and_width_fits_the_labels():
    two, three = charts.spine_chart(_spine().iloc[:2]), charts.spine_chart(_spine().iloc[[0, 1, 1]])
    assert three.height - two.height == pytest.approx(0.42 * 72)
    assert two.width == charts.SPINE_WIDTH  # the width the labels leave to the bars
    long = _spine().assign(label=["Taux standardisé de mortalité prématurée (< 65 ans) (valeur départementale)"] * 3)
    fig = charts.spine_chart(long)
    (ax,) = fig.axes
    label = next(m for m in _plot(fig) if m.text == long.label[0])
    value = next(m for m in _plot(fig) if m.text == "122")
    assert label.f("x") + svg.text_width(long.label[0], 8.5) < value.f("x") - svg.text_width("122", 8.5, True)
    assert ax.right - ax.left >= svg.text_width("non calculable (effectif trop faible)", 7.5)


# --- pyramid ----------------------------------------------------------------------------------------------


def test_population_pyramid_bars_are_shares_of_the_population():
    bands = ["05-09", "00-04", "95+"]
    local = pd.DataFrame({"age_band": bands * 2, "sex": ["M"] * 3 + ["F"] * 3, "population": [30, 10, 5, 25, 20, 10]})
    france = pd.DataFrame({"age_band": bands * 2, "sex": ["M"] * 3 + ["F"] * 3, "population": [25, 25, 0, 20, 25, 5]})
    fig = charts.population_pyramid(local, france, "Nord")
    (ax,) = fig.axes
    unit = (ax.right - ax.left) / np.ptp(ax.x.domain)  # points per percentage point
    bars = [
        (
            round((m.f("x") + (m.f("width") if m.groups[-1] == "women" else 0) - ax.x(0)) / unit, 2),
            round((ax.y.span[0] - m.f("y") - m.f("height") / 2) / (ax.y(0) - ax.y(1)) - 0.5, 2),
            m["fill"],
        )
        for m in _plot(fig)
        if m.tag == "rect" and m.groups
    ]
    # bands in age order from the bottom; men to the left in %, women to the right
    assert bars == [
        (-10.0, 0.0, "#6baed6"),
        (-30.0, 1.0, "#6baed6"),
        (-5.0, 2.0, "#6baed6"),
        (20.0, 0.0, "#fc9272"),
        (25.0, 1.0, "#fc9272"),
        (10.0, 2.0, "#fc9272"),
    ]
    men, women = [m for m in _plot(fig) if m.css == "france"]
    xs = [[round((float(p.split(",")[0]) - ax.x(0)) / unit, 2) for p in m["points"].split()] for m in (men, women)]
    # one vertical stroke per band at France's share, from the lowest band up
    assert xs == [[-25.0, -25.0, -25.0, -25.0, 0.0, 0.0], [25.0, 25.0, 20.0, 20.0, 5.0, 5.0]]
    assert men["stroke"] == FRANCE
    assert _texts(fig, "ytick") == ["00–04", "05–09", "95+"]
    assert [m.f("y") for m in _marks(fig) if m.css == "ytick"] == sorted(
        (m.f("y") for m in _marks(fig) if m.css == "ytick"), reverse=True
    )
    assert ax.x.domain == pytest.approx((-33.0, 33.0))  # the widest bar + 10 %
    assert _legend(fig) == ["Hommes – Nord", "Femmes – Nord", "France"]
    # both sides read as positive percentages
    ticks = _texts(fig, "xtick")
    assert f"10,0{N}%" in ticks and f"0,0{N}%" in ticks and not any("-" in t for t in ticks)
    assert ticks == ticks[::-1]  # symmetric around 0
    assert _texts(fig, "xlabel") == ["Part de la population (%)"] and _texts(fig, "ylabel") == ["Âge (ans)"]


# --- trend and bars -------------------------------------------------------------------------------------


def _points(mark) -> np.ndarray:
    return np.array([[float(v) for v in p.split(",")] for p in mark["points"].split()])


def test_trend_chart_lines_band_and_period_labels():
    df = pd.DataFrame(
        {
            "year": [2021, 2019, 2020] + [2019, 2020, 2021] * 2,
            "series": ["Nord"] * 3 + ["Hautes-Brumes"] * 3 + ["France"] * 3,
            "value": [12.0, 10.0, 11.0, 9.0, 9.5, 10.0, 8.0, 8.2, 8.4],
            "ci_low": [11.5, 9.5, 10.5] + [nan] * 6,
            "ci_high": [12.5, 10.5, 11.5] + [nan] * 6,
        }
    )
    labels = {2019: "2017–2019", 2020: "2018–2020", 2021: "2019–2021"}
    fig = charts.trend_chart(df, "%", decimals=1, ticklabels=labels)
    (ax,) = fig.axes

    def data_y(py):
        return np.round(ax.y.domain[0] + (ax.y.span[0] - py) / (ax.y.span[0] - ax.y.span[1]) * np.ptp(ax.y.domain), 3)

    lines = [
        (m["stroke"], m["stroke-width"], m["stroke-dasharray"], list(data_y(_points(m)[:, 1])))
        for m in _plot(fig)
        if m.css == "series"
    ]
    assert lines == [
        (TERRITORY, "2", None, [10.0, 11.0, 12.0]),  # sorted by year
        ("#7f7f7f", "1.3", "4.81 2.08", [9.0, 9.5, 10.0]),  # dashed
        ("#b15928", "1.3", "8.32 2.08 1.3 2.08", [8.0, 8.2, 8.4]),  # dash-dot
    ]
    assert list(_points(next(m for m in _plot(fig) if m.css == "series"))[:, 0]) == pytest.approx(
        [ax.x(2019), ax.x(2020), ax.x(2021)], abs=0.01
    )
    (band,) = [m for m in _plot(fig) if m.css == "band"]  # the territory's interval only
    ys = data_y(
        np.array([float(v) for v in band["d"].replace("M", " ").replace("L", " ").replace("Z", "").split()[1::2]])
    )
    assert ys.min() == pytest.approx(9.5, abs=1e-3) and ys.max() == pytest.approx(12.5, abs=1e-3)
    assert band["fill"] == TERRITORY and band["fill-opacity"] == "0.15"
    assert _texts(fig, "xtick") == ["2017–2019", "2018–2020", "2019–2021"]
    assert all("," in t for t in _texts(fig, "ytick"))
    assert _legend(fig) == ["Nord", "Hautes-Brumes", "France"]
    assert _texts(fig, "ylabel") == ["%"]


def test_trend_chart_years_as_ticks_without_labels():
    df = pd.DataFrame({"year": [2022, 2023], "series": "Nord", "value": [1.0, 2.0], "ci_low": 0.5, "ci_high": 2.5})
    assert _texts(charts.trend_chart(df, "%"), "xtick") == ["2022", "2023"]


def test_trend_chart_breaks_the_line_at_a_missing_year():
    df = pd.DataFrame(
        {"year": [2019, 2020, 2021], "series": "Nord", "value": [1.0, nan, 2.0], "ci_low": nan, "ci_high": nan}
    )
    fig = charts.trend_chart(df, "%")
    assert [len(_points(m)) for m in _plot(fig) if m.css == "series"] == [1, 1]
    assert not [m for m in _plot(fig) if m.css == "band"]


def test_grouped_bars_one_bar_per_series_and_group_with_the_territory_values():
    df = pd.DataFrame(
        {
            "group": ["Ville", "Hôpital"] * 3,
            "series": ["Nord"] * 2 + ["Dép"] * 2 + ["France"] * 2,
            "value": [1911.0, nan, 1500.0, 800.0, 1400.0, 700.0],
        }
    )
    fig = charts.grouped_bars(df, "€ par habitant")
    (ax,) = fig.axes
    bars = [(m.f("x") + m.f("width") / 2, m.f("height"), m["fill"]) for m in _plot(fig) if m.tag == "rect" and m.groups]
    w = 0.8 / 3
    assert [b[0] for b in bars] == pytest.approx([ax.x(v) for v in (-w, 0, 1, w, 1 + w)], abs=0.01)  # none for nan
    assert [b[2] for b in bars] == [TERRITORY] + ["#7f7f7f"] * 2 + ["#bdbdbd"] * 2
    assert [b[1] for b in bars] == pytest.approx([ax.y(0) - ax.y(v) for v in (1911, 1500, 800, 1400, 700)], abs=0.01)
    assert {m["stroke"] for m in _plot(fig) if m.tag == "rect" and m.groups} == {"#333333"}
    # the territory's value written on its bar; nothing on a missing one
    (value,) = [m for m in _plot(fig) if m.css == "value"]
    assert value.text == f"1{T}911" and value.f("x") == pytest.approx(ax.x(-w), abs=0.01)
    assert ax.y(1911) - 8 < value.f("y") < ax.y(1911)
    assert _texts(fig, "xtick") == ["Ville", "Hôpital"]
    assert f"1{T}000" in _texts(fig, "ytick")
    assert _legend(fig) == ["Nord", "Dép", "France"]
    assert _texts(fig, "ylabel") == ["€ par habitant"]
    assert ax.y.domain[0] == 0  # bars start at 0


def test_grouped_bars_long_group_names_go_on_two_lines():
    groups = ["Autres (dispositifs, transports…)", "Hôpital public et privé", "Médicaments délivrés", "Soins de ville"]
    df = pd.DataFrame({"group": groups * 4, "series": np.repeat(list("ABCD"), 4), "value": np.arange(16.0)})
    fig = charts.grouped_bars(df, "€")
    ticks = [m for m in _marks(fig) if m.css == "xtick"]
    assert " ".join(m.text for m in ticks) == " ".join(groups)
    assert len(ticks) > len(groups)
    spans = sorted(
        (m.f("x") - svg.text_width(m.text) / 2, m.f("x") + svg.text_width(m.text) / 2, m.f("y")) for m in ticks
    )
    for (_, a1, ay), (b0, _, by) in zip(spans, spans[1:]):
        assert a1 < b0 or ay != by  # no two labels overlap on a line


# --- maps ---------------------------------------------------------------------------------------------------


def _areas():
    return pd.DataFrame(
        {
            "geometry": [shapely.box(0, 44, 1, 45), shapely.box(1, 44, 2, 45), shapely.box(0, 45, 1, 46)],
            "judgement": ["pire", "meilleur", "non calculable"],
            "text": ["122", "92", "–"],
        }
    )


def _box(mark) -> tuple[float, float, float, float]:
    xy = np.array([float(v) for v in mark["d"].replace("M", " ").replace("Z", " ").split()]).reshape(-1, 2)
    return xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()


def test_territory_map_colours_areas_by_reading():
    fig = charts.territory_map(_areas(), shapely.box(0, 44, 1, 45), [shapely.box(-1, 43, 3, 47)], "ICM")
    (proj,) = fig.axes
    paths = {}
    for m in _plot(fig):
        if m.tag == "path" and m.groups:
            paths.setdefault(m.groups[-1], []).append(m)
    assert list(paths) == ["background", "areas", "masked", "highlight"]  # drawing order
    assert [m["fill"] for m in paths["background"]] == ["#f0f0f0"]
    assert [m["fill"] for m in paths["areas"]] == [COLOURS["pire"], COLOURS["meilleur"]]
    assert {m["stroke"] for m in paths["areas"]} == {"#ffffff"}
    (masked,) = paths["masked"]
    assert masked["fill"] == "url(#hatch-bdbdbd-ffffff)"
    assert '<pattern id="hatch-bdbdbd-ffffff"' in fig.to_svg() and 'fill="#bdbdbd"' in fig.to_svg()
    (highlight,) = paths["highlight"]
    assert highlight["fill"] == "none" and highlight["stroke"] == "#000000" and highlight["stroke-width"] == "2.2"
    # the areas where they are: the first is the highlighted one
    assert _box(paths["areas"][0]) == pytest.approx(_box(highlight), abs=0.1)
    x0, y0 = proj(0, 45)
    x1, y1 = proj(1, 44)
    assert _box(paths["areas"][0]) == pytest.approx((x0, y0, x1, y1), abs=0.1)
    # the value and a marker of the reading's shape on each area (white, legible on any fill)
    values = [(m.text, m.f("x"), m["font-weight"], m["stroke"]) for m in _plot(fig) if m.css == "value"]
    centres = [tuple(map(float, proj(x, y))) for x, y in ((0.5, 44.5), (1.5, 44.5), (0.5, 45.5))]
    assert values == [
        (t, pytest.approx(c[0] + 5, abs=0.01), "bold", "#ffffff") for t, c in zip(["122", "92", "–"], centres)
    ]
    assert _markers(fig) == [(s, *(pytest.approx(v, abs=0.02) for v in c), "#ffffff") for s, c in zip("^vo", centres)]


def test_territory_map_legend_and_proportions():
    fig = charts.territory_map(_areas(), shapely.box(0, 44, 1, 45), [shapely.box(-1, 43, 3, 47)], "ICM, 2019")
    (proj,) = fig.axes
    assert _legend(fig) == [LEGEND["pire"], LEGEND["meilleur"], LEGEND["non calculable"], "Territoire du rapport"]
    assert _texts(fig, "legend-title", legend=True) == ["ICM, 2019"]
    # each entry: the area's fill (hatched when masked) beside the marker drawn on the map
    swatches = [m["fill"] for m in _marks(fig) if "legend" in m.groups and m.tag == "rect"]
    assert swatches == [COLOURS["pire"], COLOURS["meilleur"], "url(#hatch-bdbdbd-999999)", "none"]
    assert [s for s, *_ in _markers(fig, in_legend=True)] == ["^", "v", "o"]
    # not stretched at 45° N: a degree of latitude is 1 / cos 45° degrees of longitude long
    (background,) = [m for m in _plot(fig) if m.groups[-1:] == ("background",)]
    x0, y0, x1, y1 = _box(background)
    assert (y1 - y0) / (x1 - x0) == pytest.approx(1 / math.cos(math.radians(45)), rel=1e-3)
    # 3 % of margin around every shape
    assert (proj.x0, proj.y1) == pytest.approx((-1.12, 47.12))
    assert x0 - 0.12 * proj.scale == pytest.approx(proj.left, abs=0.1)
    assert fig.width == charts.MAP_WIDTH and x1 - x0 <= charts.MAP_BOX[0] and y1 - y0 <= charts.MAP_BOX[1]


def test_territory_map_without_highlight_background_or_text():
    areas = _areas().drop(columns="text").iloc[:2]
    fig = charts.territory_map(areas, None)
    groups = [m.groups[-1] for m in _plot(fig) if m.tag == "path" and m.groups]
    assert groups == ["areas", "areas"] and not _texts(fig) and not _markers(fig)
    assert _legend(fig) == [LEGEND["pire"], LEGEND["meilleur"]]
    assert not _texts(fig, "legend-title", legend=True)


def test_territory_map_keeps_holes():
    ring = shapely.Polygon([(0, 44), (2, 44), (2, 46), (0, 46)], [[(0.5, 44.5), (1.5, 44.5), (1.5, 45.5), (0.5, 45.5)]])
    fig = charts.territory_map(pd.DataFrame({"geometry": [ring], "judgement": ["pire"]}), None)
    (area,) = [m for m in _plot(fig) if m.tag == "path"]
    assert area["d"].count("M") == 2 and area["fill-rule"] == "evenodd"


def test_establishments_map_dots_sized_by_places_one_colour_per_family():
    points = pd.DataFrame(
        {
            "lon": [0.2, 0.5, 0.7, 0.4],
            "lat": [44.2, 44.5, 44.7, 44.9],
            "family": ["personnes âgées", "personnes âgées", "adultes handicapés", "enfance handicapée"],
            "places": [80, 20, 10, 5],
        }
    )
    families = ["personnes âgées", "enfance handicapée", "adultes handicapés"]
    fig = charts.establishments_map(shapely.box(0, 44, 1, 45), points, families)
    (proj,) = fig.axes
    dots = [(m["fill"], m.f("r"), (m.f("cx"), m.f("cy"))) for m in _plot(fig) if m.tag == "circle"]

    def at(lon, lat):
        return pytest.approx(tuple(map(float, proj(lon, lat))), abs=0.01)

    # the dots' areas grow with the places: π r² ∝ 12 + 1,6 × places (matplotlib's scatter sizes, in pt²)
    radius = [pytest.approx(math.sqrt(12 + 1.6 * p) / 2, abs=0.01) for p in (80, 20, 5, 10)]
    assert dots == [
        ("#1b9e77", radius[0], at(0.2, 44.2)),
        ("#1b9e77", radius[1], at(0.5, 44.5)),
        ("#d95f02", radius[2], at(0.4, 44.9)),
        ("#7570b3", radius[3], at(0.7, 44.7)),
    ]
    assert {m["fill-opacity"] for m in _plot(fig) if m.tag == "circle"} == {"0.75"}
    # the size key uses the same scale as the dots
    key = [m.f("r") for m in _marks(fig) if "legend" in m.groups and m.tag == "circle"][3:]
    assert key == [pytest.approx(math.sqrt(12 + 1.6 * 20) / 2, abs=0.01), pytest.approx(math.sqrt(140) / 2, abs=0.01)]
    assert _legend(fig) == [
        "Personnes âgées (2)",
        "Enfance handicapée (1)",
        "Adultes handicapés (1)",
        "20 places",
        "80 places",
    ]
    (outline,) = [m for m in _plot(fig) if m.tag == "path"]
    assert outline["stroke"] == "#000000" and outline["fill"] == "#f7f7f7"


def test_group_map_colours_and_letters():
    areas = pd.DataFrame(
        {
            "geometry": [shapely.box(0, 44, 1, 45), shapely.box(1, 44, 2, 45), shapely.box(0, 45, 1, 46)],
            "group": ["B", "A", "B"],
        }
    )
    fig = charts.group_map(areas, legend_title="Typologie")
    (proj,) = fig.axes
    assert [m["fill"] for m in _plot(fig) if m.tag == "path"] == ["#fc8d62", "#66c2a5", "#fc8d62"]
    letters = [(m.text, (m.f("x"), m["text-anchor"])) for m in _plot(fig) if m.css == "group"]
    assert letters == [
        (g, (pytest.approx(float(proj(x, 0)[0]), abs=0.01), "middle")) for g, x in (("B", 0.5), ("A", 1.5), ("B", 0.5))
    ]
    assert _legend(fig) == ["Groupe A", "Groupe B"] and _texts(fig, "legend-title", legend=True) == ["Typologie"]
    # given colours: their order, only the groups present; given labels
    fig = charts.group_map(areas, colours={"B": "#ff0000", "Z": "#0000ff", "A": "#00ff00"}, labels={"A": "Rural"})
    assert [m["fill"] for m in _plot(fig) if m.tag == "path"] == ["#ff0000", "#00ff00", "#ff0000"]
    assert _legend(fig) == ["Groupe B", "Rural"]
    # a longer group name is not written on the map
    assert not _texts(charts.group_map(areas.assign(group=["Nord", "Sud", "Nord"])))


# --- funnel -----------------------------------------------------------------------------------------------


def _funnel():
    points = pd.DataFrame(
        {
            "expected": [10.0, 100.0, 1000.0, 50.0],
            "ratio": [150.0, 100.0, 80.0, 130.0],
            "judgement": ["pire", "similaire", "meilleur", "pire"],
            "outside": [True, False, True, False],
            "label": ["Nord", "Sud", "Est", "Ouest"],
        }
    )
    grid = np.array([1.0, 10.0, 100.0, 1000.0])
    limits = {"95 %": (grid, grid * 0 + 80, grid * 0 + 120), "99,8 %": (grid, grid * 0 + 70, grid * 0 + 130)}
    return points, limits


def test_funnel_plot_limits_france_and_points():
    points, limits = _funnel()
    fig = charts.funnel_plot(points, limits)
    (ax,) = fig.axes
    lines = [(m["stroke-dasharray"], round(_points(m)[0, 1], 2)) for m in _plot(fig) if m.css == "limit"]
    assert lines == [("3.7 1.6", round(ax.y(80), 2)), ("3.7 1.6", round(ax.y(120), 2))] + [
        ("1 1.65", round(ax.y(70), 2)),
        ("1 1.65", round(ax.y(130), 2)),
    ]
    (france,) = [m for m in _plot(fig) if m.css == "france"]
    assert france.f("y1") == france.f("y2") == pytest.approx(ax.y(100), abs=0.01) and france["stroke"] == FRANCE
    assert (france.f("x1"), france.f("x2")) == pytest.approx((ax.left, ax.right), abs=0.01)
    dots = {}
    for shape, x, y, fill in _markers(fig):
        dots.setdefault(fill, []).append((shape, x, y))
    assert dots == {
        COLOURS["pire"]: [("^", *_px(ax, 10, 150)), ("^", *_px(ax, 50, 130))],
        COLOURS["similaire"]: [("o", *_px(ax, 100, 100))],
        COLOURS["meilleur"]: [("v", *_px(ax, 1000, 80))],
    }
    assert list(dots) == [COLOURS["pire"], COLOURS["meilleur"], COLOURS["similaire"]][:1] + list(dots)[1:]
    # only the territories outside the limits are named, beside their dot
    names = [(m.text, m.f("x"), m.f("y")) for m in _plot(fig) if m.css == "name"]
    assert names == [
        ("Nord", pytest.approx(ax.x(10) + 4, abs=0.01), pytest.approx(ax.y(150) - 3, abs=0.01)),
        ("Est", pytest.approx(ax.x(1000) + 4, abs=0.01), pytest.approx(ax.y(80) - 3, abs=0.01)),
    ]
    # logarithmic x: each decade the same length, ticks in French
    assert ax.x(100) - ax.x(10) == pytest.approx(ax.x(1000) - ax.x(100))
    assert _texts(fig, "xtick") == ["1", "10", "100", f"1{T}000"]
    assert _texts(fig, "ylabel") == ["ICM (France = 100)"]
    assert not [m for m in _plot(charts.funnel_plot(points, limits, highlight_labels=False)) if m.css == "name"]


def test_funnel_plot_legend_follows_the_readings_order():
    points, limits = _funnel()
    assert _legend(charts.funnel_plot(points, limits)) == ["95 %", "99,8 %", "France = 100"] + [
        f"{LEGEND[k]} (intervalle de confiance)" for k in ("pire", "meilleur", "similaire")
    ]


# --- embedding ----------------------------------------------------------------------------------------------


def test_figure_html_embeds_the_svg_figure():
    import base64
    import re

    fig = charts.interval_chart(_intervals(), "ICM", reference=100)
    html = charts.figure_html(fig, "Texte", "Légende", wide=True)
    data = re.search(r'base64,([A-Za-z0-9+/=]+)" alt="Texte"/>', html).group(1)
    assert base64.b64decode(data).decode("utf-8") == fig.to_svg()
    assert html.startswith('<figure class="wide">') and html.endswith("<figcaption>Légende</figcaption></figure>")
