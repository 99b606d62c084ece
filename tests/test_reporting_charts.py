"""The chart functions on small hand-made frames: the marks drawn (markers, bars, patches), their
colours and shapes from the reading, tick labels in French format, legend texts, France's line."""

import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex

from diagnostics.reporting import charts
from diagnostics.reporting.charts import COLOURS, FRANCE, MARKERS, TERRITORY
from diagnostics.reporting.readings import READINGS

nan = np.nan
N, T = "\u00a0", "\u202f"
LEGEND = {k: r.legend for k, r in READINGS.items()}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    charts.plt.close("all")


def _markers(ax):
    """(marker, x, y, face colour) of every line drawn with a marker."""
    return [
        (line.get_marker(), float(line.get_xdata()[0]), float(line.get_ydata()[0]), to_hex(line.get_markerfacecolor()))
        for line in ax.lines
        if line.get_marker() not in (None, "None", "")
    ]


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _ticks(ax, axis="x"):
    ax.figure.canvas.draw()
    return [t.get_text() for t in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels())]


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
    ax = charts.interval_chart(_intervals(), "ICM", reference=100, highlight="Sud").axes[0]
    assert _markers(ax) == [
        ("^", 120.0, 0.0, COLOURS["pire"]),
        ("v", 90.0, 1.0, COLOURS["meilleur"]),
        ("o", 101.0, 2.0, COLOURS["similaire"]),
    ]
    intervals = [
        (list(line.get_xdata()), list(line.get_ydata()))
        for line in ax.lines
        if line.get_marker() == "None" and line.get_linestyle() == "-"
    ]
    assert intervals == [([110.0, 130.0], [0, 0]), ([85.0, 95.0], [1, 1]), ([95.0, 107.0], [2, 2])]
    # the masked row: words at France's position, no point
    assert [(t.get_text(), t.get_position()) for t in ax.texts] == [("non calculable (effectif trop faible)", (100, 3))]


def test_interval_chart_draws_france_as_a_dashed_line_at_the_reference():
    ax = charts.interval_chart(_intervals(), "ICM", reference=100, reference_label="France entière").axes[0]
    (france,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert list(france.get_xdata()) == [100, 100] and to_hex(france.get_color()) == FRANCE
    assert _legend(ax) == [
        LEGEND["pire"],
        LEGEND["meilleur"],
        LEGEND["similaire"],
        LEGEND["non calculable"],
        "France entière",
    ]


def test_interval_chart_without_reference():
    df = _intervals().iloc[[2, 0]]
    ax = charts.interval_chart(df, "ICM").axes[0]
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    # legend in the order of READINGS, not of the rows
    assert _legend(ax) == [LEGEND["pire"], LEGEND["similaire"]]


def test_interval_chart_labels_rows_top_down_and_highlights_one():
    ax = charts.interval_chart(_intervals(), "ICM", reference=100, highlight="Sud").axes[0]
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == ["Nord", "▶ Sud", "Est", "Ouest"]
    assert [t.get_fontweight() for t in labels] == ["normal", "bold", "normal", "normal"]
    bottom, top = ax.get_ylim()
    assert bottom > top  # first row on top
    assert ax.get_xlabel() == "ICM"


def test_interval_chart_ticks_in_french_format():
    df = _intervals().assign(
        value=[1200.0, 1900.0, 2500.0, nan], ci_low=[1100, 1800, 2400, nan], ci_high=[1300, 2000, 2600, nan]
    )
    ax = charts.interval_chart(df, "Taux", reference=1500, decimals=1).axes[0]
    ticks = _ticks(ax)
    assert ticks == [f"{v:,.1f}".replace(",", T).replace(".", ",") for v in ax.get_xticks()]
    assert f"2{T}000,0" in ticks
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(1234.56, 0) == f"1{T}234,6" and formatter(0.25, 0) == "0,2"
    ax0 = charts.interval_chart(df, "Taux", reference=1500).axes[0]
    assert ax0.xaxis.get_major_formatter()(1234.56, 0) == f"1{T}235"


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
    ax = charts.spine_chart(_spine()).axes[0]
    assert _markers(ax) == [
        ("s", 0.85, 0.0, "#555555"),  # département
        ("D", 0.6, 0.0, "#ffffff"),  # région, hollow
        ("^", 0.9, 0.0, COLOURS["pire"]),  # the territory
        ("s", 0.65, 1.0, "#555555"),
        ("P", 0.7, 1.0, COLOURS["supérieur"]),
        ("D", 0.55, 2.0, "#ffffff"),
    ]
    # the range of the région's territories, then its middle half, for each row that has peers
    bars = [
        (
            round(p.get_x(), 6),
            round(p.get_width(), 6),
            round(p.get_y() + p.get_height() / 2, 6),
            to_hex(p.get_facecolor()),
        )
        for p in ax.patches
    ]
    assert bars == [
        (0.2, 0.75, 0.0, "#e0e0e0"),
        (0.4, 0.4, 0.0, "#a6a6a6"),
        (0.3, 0.6, 1.0, "#e0e0e0"),
        (0.5, 0.3, 1.0, "#a6a6a6"),
    ]


def test_spine_chart_france_line_and_texts():
    ax = charts.spine_chart(_spine()).axes[0]
    (france,) = [line for line in ax.lines if line.get_marker() in (None, "None", "")]
    assert list(france.get_xdata()) == [0.5, 0.5] and to_hex(france.get_color()) == FRANCE
    texts = [(t.get_text(), t.get_position()) for t in ax.texts]
    assert texts[:13] == [
        ("ICM", (-1.98, 0)),
        ("122", (-0.06, 0)),
        ("100", (1.39, 0)),
        ("pire", (1.44, 0)),
        ("CSS", (-1.98, 1)),
        (f"13,5{N}%", (-0.06, 1)),
        (f"9,1{N}%", (1.39, 1)),
        ("supérieur", (1.44, 1)),
        ("DSR", (-1.98, 2)),
        ("–", (-0.06, 2)),
        ("941", (1.39, 2)),
        ("non calculable", (1.44, 2)),
        ("non calculable (effectif trop faible)", (0.5, 2)),
    ]
    assert [t for t, _ in texts[13:]] == ["Indicateur", "Territoire", "France", "France", "Écart"]


def test_spine_chart_legend_lists_the_readings_used_then_the_comparators():
    ax = charts.spine_chart(_spine()).axes[0]
    assert _legend(ax) == [
        LEGEND["pire"],
        LEGEND["supérieur"],
        LEGEND["non calculable"],
        "Étendue des territoires de la région",
        "Quart à trois quarts des territoires",
        "Région",
        "Département",
    ]
    handles = ax.get_legend().legend_handles
    assert [h.get_marker() for h in handles[:3]] == ["^", "P", "o"]
    assert [to_hex(h.get_markerfacecolor()) for h in handles[:3]] == [
        COLOURS["pire"],
        COLOURS["supérieur"],
        COLOURS["non calculable"],
    ]


def test_spine_chart_height_grows_with_the_rows():
    assert charts.spine_chart(_spine()).get_size_inches()[1] == pytest.approx(0.42 * 3 + 1.1)


# --- pyramid ----------------------------------------------------------------------------------------------


def test_population_pyramid_bars_are_shares_of_the_population():
    bands = ["05-09", "00-04", "95+"]
    local = pd.DataFrame({"age_band": bands * 2, "sex": ["M"] * 3 + ["F"] * 3, "population": [30, 10, 5, 25, 20, 10]})
    france = pd.DataFrame({"age_band": bands * 2, "sex": ["M"] * 3 + ["F"] * 3, "population": [25, 25, 0, 20, 25, 5]})
    ax = charts.population_pyramid(local, france, "Nord").axes[0]
    bars = [(p.get_width(), p.get_y() + p.get_height() / 2, to_hex(p.get_facecolor())) for p in ax.patches]
    # bands in age order; men to the left in %, women to the right
    assert bars == [
        (-10.0, 0.0, "#6baed6"),
        (-30.0, 1.0, "#6baed6"),
        (-5.0, 2.0, "#6baed6"),
        (20.0, 0.0, "#fc9272"),
        (25.0, 1.0, "#fc9272"),
        (10.0, 2.0, "#fc9272"),
    ]
    men, women = ax.lines
    assert list(men.get_xdata()) == [-25.0, -25.0, 0.0] and list(women.get_xdata()) == [25.0, 20.0, 5.0]
    assert men.get_drawstyle() == "steps-mid" and to_hex(men.get_color()) == FRANCE
    assert [t.get_text() for t in ax.get_yticklabels()] == ["00–04", "05–09", "95+"]
    assert ax.get_xlim() == pytest.approx((-33.0, 33.0))  # the widest bar + 10 %
    assert sorted(_legend(ax)) == ["Femmes – Nord", "France", "Hommes – Nord"]
    # both sides read as positive percentages
    assert ax.xaxis.get_major_formatter()(-12.5, 0) == "12,5 %" and ax.xaxis.get_major_formatter()(30, 0) == "30,0 %"
    assert "10,0 %" in _ticks(ax)


# --- trend and bars -------------------------------------------------------------------------------------


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
    ax = charts.trend_chart(df, "%", decimals=1, ticklabels=labels).axes[0]
    lines = [
        (line.get_label(), line.get_linestyle(), to_hex(line.get_color()), line.get_linewidth(), list(line.get_ydata()))
        for line in ax.lines
    ]
    assert lines == [
        ("Nord", "-", TERRITORY, 2.0, [10.0, 11.0, 12.0]),  # sorted by year
        ("Hautes-Brumes", "--", "#7f7f7f", 1.3, [9.0, 9.5, 10.0]),
        ("France", "-.", "#b15928", 1.3, [8.0, 8.2, 8.4]),
    ]
    (band,) = ax.collections  # the territory's interval only
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == 9.5 and ys.max() == 12.5
    assert _ticks(ax) == ["2017–2019", "2018–2020", "2019–2021"]
    assert all("," in t for t in _ticks(ax, "y")) and ax.yaxis.get_major_formatter()(12.34, 0) == "12,3"
    assert _legend(ax) == ["Nord", "Hautes-Brumes", "France"]


def test_trend_chart_years_as_ticks_without_labels():
    df = pd.DataFrame({"year": [2022, 2023], "series": "Nord", "value": [1.0, 2.0], "ci_low": 0.5, "ci_high": 2.5})
    ax = charts.trend_chart(df, "%").axes[0]
    assert _ticks(ax) == ["2022", "2023"]


def test_grouped_bars_one_bar_per_series_and_group_with_the_territory_values():
    df = pd.DataFrame(
        {
            "group": ["Ville", "Hôpital"] * 3,
            "series": ["Nord"] * 2 + ["Dép"] * 2 + ["France"] * 2,
            "value": [1911.0, nan, 1500.0, 800.0, 1400.0, 700.0],
        }
    )
    ax = charts.grouped_bars(df, "€ par habitant").axes[0]
    bars = [(round(p.get_x() + p.get_width() / 2, 6), p.get_height(), to_hex(p.get_facecolor())) for p in ax.patches]
    w = 0.8 / 3
    assert [b[0] for b in bars] == [round(v, 6) for v in (-w, 1 - w, 0, 1, w, 1 + w)]
    assert [b[2] for b in bars] == [TERRITORY] * 2 + ["#7f7f7f"] * 2 + ["#bdbdbd"] * 2
    assert bars[0][1] == 1911.0 and np.isnan(bars[1][1]) and [b[1] for b in bars[2:]] == [1500.0, 800.0, 1400.0, 700.0]
    # the territory's value written on its bar; nothing on a missing one
    assert [(t.get_text(), t.xy) for t in ax.texts] == [(f"1{T}911", (pytest.approx(-w), 1911.0))]
    assert _ticks(ax) == ["Ville", "Hôpital"]
    assert f"1{T}000" in _ticks(ax, "y")
    assert _legend(ax) == ["Nord", "Dép", "France"]
    assert ax.get_ylabel() == "€ par habitant"


# --- maps ---------------------------------------------------------------------------------------------------


def _areas():
    return pd.DataFrame(
        {
            "geometry": [shapely.box(0, 44, 1, 45), shapely.box(1, 44, 2, 45), shapely.box(0, 45, 1, 46)],
            "judgement": ["pire", "meilleur", "non calculable"],
            "text": ["122", "92", "–"],
        }
    )


def test_territory_map_colours_areas_by_reading():
    ax = charts.territory_map(_areas(), shapely.box(0, 44, 1, 45), [shapely.box(-1, 43, 3, 47)], "ICM").axes[0]
    background, plain = ax.collections
    assert [to_hex(c) for c in background.get_facecolors()] == ["#f0f0f0"] and len(background.get_paths()) == 1
    assert [to_hex(c) for c in plain.get_facecolors()] == [COLOURS["pire"], COLOURS["meilleur"]]
    masked, highlight = ax.patches
    assert to_hex(masked.get_facecolor()) == COLOURS["non calculable"] and masked.get_hatch() == "///"
    assert highlight.get_facecolor()[3] == 0 and to_hex(highlight.get_edgecolor()) == "#000000"  # outline only
    assert highlight.get_linewidth() == 2.2
    # the value and a marker of the reading's shape on each area (white, legible on any fill)
    assert [(t.get_text(), t.xy) for t in ax.texts] == [("122", (0.5, 44.5)), ("92", (1.5, 44.5)), ("–", (0.5, 45.5))]
    assert _markers(ax) == [("^", 0.5, 44.5, "#ffffff"), ("v", 1.5, 44.5, "#ffffff"), ("o", 0.5, 45.5, "#ffffff")]


def test_territory_map_legend_and_proportions():
    ax = charts.territory_map(_areas(), shapely.box(0, 44, 1, 45), [shapely.box(-1, 43, 3, 47)], "ICM, 2019").axes[0]
    assert _legend(ax) == [LEGEND["pire"], LEGEND["meilleur"], LEGEND["non calculable"], "Territoire du rapport"]
    assert ax.get_legend().get_title().get_text() == "ICM, 2019"
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(45)))  # not stretched at 45° N
    assert ax.get_xlim() == pytest.approx((-1.12, 3.12)) and ax.get_ylim() == pytest.approx((42.88, 47.12))


def test_territory_map_without_highlight_background_or_text():
    areas = _areas().drop(columns="text").iloc[:2]
    ax = charts.territory_map(areas, None).axes[0]
    assert len(ax.collections) == 1 and not ax.patches and not ax.texts and not _markers(ax)
    assert _legend(ax) == [LEGEND["pire"], LEGEND["meilleur"]]
    assert ax.get_legend().get_title().get_text() == ""


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
    ax = charts.establishments_map(shapely.box(0, 44, 1, 45), points, families).axes[0]
    dots = [(list(c.get_sizes()), to_hex(c.get_facecolors()[0]), c.get_offsets().tolist()) for c in ax.collections]
    assert dots[:3] == [
        ([140.0, 44.0], "#1b9e77", [[0.2, 44.2], [0.5, 44.5]]),
        ([20.0], "#d95f02", [[0.4, 44.9]]),
        ([28.0], "#7570b3", [[0.7, 44.7]]),
    ]
    # the size key uses the same scale as the dots
    assert [list(c.get_sizes()) for c in ax.collections[3:]] == [[44.0], [140.0]]
    assert _legend(ax) == [
        "Personnes âgées (2)",
        "Enfance handicapée (1)",
        "Adultes handicapés (1)",
        "20 places",
        "80 places",
    ]
    (outline,) = ax.patches
    assert to_hex(outline.get_edgecolor()) == "#000000"


def test_group_map_colours_and_letters():
    areas = pd.DataFrame(
        {
            "geometry": [shapely.box(0, 44, 1, 45), shapely.box(1, 44, 2, 45), shapely.box(0, 45, 1, 46)],
            "group": ["B", "A", "B"],
        }
    )
    ax = charts.group_map(areas, legend_title="Typologie").axes[0]
    (fill,) = ax.collections
    assert [to_hex(c) for c in fill.get_facecolors()] == ["#fc8d62", "#66c2a5", "#fc8d62"]
    assert [(t.get_text(), t.xy) for t in ax.texts] == [("B", (0.5, 44.5)), ("A", (1.5, 44.5)), ("B", (0.5, 45.5))]
    assert _legend(ax) == ["Groupe A", "Groupe B"] and ax.get_legend().get_title().get_text() == "Typologie"
    # given colours: their order, only the groups present; given labels
    ax = charts.group_map(areas, colours={"B": "#ff0000", "Z": "#0000ff", "A": "#00ff00"}, labels={"A": "Rural"}).axes[
        0
    ]
    assert [to_hex(c) for c in ax.collections[0].get_facecolors()] == ["#ff0000", "#00ff00", "#ff0000"]
    assert _legend(ax) == ["Groupe B", "Rural"]
    # a longer group name is not written on the map
    ax = charts.group_map(areas.assign(group=["Nord", "Sud", "Nord"])).axes[0]
    assert not ax.texts


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
    ax = charts.funnel_plot(points, limits).axes[0]
    lines = [(line.get_linestyle(), float(line.get_ydata()[0])) for line in ax.lines]
    assert lines == [("--", 80.0), ("--", 120.0), (":", 70.0), (":", 130.0), ("-", 100.0)]
    france = ax.lines[-1]
    assert list(france.get_ydata()) == [100, 100] and to_hex(france.get_color()) == FRANCE
    dots = {to_hex(c.get_facecolors()[0]): sorted(map(tuple, c.get_offsets().tolist())) for c in ax.collections}
    assert dots == {
        COLOURS["pire"]: [(10.0, 150.0), (50.0, 130.0)],
        COLOURS["similaire"]: [(100.0, 100.0)],
        COLOURS["meilleur"]: [(1000.0, 80.0)],
    }
    # only the territories outside the limits are named
    assert [(t.get_text(), t.xy) for t in ax.texts] == [("Nord", (10.0, 150.0)), ("Est", (1000.0, 80.0))]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "ICM (France = 100)"
    assert not charts.funnel_plot(points, limits, highlight_labels=False).axes[0].texts


def test_funnel_plot_legend_entries():
    points, limits = _funnel()
    legend = _legend(charts.funnel_plot(points, limits).axes[0])
    assert legend[:3] == ["95 %", "99,8 %", "France = 100"]
    assert sorted(legend[3:]) == sorted(
        f"{LEGEND[k]} (intervalle de confiance)" for k in ("pire", "meilleur", "similaire")
    )


def test_funnel_plot_legend_follows_the_readings_order():
    points, limits = _funnel()
    assert _legend(charts.funnel_plot(points, limits).axes[0])[3:] == [
        f"{LEGEND[k]} (intervalle de confiance)" for k in ("pire", "meilleur", "similaire")
    ]
