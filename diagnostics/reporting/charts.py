"""Figures of the report, one function per figure type.

Each returns a matplotlib Figure; :func:`figure_html` embeds it as a PNG with its alternative text
(for screen readers and for the scanning tests) and a caption. Colours follow the profile
convention: red worse, green better, amber no significant difference, blue shades where higher is
neither better nor worse, white « non testé », grey hatched « non calculable ».
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from diagnostics.formatting import fr_number  # noqa: E402
from diagnostics.reporting.html import render  # noqa: E402
from diagnostics.reporting.readings import READINGS  # noqa: E402

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
# SVG with real text: sharp on a seminar projector at any zoom, searchable, lighter and faster to draw
# than a 2× PNG (matplotlib writes a list of fallback fonts for readers without DejaVu Sans).
plt.rcParams.update(
    {
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100,
        "svg.fonttype": "none",
        "svg.hashsalt": "diagnostic",
    }
)


def fr_axis(ax, axis: str = "x", decimals: int = 0):
    fmt = FuncFormatter(lambda v, _: fr_number(v, decimals))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def figure_html(fig, alt: str, caption: str = "", wide: bool = False) -> str:
    """SVG embedded in a <figure> with alt text and caption; a ``wide`` figure (rows of small text)
    keeps a legible size on a phone and pans sideways inside its frame."""
    buf = io.BytesIO()
    # the tight box from a layout pass, not from a second full drawing (what bbox_inches="tight" does)
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
    fig.savefig(buf, format="svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return render("figure.html.j2", svg_base64=data, alt=alt, caption=caption, wide=wide)


def spine_chart(rows: pd.DataFrame):
    """Fingertips-style spine chart.

    ``rows``: one line per indicator with label, value_text, france_text, judgement, and the
    positions (already centred on France = 0.5 and scaled to [0, 1]) pos_value, pos_min, pos_max,
    pos_q1, pos_q3, pos_region, pos_departement (NaN where absent).
    """
    n = len(rows)
    fig, ax = plt.subplots(figsize=(10, 0.42 * n + 1.1))
    ax.set_xlim(-2.0, 1.75)
    ax.set_ylim(n - 0.5, -0.9)
    ax.axis("off")
    for i, r in enumerate(rows.itertuples()):
        ax.text(-1.98, i, r.label, va="center", ha="left", fontsize=8.5)
        ax.text(-0.06, i, r.value_text, va="center", ha="right", fontsize=8.5, fontweight="bold")
        ax.text(1.39, i, r.france_text, va="center", ha="right", fontsize=8.5)
        ax.text(1.44, i, READINGS[r.judgement].short, va="center", ha="left", fontsize=7.5, color="#333333")
        if not np.isnan(r.pos_min):
            ax.barh(i, r.pos_max - r.pos_min, left=r.pos_min, height=0.55, color="#e0e0e0")
            ax.barh(i, r.pos_q3 - r.pos_q1, left=r.pos_q1, height=0.55, color="#a6a6a6")
        if not np.isnan(r.pos_departement):
            ax.plot(r.pos_departement, i, marker="s", color="#555555", markersize=5, zorder=3)
        if not np.isnan(r.pos_region):
            ax.plot(r.pos_region, i, marker="D", color="#000000", markersize=4.5, markerfacecolor="white", zorder=3)
        if not np.isnan(r.pos_value):
            colour = COLOURS[r.judgement]
            ax.plot(
                r.pos_value,
                i,
                marker=MARKERS[r.judgement],
                markersize=9.5,
                markerfacecolor=colour,
                markeredgecolor="#333333",
                zorder=4,
            )
        else:
            ax.text(
                0.5, i, "non calculable (effectif trop faible)", ha="center", va="center", fontsize=7.5, color="#555555"
            )
    ax.axvline(0.5, color=FRANCE, linewidth=1, ymin=0.02, ymax=0.93)
    for x, t, ha in (
        (-1.98, "Indicateur", "left"),
        (-0.06, "Territoire", "right"),
        (0.5, "France", "center"),
        (1.39, "France", "right"),
        (1.44, "Écart", "left"),
    ):
        ax.text(x, -0.75, t, ha=ha, va="center", fontsize=8.5, color="#333333", fontweight="bold")
    used = [j for j in READINGS if j in set(rows["judgement"])]
    handles = [
        Line2D(
            [],
            [],
            marker=MARKERS[j],
            linestyle="",
            markerfacecolor=COLOURS[j],
            markeredgecolor="#333333",
            markersize=8,
            label=READINGS[j].legend,
        )
        for j in used
    ]
    handles += [
        Patch(color="#e0e0e0", label="Étendue des territoires de la région"),
        Patch(color="#a6a6a6", label="Quart à trois quarts des territoires"),
        Line2D([], [], marker="D", linestyle="", color="black", markerfacecolor="white", label="Région"),
        Line2D([], [], marker="s", linestyle="", color="#555555", label="Département"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False, fontsize=7.5)
    return fig


def population_pyramid(local: pd.DataFrame, france: pd.DataFrame, name: str):
    """Age pyramid in % of the population, the territory as bars and France as an outline.

    Both frames: age_band, sex ("M"/"F"), population.
    """

    def shares(df):
        p = df.groupby(["sex", "age_band"])["population"].sum()
        return p / p.sum() * 100

    s, f = shares(local), shares(france)
    bands = sorted(local["age_band"].unique(), key=lambda b: int(b[:2]))
    y = np.arange(len(bands))
    fig, ax = plt.subplots(figsize=(7.5, 5))
    men = -s.reindex(pd.MultiIndex.from_product([["M"], bands])).to_numpy()
    women = s.reindex(pd.MultiIndex.from_product([["F"], bands])).to_numpy()
    ax.barh(y, men, color="#6baed6", label=f"Hommes – {name}")
    ax.barh(y, women, color="#fc9272", label=f"Femmes – {name}")
    fm = -f.reindex(pd.MultiIndex.from_product([["M"], bands])).to_numpy()
    ff = f.reindex(pd.MultiIndex.from_product([["F"], bands])).to_numpy()
    ax.step(fm, y, where="mid", color=FRANCE, linewidth=1.2, label="France")
    ax.step(ff, y, where="mid", color=FRANCE, linewidth=1.2)
    ax.set_yticks(y, [b.replace("-", "–") for b in bands])
    lim = max(np.nanmax(np.abs(men)), np.nanmax(women), np.nanmax(np.abs(fm)), np.nanmax(ff)) * 1.1
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fr_number(abs(v), 1) + " %"))
    ax.set_xlabel("Part de la population (%)")
    ax.set_ylabel("Âge (ans)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=3, frameon=False, fontsize=8)
    return fig


def interval_chart(
    df: pd.DataFrame,
    xlabel: str,
    reference: float | None = None,
    reference_label: str = "France",
    highlight: str | None = None,
    decimals: int = 0,
):
    """Horizontal point-and-interval chart: one line per ``label`` with value, ci_low, ci_high and
    judgement; ``highlight`` (a label) is drawn in bold. Masked rows show « non calculable »."""
    n = len(df)
    fig, ax = plt.subplots(figsize=(8, 0.38 * n + 1.2))
    for i, r in enumerate(df.itertuples()):
        if np.isnan(r.value):
            ax.text(
                reference if reference else 0, i, "non calculable (effectif trop faible)", va="center", fontsize=7.5
            )
            continue
        if not np.isnan(r.ci_low):
            ax.plot([r.ci_low, r.ci_high], [i, i], color="#555555", linewidth=1.4)
        ax.plot(
            r.value,
            i,
            MARKERS.get(r.judgement, "o"),
            markersize=8.5,
            markerfacecolor=COLOURS.get(r.judgement, "#ffffff"),
            markeredgecolor="#333333",
        )
    ax.set_yticks(range(n), [f"▶ {lbl}" if lbl == highlight else lbl for lbl in df["label"]])
    for tick, lbl in zip(ax.get_yticklabels(), df["label"]):
        if lbl == highlight:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    handles = [
        Line2D(
            [],
            [],
            marker=MARKERS[j],
            linestyle="",
            markerfacecolor=COLOURS[j],
            markeredgecolor="#333333",
            markersize=7,
            label=READINGS[j].legend,
        )
        for j in READINGS
        if j in set(df["judgement"])
    ]
    if reference is not None:
        handles.append(Line2D([], [], color=FRANCE, linewidth=1, linestyle="--", label=reference_label))
        ax.axvline(reference, color=FRANCE, linewidth=1, linestyle="--")
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 1.2 / (0.38 * n + 1.2) * 0.4),
        ncol=2,
        frameon=False,
        fontsize=7.5,
    )
    fr_axis(ax, "x", decimals)
    ax.set_xlabel(xlabel)
    return fig


def trend_chart(df: pd.DataFrame, ylabel: str, decimals: int = 1, ticklabels: dict | None = None):
    """Lines over years: ``df`` has year, series (area name), value, ci_low, ci_high; the first
    series (the territory) gets its interval as a band. ``ticklabels``: year → label (periods)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    styles = ["-", "--", "-.", ":"]
    colours = [TERRITORY, "#7f7f7f", "#b15928", FRANCE]
    for k, (name, g) in enumerate(df.groupby("series", sort=False)):
        g = g.sort_values("year")
        ax.plot(
            g["year"],
            g["value"],
            styles[k % 4],
            color=colours[k % 4],
            marker="o",
            markersize=4,
            label=name,
            linewidth=2 if k == 0 else 1.3,
        )
        if k == 0:
            ax.fill_between(g["year"], g["ci_low"], g["ci_high"], color=TERRITORY, alpha=0.15, linewidth=0)
    years = sorted(df["year"].unique())
    ax.set_xticks(years, [ticklabels.get(y, y) for y in years] if ticklabels else years)
    fr_axis(ax, "y", decimals)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def grouped_bars(df: pd.DataFrame, ylabel: str, decimals: int = 0):
    """Grouped bars: ``df`` has group (x categories), series (areas, the territory first) and value."""
    groups = list(dict.fromkeys(df["group"]))
    series = list(dict.fromkeys(df["series"]))
    x = np.arange(len(groups))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    palette = [TERRITORY, "#7f7f7f", "#bdbdbd", "#ffffff"]
    for k, s in enumerate(series):
        values = df[df["series"] == s].set_index("group")["value"].reindex(groups).to_numpy(float)
        bars = ax.bar(
            x + (k - (len(series) - 1) / 2) * width,
            values,
            width,
            label=s,
            color=palette[k % 4],
            edgecolor="#333333",
            linewidth=0.6,
        )
        if k == 0:
            for b, v in zip(bars, values):
                if not np.isnan(v):
                    ax.annotate(
                        fr_number(v, decimals),
                        (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center",
                        va="bottom",
                        fontsize=7.5,
                        xytext=(0, 2),
                        textcoords="offset points",
                    )
    ax.set_xticks(x, groups)
    fr_axis(ax, "y", decimals)
    ax.set_ylabel(ylabel)
    # above the axes, so that it never hides a bar
    ax.legend(frameon=False, fontsize=8, ncol=min(len(series), 4), loc="lower center", bbox_to_anchor=(0.5, 1.02))
    return fig


def _shape_path(geom):
    """A matplotlib path for a (multi)polygon, holes included."""
    from matplotlib.path import Path as MplPath

    polygons = getattr(geom, "geoms", [geom])
    rings = [ring for p in polygons if not p.is_empty for ring in (p.exterior, *p.interiors)]
    return MplPath.make_compound_path(*[MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in rings])


def _shape_patch(geom, **style):
    from matplotlib.patches import PathPatch

    return PathPatch(_shape_path(geom), **style)


def _shapes(ax, geoms, **style):
    """Many outlines as one collection (one artist to draw, not one per shape)."""
    from matplotlib.collections import PathCollection

    ax.add_collection(PathCollection([_shape_path(g) for g in geoms], **style))


def territory_map(areas: pd.DataFrame, highlight, background=None, legend_title: str = ""):
    """Areas coloured by judgement (``geometry``, ``judgement``), ``highlight`` outlined in black,
    ``background`` (other areas of the région) in light grey. Longitude / latitude drawn with the
    scale of the mean latitude, so that shapes are not stretched."""
    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    if background:
        _shapes(ax, background, facecolor="#f0f0f0", edgecolor="#bdbdbd", linewidth=0.4)
    plain = areas[areas["judgement"] != "non calculable"]
    _shapes(
        ax, plain["geometry"], facecolors=[COLOURS[j] for j in plain["judgement"]], edgecolor="#ffffff", linewidth=0.8
    )
    for geom in areas.loc[areas["judgement"] == "non calculable", "geometry"]:
        ax.add_patch(
            _shape_patch(geom, facecolor=COLOURS["non calculable"], edgecolor="#ffffff", linewidth=0.8, hatch="///")
        )
    if highlight is not None:
        ax.add_patch(_shape_patch(highlight, facecolor="none", edgecolor="#000000", linewidth=2.2))
    if "text" in areas and len(areas) <= 30:  # the value on each area, legible on any fill
        import matplotlib.patheffects as pe

        for r in areas.itertuples():
            point = r.geometry.representative_point()
            ax.annotate(
                r.text,
                (point.x, point.y),
                xytext=(5, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=8,
                fontweight="bold",
                color="#000000",
                path_effects=[pe.withStroke(linewidth=2.5, foreground="#ffffff")],
            )
            ax.plot(
                point.x,
                point.y,
                marker=MARKERS[r.judgement],
                markersize=7,
                markerfacecolor="#ffffff",
                markeredgecolor="#000000",
                markeredgewidth=0.8,
                zorder=5,
            )
    geoms = (
        list(areas["geometry"])
        + list(background if background is not None else [])
        + ([highlight] if highlight is not None else [])
    )
    x0, y0 = min(g.bounds[0] for g in geoms), min(g.bounds[1] for g in geoms)
    x1, y1 = max(g.bounds[2] for g in geoms), max(g.bounds[3] for g in geoms)
    pad = 0.03 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    used = [j for j in COLOURS if j in set(areas["judgement"])]
    from matplotlib.legend_handler import HandlerTuple

    handles = [
        (
            Patch(facecolor=COLOURS[j], edgecolor="#999999", hatch="///" if j == "non calculable" else None),
            Line2D([], [], marker=MARKERS[j], linestyle="", markerfacecolor=COLOURS[j], markeredgecolor="#000000"),
        )
        for j in used
    ]
    labels = [READINGS[j].legend for j in used]
    if highlight is not None:
        handles.append(Patch(facecolor="none", edgecolor="#000000", linewidth=2.2))
        labels.append("Territoire du rapport")
    ax.legend(
        handles,
        labels,
        handler_map={tuple: HandlerTuple(ndivide=None)},
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=2,
        frameon=False,
        fontsize=8,
        title=legend_title or None,
        title_fontsize=8,
    )
    return fig


FAMILY_COLOURS = ["#1b9e77", "#d95f02", "#7570b3"]  # colour-blind safe (ColorBrewer Dark2)


def establishments_map(outline, points: pd.DataFrame, families: list[str]):
    """The territory's outline and its establishments (``lon``, ``lat``, ``family``, ``places``), dots
    sized by installed places, one colour per family."""
    fig, ax = plt.subplots(figsize=(6.2, 5.0))
    ax.add_patch(_shape_patch(outline, facecolor="#f7f7f7", edgecolor="#000000", linewidth=1.5))
    size = lambda places: 12 + 1.6 * np.asarray(places, dtype=float)  # noqa: E731 - area ∝ places
    for colour, family in zip(FAMILY_COLOURS, families):
        part = points[points["family"] == family]
        ax.scatter(
            part["lon"],
            part["lat"],
            s=size(part["places"]),
            color=colour,
            alpha=0.75,
            edgecolor="#ffffff",
            linewidth=0.6,
            label=f"{family[0].upper()}{family[1:]} ({len(part)})",
        )
    x0, y0, x1, y1 = outline.bounds
    pad = 0.04 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    handles = ax.get_legend_handles_labels()
    for ref in (20, 80):
        handles[0].append(ax.scatter([], [], s=size(ref), color="#bdbdbd", edgecolor="#ffffff"))
        handles[1].append(f"{ref} places")
    ax.legend(*handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3, frameon=False, fontsize=8)
    return fig


def funnel_plot(points: pd.DataFrame, limits: dict, highlight_labels: bool = True):
    """ICM (France = 100) against expected deaths: one dot per territory, the control limits of each
    level in ``limits`` ({label: (expected grid, low, high)}) as dashed then dotted lines."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    styles = ["--", ":"]
    for (label, (grid, low, high)), style in zip(limits.items(), styles):
        ax.plot(grid, low, style, color="#555555", linewidth=1, label=label)
        ax.plot(grid, high, style, color="#555555", linewidth=1)
    ax.axhline(100, color=FRANCE, linewidth=1, label="France = 100")
    for judgement_, part in sorted(points.groupby("judgement"), key=lambda g: list(READINGS).index(g[0])):
        ax.scatter(
            part["expected"],
            part["ratio"],
            s=42,
            marker=MARKERS[judgement_],
            c=COLOURS[judgement_],
            edgecolors="#333333",
            linewidths=0.6,
            zorder=3,
            label=f"{READINGS[judgement_].legend} (intervalle de confiance)",
        )
    if highlight_labels:
        for r in points[points["outside"]].itertuples():
            ax.annotate(r.label, (r.expected, r.ratio), xytext=(4, 3), textcoords="offset points", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("Décès attendus avec les taux de la France (échelle logarithmique)")
    ax.set_ylabel("ICM (France = 100)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False, fontsize=7.5)
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
):
    """Areas (``geometry``, ``group``) coloured by group; a one-letter group is written on each area.
    ``colours`` and ``labels`` (group → colour, legend text) default to a palette and « Groupe X »."""
    import matplotlib.patheffects as pe

    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    if background:
        _shapes(ax, background, facecolor="#f0f0f0", edgecolor="#bdbdbd", linewidth=0.4)
    groups = list(colours) if colours else sorted(areas["group"].unique())
    groups = [g for g in groups if g in set(areas["group"])]
    colour = colours or {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    _shapes(ax, areas["geometry"], facecolors=[colour[g] for g in areas["group"]], edgecolor="#ffffff", linewidth=0.8)
    for r in areas.itertuples():
        if len(r.group) == 1:
            point = r.geometry.representative_point()
            ax.annotate(
                r.group,
                (point.x, point.y),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                path_effects=[pe.withStroke(linewidth=2.5, foreground="#ffffff")],
            )
    geoms = list(areas["geometry"]) + list(background or [])
    x0, y0 = min(g.bounds[0] for g in geoms), min(g.bounds[1] for g in geoms)
    x1, y1 = max(g.bounds[2] for g in geoms), max(g.bounds[3] for g in geoms)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    ax.legend(
        [Patch(facecolor=colour[g], edgecolor="#999999") for g in groups],
        [(labels or {}).get(g, f"Groupe {g}") for g in groups],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=4,
        frameon=False,
        fontsize=8,
        title=legend_title or None,
        title_fontsize=8,
    )
    return fig
