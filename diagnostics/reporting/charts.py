"""Figures of the report, one function per figure type.

Each returns an :class:`~diagnostics.reporting.svg.Figure` drawn directly in SVG (no matplotlib: a
figure costs milliseconds, not a layout pass); :func:`figure_html` embeds it, or a matplotlib Figure
made in a notebook, with its alternative text (for screen readers and for the scanning tests) and a
caption. Colours follow the profile convention: red worse, green better, amber no significant
difference, blue shades where higher is neither better nor worse, white « non testé », grey hatched
« non calculable ». Sizes are in points; widths are those of the former matplotlib figures.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import pandas as pd

from diagnostics.formatting import NBSP, fr_number
from diagnostics.reporting import svg
from diagnostics.reporting.html import render
from diagnostics.reporting.readings import READINGS
from diagnostics.reporting.svg import text_width

COLOURS = {
    "pire": "#d7191c",
    "meilleur": "#1a9641",
    "similaire": "#fdae61",
    "supérieur": "#08519c",
    "inférieur": "#9ecae1",
    "non testé": "#ffffff",
    "non calculable": "#bdbdbd",
}
# Significance is never told by colour alone: each judgement has its own marker shape too.
MARKERS = {
    "pire": "^",
    "meilleur": "v",
    "similaire": "o",
    "supérieur": "P",
    "inférieur": "X",
    "non testé": "o",
    "non calculable": "o",
}
TERRITORY = "#253494"
FRANCE = "#000000"
EDGE = "#333333"
MASKED_TEXT = "non calculable (effectif trop faible)"
MARGIN = 6.0  # around every figure, in points
GAP = 8.0  # between the blocks of a figure (axes, axis title, legend)


def figure_html(fig, alt: str, caption: str = "", wide: bool = False) -> str:
    """The figure (an SVG :class:`~diagnostics.reporting.svg.Figure`, or a matplotlib Figure, then
    closed) embedded in a <figure> with alt text and caption; a ``wide`` figure (rows of small text)
    keeps a legible size on a phone and pans sideways inside its frame."""
    data = fig.to_svg().encode("utf-8") if isinstance(fig, svg.Figure) else _matplotlib_svg(fig)
    return render(
        "figure.html.j2", svg_base64=base64.b64encode(data).decode("ascii"), alt=alt, caption=caption, wide=wide
    )


def _matplotlib_svg(fig) -> bytes:
    """SVG of a matplotlib Figure with real text (matplotlib is imported only for such a figure)."""
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "diagnostic"}):
        # the tight box from a layout pass, not from a second full drawing (what bbox_inches="tight" does)
        bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
        fig.savefig(buf, format="svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


def _reading_swatch(key: str, size: float = 8.0) -> svg.Swatch:
    return svg.marker_swatch(MARKERS[key], COLOURS[key], EDGE, size)


def _ticks_that_fit(scale: svg.Scale, label, size: float = svg.FONT_SIZE, most: int = 9):
    """The most ticks (at most ``most``) whose labels do not overlap along the x axis."""
    for n in range(most, 1, -1):
        ticks = scale.ticks(n)
        labels = [label(t) for t in ticks]
        if svg.tick_labels_fit(list(scale(ticks)) if len(ticks) else [], labels, size, gap=8):
            return ticks, labels
    return ticks, labels


def _y_ticks(low: float, high: float, height: float, label):
    """Round ticks for a vertical axis of ``height`` points (≥ 2,5 lines apart) and their labels."""
    ticks = svg.nice_ticks(low, high, int(min(9, max(height / (2.5 * svg.FONT_SIZE), 2))))
    return ticks, [label(t) for t in ticks]


def _left_margin(labels, ylabel: str = "", size: float = svg.FONT_SIZE, bold=()) -> float:
    """Room left of the axes for the y tick labels and the y axis' title."""
    widest = max((text_width(t, size, t in bold) for t in labels), default=0.0)
    return MARGIN + (svg.FONT_SIZE * 1.2 + 4 if ylabel else 0) + widest + svg.TICK_LENGTH + svg.TICK_PAD


# --- spine chart ----------------------------------------------------------------------------------------------


SPINE_WIDTH = 640.0  # points: on a phone the wide figure is 640 px wide, its text about 7 px high


def spine_chart(rows: pd.DataFrame) -> svg.Figure:
    """Fingertips-style spine chart.

    ``rows``: one line per indicator with label, value_text, france_text, judgement, and the
    positions (already centred on France = 0.5 and scaled to [0, 1]) pos_value, pos_min, pos_max,
    pos_q1, pos_q3, pos_region, pos_departement (NaN where absent).
    """
    size, small, row_h = 8.5, 7.5, 0.42 * 72
    heads = {"label": "Indicateur", "value": "Territoire", "france": "France", "short": "Écart"}
    shorts = [READINGS[j].short for j in rows["judgement"]]
    label_w = max([text_width(t, size) for t in rows["label"]] + [text_width(heads["label"], size, True)])
    value_w = max([text_width(t, size, True) for t in rows["value_text"]] + [text_width(heads["value"], size, True)])
    france_w = max([text_width(t, size) for t in rows["france_text"]] + [text_width(heads["france"], size, True)])
    short_w = max([text_width(t, small) for t in shorts] + [text_width(heads["short"], size, True)])
    fixed = 2 * MARGIN + label_w + 14 + value_w + 12 + 14 + france_w + 8 + short_w
    bar_w = max(SPINE_WIDTH - fixed, text_width(MASKED_TEXT, small) + 10)
    fig = svg.Figure(fixed + bar_w)
    x_label = MARGIN
    x_value = x_label + label_w + 14 + value_w  # right-aligned
    bar = svg.Scale((0.0, 1.0), (x_value + 12, x_value + 12 + bar_w))
    x_france = bar.span[1] + 14 + france_w  # right-aligned
    x_short = x_france + 8
    header_y = MARGIN + size * 0.7
    ys = header_y + (0.75 + np.arange(len(rows))) * row_h
    fig.axes.append(svg.Axes(fig, bar, svg.Scale((0.0, 1.0), (header_y + 0.75 * row_h, header_y + 1.75 * row_h))))
    bar_h = 0.55 * row_h
    for y, r in zip(ys, rows.itertuples()):
        if not np.isnan(r.pos_min):
            fig.rect(
                bar(r.pos_min), y - bar_h / 2, bar(r.pos_max) - bar(r.pos_min), bar_h, "#e0e0e0", css_class="range"
            )
            fig.rect(
                bar(r.pos_q1), y - bar_h / 2, bar(r.pos_q3) - bar(r.pos_q1), bar_h, "#a6a6a6", css_class="quartiles"
            )
    bottom = ys[-1] + row_h / 2 if len(rows) else header_y + row_h
    fig.line(bar(0.5), header_y + 0.4 * row_h, bar(0.5), bottom, FRANCE, 1.0, css_class="france")
    for y, r in zip(ys, rows.itertuples()):
        if not np.isnan(r.pos_departement):
            fig.marker("s", bar(r.pos_departement), y, 5, "#555555", "#555555")
        if not np.isnan(r.pos_region):
            fig.marker("D", bar(r.pos_region), y, 4.5, "#ffffff", "#000000")
        if not np.isnan(r.pos_value):
            fig.marker(MARKERS[r.judgement], bar(r.pos_value), y, 9.5, COLOURS[r.judgement], EDGE)
    masked_w = text_width(MASKED_TEXT, small) + 6
    for y, r in zip(ys, rows.itertuples()):
        if np.isnan(r.pos_value):  # the words on a light label over the comparators' marks
            fig.rect(
                bar(0.5) - masked_w / 2,
                y - 0.7 * small,
                masked_w,
                1.4 * small,
                "#ffffff",
                css_class="label",
                fill_opacity=0.75,
            )
            fig.text(bar(0.5), y, MASKED_TEXT, small, anchor="middle", colour="#333333", css_class="masked")
    for y, r, short in zip(ys, rows.itertuples(), shorts):
        fig.text(x_label, y, r.label, size)
        fig.text(x_value, y, r.value_text, size, anchor="end", bold=True)
        fig.text(x_france, y, r.france_text, size, anchor="end")
        fig.text(x_short, y, short, small, colour=EDGE)
    for x, key, anchor in (
        (x_label, "label", "start"),
        (x_value, "value", "end"),
        (bar(0.5), "france", "middle"),
        (x_france, "france", "end"),
        (x_short, "short", "start"),
    ):
        fig.text(x, header_y, heads[key], size, anchor=anchor, bold=True, colour=EDGE)
    used = [j for j in READINGS if j in set(rows["judgement"])]
    entries = [(_reading_swatch(j), READINGS[j].legend) for j in used] + [
        (svg.patch_swatch("#e0e0e0"), "Étendue des territoires de la région"),
        (svg.patch_swatch("#a6a6a6"), "Quart à trois quarts des territoires"),
        (svg.marker_swatch("D", "#ffffff", "#000000", 6), "Région"),
        (svg.marker_swatch("s", "#555555", "#555555", 6), "Département"),
    ]
    fig.height = svg.legend(fig, entries, bottom + GAP, small, ncol=2) + MARGIN
    return fig


# --- pyramid --------------------------------------------------------------------------------------------------


def population_pyramid(local: pd.DataFrame, france: pd.DataFrame, name: str) -> svg.Figure:
    """Age pyramid in % of the population, the territory as bars and France as an outline.

    Both frames: age_band, sex ("M"/"F"), population.
    """

    def shares(df):
        p = df.groupby(["sex", "age_band"])["population"].sum()
        return p / p.sum() * 100

    s, f = shares(local), shares(france)
    bands = sorted(local["age_band"].unique(), key=lambda b: int(b[:2]))
    y = np.arange(len(bands), dtype=float)
    men = -s.reindex(pd.MultiIndex.from_product([["M"], bands])).to_numpy()
    women = s.reindex(pd.MultiIndex.from_product([["F"], bands])).to_numpy()
    fm = -f.reindex(pd.MultiIndex.from_product([["M"], bands])).to_numpy()
    ff = f.reindex(pd.MultiIndex.from_product([["F"], bands])).to_numpy()
    lim = max(np.nanmax(np.abs(men)), np.nanmax(women), np.nanmax(np.abs(fm)), np.nanmax(ff)) * 1.1
    band_labels = [b.replace("-", "–") for b in bands]
    fig = svg.Figure(460)
    left = _left_margin(band_labels, "Âge (ans)")
    ax = svg.Axes.box(
        fig, left, MARGIN + 4, fig.width - left - MARGIN - 10, 14 * len(bands), (-lim, lim), (-0.5, len(bands) - 0.5)
    )
    height = 0.8 * 14
    for values, colour, css in ((men, "#6baed6", "men"), (women, "#fc9272", "women")):
        bars = [
            f'<rect x="{svg.num(min(ax.x(0), ax.x(v)))}" y="{svg.num(ax.y(yy) - height / 2)}" '
            f'width="{svg.num(abs(ax.x(v) - ax.x(0)))}" height="{svg.num(height)}"/>'
            for v, yy in zip(values, y)
            if v == v
        ]
        fig.group(bars, fill=colour, class_=css)
    for values in (fm, ff):  # France: one vertical stroke per band, joined band to band
        fig.polyline(
            np.repeat(ax.x(values), 2),
            ax.y(np.column_stack([y - 0.5, y + 0.5]).ravel()),
            FRANCE,
            1.2,
            css_class="france",
        )
    ax.spines()
    ticks, labels = _ticks_that_fit(ax.x, lambda v: fr_number(abs(v), 1) + f"{NBSP}%")
    bottom = ax.xticks(ticks, labels)
    ax.yticks(y, band_labels)
    ax.ylabel("Âge (ans)", MARGIN + svg.FONT_SIZE)
    bottom = ax.xlabel("Part de la population (%)", bottom + 3)
    entries = [
        (svg.patch_swatch("#6baed6"), f"Hommes – {name}"),
        (svg.patch_swatch("#fc9272"), f"Femmes – {name}"),
        (svg.line_swatch(FRANCE, 1.2), "France"),
    ]
    fig.height = svg.legend(fig, entries, bottom + GAP, 8, ncol=3) + MARGIN
    return fig


# --- intervals --------------------------------------------------------------------------------------------------


def interval_chart(
    df: pd.DataFrame,
    xlabel: str,
    reference: float | None = None,
    reference_label: str = "France",
    highlight: str | None = None,
    decimals: int = 0,
) -> svg.Figure:
    """Horizontal point-and-interval chart: one line per ``label`` with value, ci_low, ci_high and
    judgement; ``highlight`` (a label) is drawn in bold. Masked rows show « non calculable »."""
    n, row_h, small = len(df), 0.38 * 72, 7.5
    labels = [f"▶ {lbl}" if lbl == highlight else str(lbl) for lbl in df["label"]]
    bold = {f"▶ {highlight}"} if highlight is not None else set()
    fig = svg.Figure(576)
    left = _left_margin(labels, bold=bold)
    xlim = svg.padded(*svg.data_range(df["value"], df["ci_low"], df["ci_high"], reference))
    ax = svg.Axes.box(
        fig, left, MARGIN, fig.width - left - MARGIN - 10, max(n, 1) * row_h, xlim, (-0.5, n - 0.5), y_down=True
    )
    ticks, tick_labels = _ticks_that_fit(ax.x, lambda v: fr_number(v, decimals))
    bottom = ax.xticks(ticks, tick_labels, grid=True)
    if reference is not None:
        ax.vline(reference, FRANCE, 1.0, "--", css_class="france")
    for i, r in enumerate(df.itertuples()):
        y = ax.y(i)
        if np.isnan(r.value):
            x = ax.x(reference if reference is not None and xlim[0] <= reference <= xlim[1] else xlim[0])
            x = min(x + 3, ax.right - text_width(MASKED_TEXT, small))
            fig.text(x, y, MASKED_TEXT, small, halo="#ffffff", css_class="masked")
            continue
        if not np.isnan(r.ci_low):
            fig.line(ax.x(r.ci_low), y, ax.x(r.ci_high), y, "#555555", 1.4, css_class="interval")
        key = r.judgement if r.judgement in COLOURS else "non testé"
        fig.marker(MARKERS[key], ax.x(r.value), y, 8.5, COLOURS[key], EDGE)
    ax.spines()
    ax.yticks(np.arange(n), labels, bold=bold)
    bottom = ax.xlabel(xlabel, bottom + 3)
    entries = [(_reading_swatch(j, 7), READINGS[j].legend) for j in READINGS if j in set(df["judgement"])]
    if reference is not None:
        entries.append((svg.line_swatch(FRANCE, 1.0, "--"), reference_label))
    fig.height = svg.legend(fig, entries, bottom + GAP, small, ncol=2) + MARGIN
    return fig


# --- trend and bars ---------------------------------------------------------------------------------------------


def trend_chart(df: pd.DataFrame, ylabel: str, decimals: int = 1, ticklabels: dict | None = None) -> svg.Figure:
    """Lines over years: ``df`` has year, series (area name), value, ci_low, ci_high; the first
    series (the territory) gets its interval as a band. ``ticklabels``: year → label (periods)."""
    styles = ["-", "--", "-.", ":"]
    colours = [TERRITORY, "#7f7f7f", "#b15928", FRANCE]
    years = sorted(df["year"].unique())
    ylim = svg.padded(*svg.data_range(df["value"], df["ci_low"], df["ci_high"]))
    yt, ylabels = _y_ticks(*ylim, 200, lambda v: fr_number(v, decimals))
    fig = svg.Figure(540)
    left = _left_margin(ylabels, ylabel)
    xlim = svg.padded(float(years[0]), float(years[-1]))
    ax = svg.Axes.box(fig, left, MARGIN + 4, fig.width - left - MARGIN - 12, 200, xlim, ylim)
    ax.yticks(yt, ylabels, grid=True)
    series = list(df.groupby("series", sort=False))
    for _, g in series[:1]:
        g = g.sort_values("year")
        lo, hi, xs = g["ci_low"].to_numpy(float), g["ci_high"].to_numpy(float), ax.x(g["year"].to_numpy(float))
        for run in svg.finite_runs(lo, hi):
            points = list(zip(xs[run], ax.y(hi[run]))) + list(zip(xs[run], ax.y(lo[run])))[::-1]
            d = "M" + "L".join(f"{svg.num(a)} {svg.num(b)}" for a, b in points) + "Z"
            fig.path(d, fill=TERRITORY, fill_opacity=0.15, css_class="band")
    for k, (_, g) in enumerate(series):
        g = g.sort_values("year")
        xs, ys = ax.x(g["year"].to_numpy(float)), ax.y(g["value"].to_numpy(float))
        colour, width = colours[k % 4], 2.0 if k == 0 else 1.3
        fig.polyline(xs, ys, colour, width, styles[k % 4], css_class="series")
        dots = [f'<circle cx="{svg.num(x)}" cy="{svg.num(y)}" r="2"/>' for x, y in zip(xs, ys) if y == y]
        fig.group(dots, fill=colour, class_="points")
    ax.spines()
    labels = [str(ticklabels.get(y, y)) if ticklabels else str(y) for y in years]
    bottom = _category_ticks(ax, years, labels)
    ax.ylabel(ylabel, MARGIN + svg.FONT_SIZE)
    entries = [
        (svg.line_swatch(colours[k % 4], 2.0 if k == 0 else 1.3, styles[k % 4]), name)
        for k, (name, _) in enumerate(series)
    ]
    fig.height = svg.legend(fig, entries, bottom + GAP, 8, ncol=4) + MARGIN
    return fig


def _category_ticks(ax: svg.Axes, values, labels, size: float = svg.FONT_SIZE) -> float:
    """Tick labels of categories at ``values``: on one line when they fit, else on two lines (cut at the
    space nearest the middle), else turned 30°. Returns their bottom."""
    fig, top = ax.figure, ax.bottom + svg.TICK_LENGTH + svg.TICK_PAD
    xs = ax.xtick_marks(values)
    if svg.tick_labels_fit(list(xs), labels, size, gap=12):
        for x, t in zip(xs, labels):
            fig.text(float(x), top, t, size, anchor="middle", valign="top", css_class="xtick")
        return top + size
    split = [_two_lines(t) for t in labels]
    widest = [max(text_width(a, size), text_width(b, size)) for a, b in split]
    if all(b - a >= (wa + wb) / 2 + 12 for a, b, wa, wb in zip(xs, xs[1:], widest, widest[1:])):
        for x, (a, b) in zip(xs, split):
            fig.text(float(x), top, a, size, anchor="middle", valign="top", css_class="xtick")
            if b:
                fig.text(
                    float(x), top + size * svg.LINE_HEIGHT, b, size, anchor="middle", valign="top", css_class="xtick"
                )
        return top + size * (1 + svg.LINE_HEIGHT)
    for x, t in zip(xs, labels):
        fig.text(float(x) + 2, top, t, size, anchor="end", valign="top", rotate=-30, css_class="xtick")
    return top + max(text_width(t, size) for t in labels) * 0.5 + size


def _two_lines(text: str) -> tuple[str, str]:
    """``text`` cut at the space nearest its middle (a single word stays whole)."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text, ""
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut], text[cut + 1 :]


def grouped_bars(df: pd.DataFrame, ylabel: str, decimals: int = 0) -> svg.Figure:
    """Grouped bars: ``df`` has group (x categories), series (areas, the territory first) and value."""
    groups = list(dict.fromkeys(df["group"]))
    series = list(dict.fromkeys(df["series"]))
    x = np.arange(len(groups), dtype=float)
    width = 0.8 / len(series)
    palette = [TERRITORY, "#7f7f7f", "#bdbdbd", "#ffffff"]
    values = {s: df[df["series"] == s].set_index("group")["value"].reindex(groups).to_numpy(float) for s in series}
    low, high = svg.data_range(0.0, *values.values())
    ylim = (low, high + (high - low) * 0.12)  # room for the values written on the bars
    yt, ylabels = _y_ticks(*ylim, 190, lambda v: fr_number(v, decimals))
    fig = svg.Figure(576)
    left = _left_margin(ylabels, ylabel)
    ax = svg.Axes.box(fig, left, MARGIN + 4, fig.width - left - MARGIN - 10, 190, (-0.55, len(groups) - 0.45), ylim)
    ax.yticks(yt, ylabels, grid=True)
    for k, s in enumerate(series):
        centres = x + (k - (len(series) - 1) / 2) * width
        bars = [
            f'<rect x="{svg.num(ax.x(c - width / 2))}" y="{svg.num(min(ax.y(v), ax.y(0)))}" '
            f'width="{svg.num(ax.x(c + width / 2) - ax.x(c - width / 2))}" height="{svg.num(abs(ax.y(0) - ax.y(v)))}"/>'
            for c, v in zip(centres, values[s])
            if v == v
        ]
        fig.group(bars, fill=palette[k % 4], stroke=EDGE, stroke_width=0.6, class_="bars")
        if k == 0:
            for c, v in zip(centres, values[s]):
                if v == v:
                    fig.text(
                        ax.x(c),
                        ax.y(v) - 2,
                        fr_number(v, decimals),
                        7.5,
                        anchor="middle",
                        valign="bottom",
                        css_class="value",
                    )
    ax.spines()
    bottom = _category_ticks(ax, x, [str(g) for g in groups])
    ax.ylabel(ylabel, MARGIN + svg.FONT_SIZE)
    entries = [(svg.patch_swatch(palette[k % 4], EDGE, 0.6), s) for k, s in enumerate(series)]
    fig.height = svg.legend(fig, entries, bottom + GAP, 8, ncol=min(len(series), 4)) + MARGIN
    return fig


# --- maps -------------------------------------------------------------------------------------------------------

MAP_WIDTH, MAP_BOX = 446.0, (400.0, 330.0)  # the figure's width, the largest map inside it


def _map_frame(bounds, pad: float) -> tuple[svg.Figure, svg.MapProjection]:
    """A figure and the projection of ``bounds`` (widened by ``pad`` of their largest side), centred."""
    x0, y0, x1, y1 = bounds
    p = pad * max(x1 - x0, y1 - y0)
    bounds = (x0 - p, y0 - p, x1 + p, y1 + p)
    fig = svg.Figure(MAP_WIDTH)
    proj = svg.MapProjection.fit(bounds, 0, MARGIN, *MAP_BOX)
    w, h = proj.size(bounds)
    proj = svg.MapProjection.fit(bounds, (MAP_WIDTH - w) / 2, MARGIN, *MAP_BOX)
    fig.height = MARGIN + h
    fig.axes.append(proj)
    return fig, proj


def _bounds(geoms) -> tuple[float, float, float, float]:
    b = np.array([g.bounds for g in geoms])
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _shape_group(fig, geoms, proj, fills=None, css_class=None, **style) -> None:
    """Many outlines in one ``<g>`` (their common style written once); ``fills``: one fill each."""
    paths = [
        f'<path d="{svg.shape_path(g, proj)}"' + (f' fill="{svg.escape(f)}"' if fills is not None else "") + "/>"
        for g, f in zip(geoms, fills if fills is not None else [None] * len(geoms))
    ]
    fig.group(paths, class_=css_class, fill_rule="evenodd", **style)


def territory_map(areas: pd.DataFrame, highlight, background=None, legend_title: str = "") -> svg.Figure:
    """Areas coloured by judgement (``geometry``, ``judgement``), ``highlight`` outlined in black,
    ``background`` (other areas of the région) in light grey. Longitude / latitude drawn with the
    scale of the mean latitude, so that shapes are not stretched."""
    geoms = list(areas["geometry"]) + list(background or []) + ([highlight] if highlight is not None else [])
    fig, proj = _map_frame(_bounds(geoms), 0.03)
    if background:
        _shape_group(fig, background, proj, css_class="background", fill="#f0f0f0", stroke="#bdbdbd", stroke_width=0.4)
    plain = areas[areas["judgement"] != "non calculable"]
    _shape_group(
        fig,
        list(plain["geometry"]),
        proj,
        [COLOURS[j] for j in plain["judgement"]],
        "areas",
        stroke="#ffffff",
        stroke_width=0.8,
    )
    masked = list(areas.loc[areas["judgement"] == "non calculable", "geometry"])
    if masked:
        hatch = fig.hatch(COLOURS["non calculable"], "#ffffff")
        _shape_group(fig, masked, proj, css_class="masked", fill=hatch, stroke="#ffffff", stroke_width=0.8)
    if highlight is not None:
        _shape_group(fig, [highlight], proj, css_class="highlight", fill="none", stroke="#000000", stroke_width=2.2)
    if "text" in areas and len(areas) <= 30:  # the value on each area, legible on any fill
        for r in areas.itertuples():
            point = r.geometry.representative_point()
            x, y = proj(point.x, point.y)
            fig.marker(MARKERS[r.judgement], float(x), float(y), 7, "#ffffff", "#000000", 0.8)
            fig.text(float(x) + 5, float(y), r.text, 8, bold=True, halo="#ffffff", css_class="value")
    used = [j for j in COLOURS if j in set(areas["judgement"])]
    entries = [
        (
            svg.pair_swatch(
                svg.patch_swatch(COLOURS[j], "#999999", 1.0, hatch=j == "non calculable"),
                svg.marker_swatch(MARKERS[j], COLOURS[j], "#000000", 6),
            ),
            READINGS[j].legend,
        )
        for j in used
    ]
    if highlight is not None:
        entries.append((svg.patch_swatch("none", "#000000", 2.2), "Territoire du rapport"))
    fig.height = svg.legend(fig, entries, fig.height + GAP, 8, ncol=2, title=legend_title or None) + MARGIN
    return fig


FAMILY_COLOURS = ["#1b9e77", "#d95f02", "#7570b3"]  # colour-blind safe (ColorBrewer Dark2)


def dot_radius(places) -> np.ndarray:
    """Radius in points of an establishment's dot: its area grows with its places (what matplotlib's
    scatter sizes 12 + 1,6 × places, in square points, gave)."""
    return np.sqrt(12 + 1.6 * np.asarray(places, dtype=float)) / 2


def establishments_map(outline, points: pd.DataFrame, families: list[str]) -> svg.Figure:
    """The territory's outline and its establishments (``lon``, ``lat``, ``family``, ``places``), dots
    sized by installed places, one colour per family."""
    fig, proj = _map_frame(outline.bounds, 0.04)
    _shape_group(fig, [outline], proj, css_class="outline", fill="#f7f7f7", stroke="#000000", stroke_width=1.5)
    entries = []
    for colour, family in zip(FAMILY_COLOURS, families):
        part = points[points["family"] == family]
        xs, ys = proj(part["lon"].to_numpy(float), part["lat"].to_numpy(float))
        dots = [
            f'<circle cx="{svg.num(x)}" cy="{svg.num(y)}" r="{svg.num(r)}"/>'
            for x, y, r in zip(xs, ys, dot_radius(part["places"]))
        ]
        fig.group(dots, fill=colour, fill_opacity=0.75, stroke="#ffffff", stroke_width=0.6, class_="establishments")
        entries.append((svg.dot_swatch(4.0, colour, opacity=0.75), f"{family[0].upper()}{family[1:]} ({len(part)})"))
    entries += [(svg.dot_swatch(float(dot_radius(ref)), "#bdbdbd"), f"{ref} places") for ref in (20, 80)]
    fig.height = svg.legend(fig, entries, fig.height + GAP, 8, ncol=3) + MARGIN
    return fig


# --- funnel -----------------------------------------------------------------------------------------------------


def funnel_plot(points: pd.DataFrame, limits: dict, highlight_labels: bool = True) -> svg.Figure:
    """ICM (France = 100) against expected deaths: one dot per territory, the control limits of each
    level in ``limits`` ({label: (expected grid, low, high)}) as dashed then dotted lines."""
    styles = ["--", ":"]
    curves = list(zip(limits.items(), styles))
    xlim = svg.padded(*svg.data_range(points["expected"], *[grid for (_, (grid, _, _)), _ in curves]), log=True)
    ylim = svg.padded(*svg.data_range(points["ratio"], 100.0, *[np.r_[lo, hi] for (_, (_, lo, hi)), _ in curves]))
    yt, ylabels = _y_ticks(*ylim, 240, fr_number)
    fig = svg.Figure(540)
    ylabel = "ICM (France = 100)"
    left = _left_margin(ylabels, ylabel)
    ax = svg.Axes.box(fig, left, MARGIN + 4, fig.width - left - MARGIN - 12, 240, xlim, ylim, xlog=True)
    ax.yticks(yt, ylabels, grid=True)
    for (_, (grid, low, high)), style in curves:
        for curve in (low, high):
            fig.polyline(
                ax.x(np.asarray(grid, dtype=float)),
                ax.y(np.asarray(curve, dtype=float)),
                "#555555",
                1.0,
                style,
                css_class="limit",
            )
    ax.hline(100, FRANCE, 1.0, css_class="france")
    present = [j for j in READINGS if j in set(points["judgement"])]
    for j in present:
        part = points[points["judgement"] == j]
        for x, y in zip(ax.x(part["expected"].to_numpy(float)), ax.y(part["ratio"].to_numpy(float))):
            fig.marker(MARKERS[j], float(x), float(y), math.sqrt(42), COLOURS[j], EDGE, 0.6)
    if highlight_labels:
        for r in points[points["outside"]].itertuples():
            fig.text(
                ax.x(r.expected) + 4, ax.y(r.ratio) - 3, r.label, 7, valign="baseline", halo="#ffffff", css_class="name"
            )
    ax.spines()
    ticks, tick_labels = _ticks_that_fit(ax.x, fr_number)
    bottom = ax.xticks(ticks, tick_labels)
    ax.ylabel(ylabel, MARGIN + svg.FONT_SIZE)
    bottom = ax.xlabel("Décès attendus avec les taux de la France (échelle logarithmique)", bottom + 3)
    entries = [(svg.line_swatch("#555555", 1.0, style), label) for (label, _), style in curves]
    entries.append((svg.line_swatch(FRANCE, 1.0), "France = 100"))
    entries += [(_reading_swatch(j, math.sqrt(42)), f"{READINGS[j].legend} (intervalle de confiance)") for j in present]
    fig.height = svg.legend(fig, entries, bottom + GAP, 7.5, ncol=2) + MARGIN
    return fig


GROUP_COLOURS = [
    "#66c2a5",
    "#fc8d62",
    "#8da0cb",
    "#e78ac3",
    "#a6d854",
    "#ffd92f",
    "#e5c494",
    "#b3b3b3",
]  # ColorBrewer Set2


def group_map(
    areas: pd.DataFrame,
    background=None,
    legend_title: str = "",
    colours: dict | None = None,
    labels: dict | None = None,
) -> svg.Figure:
    """Areas (``geometry``, ``group``) coloured by group; a one-letter group is written on each area.
    ``colours`` and ``labels`` (group → colour, legend text) default to a palette and « Groupe X »."""
    groups = list(colours) if colours else sorted(areas["group"].unique())
    groups = [g for g in groups if g in set(areas["group"])]
    colour = colours or {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    fig, proj = _map_frame(_bounds(list(areas["geometry"]) + list(background or [])), 0.0)
    if background:
        _shape_group(fig, background, proj, css_class="background", fill="#f0f0f0", stroke="#bdbdbd", stroke_width=0.4)
    _shape_group(
        fig,
        list(areas["geometry"]),
        proj,
        [colour[g] for g in areas["group"]],
        "areas",
        stroke="#ffffff",
        stroke_width=0.8,
    )
    for r in areas.itertuples():
        if len(r.group) == 1:
            point = r.geometry.representative_point()
            x, y = proj(point.x, point.y)
            fig.text(float(x), float(y), r.group, 9, anchor="middle", bold=True, halo="#ffffff", css_class="group")
    entries = [(svg.patch_swatch(colour[g], "#999999"), (labels or {}).get(g, f"Groupe {g}")) for g in groups]
    fig.height = svg.legend(fig, entries, fig.height + GAP, 8, ncol=4, title=legend_title or None) + MARGIN
    return fig
