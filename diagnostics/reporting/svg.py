"""A small SVG drawing layer for the report's charts: no matplotlib, no layout pass.

A :class:`Figure` has a size in points (1/72 inch, the unit of font sizes and line widths, so that a
chart keeps the proportions matplotlib gave it); :class:`Axes` map data to points with linear or
logarithmic :class:`Scale`s. Texts stay real ``<text>`` (searchable, scanned by the disclosure
tests), every label is XML-escaped, and margins are computed from :func:`text_width`, the advance
widths of DejaVu Sans (the font matplotlib drew with) tabulated below. The output is deterministic
(same input, same bytes) and self-contained: no font, script or image is referenced.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

FONT_FAMILY = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 9.0  # the figures' default, as matplotlib's rcParams font.size was

# Advance widths of DejaVu Sans (regular, bold) in font units (2 048 per em), as matplotlib.ft2font
# reads them from matplotlib's bundled fonts (see :func:`measured_advances`; a test checks them).
# Kerning is ignored: an estimate within a few per cent is enough to size margins and legends.
UNITS_PER_EM = 2048
MEASURED_CHARS = "".join(map(chr, range(32, 127))) + "".join(map(chr, range(160, 256))) + "–—‘’“”…€‰▶▲▼●■◆≤≥−œŒ\u202f•"
REGULAR_ADVANCES = tuple(
    int(w)
    for w in """
651 821 942 1716 1303 1946 1597 563 799 799 1024 1716 651 739 651 690 1303 1303 1303 1303 1303 1303 1303 1303
1303 1303 690 690 1716 1716 1716 1087 2048 1401 1405 1430 1577 1294 1178 1587 1540 604 604 1343 1141 1767 1532
1612 1235 1612 1423 1300 1251 1499 1401 2025 1403 1251 1403 799 690 799 1716 1024 1024 1255 1300 1126 1300 1260
721 1300 1298 569 569 1186 569 1995 1298 1253 1300 1300 842 1067 803 1298 1212 1675 1212 1212 1075 1303 690 1303
1716 651 821 1303 1303 1303 1303 690 1024 1024 2048 965 1253 1716 739 2048 1024 1024 1716 821 821 1024 1303 1303
651 1024 821 965 1253 1985 1985 1985 1087 1401 1401 1401 1401 1401 1401 1995 1430 1294 1294 1294 1294 604 604
604 604 1587 1532 1612 1612 1612 1612 1612 1716 1612 1499 1499 1499 1499 1251 1239 1290 1255 1255 1255 1255 1255
1255 2011 1126 1260 1260 1260 1260 569 569 569 569 1253 1298 1253 1253 1253 1253 1253 1716 1253 1298 1298 1298
1298 1212 1300 1212 1024 2048 651 651 1061 1061 2048 1303 2748 1575 1575 1575 1787 1935 1575 1716 1716 1716 2095
2191 409 1208
""".split()
)
BOLD_ADVANCES = tuple(
    int(w)
    for w in """
713 934 1067 1716 1425 2052 1786 627 936 936 1071 1716 778 850 778 748 1425 1425 1425 1425 1425 1425 1425 1425
1425 1425 819 819 1716 1716 1716 1188 2048 1585 1561 1503 1700 1399 1399 1681 1714 762 762 1587 1305 2038 1714
1741 1501 1741 1577 1475 1397 1663 1585 2259 1579 1483 1485 936 748 936 1716 1024 1024 1382 1466 1214 1466 1389
891 1466 1458 702 702 1362 702 2134 1458 1407 1466 1466 1010 1219 979 1458 1335 1892 1321 1335 1192 1458 748
1458 1716 713 934 1425 1425 1303 1425 748 1024 1024 2048 1155 1323 1716 850 2048 1024 1024 1716 897 897 1024
1507 1303 778 1024 897 1155 1323 2120 2120 2120 1188 1585 1585 1585 1585 1585 1585 2222 1503 1399 1399 1399 1399
762 762 762 762 1716 1714 1741 1741 1741 1741 1741 1716 1741 1663 1663 1663 1663 1483 1511 1473 1382 1382 1382
1382 1382 1382 2146 1214 1389 1389 1389 1389 702 702 702 702 1407 1458 1407 1407 1407 1407 1407 1716 1407 1458
1458 1458 1458 1335 1466 1335 1024 2048 778 778 1346 1346 2048 1425 2949 1575 1575 1575 1787 1935 1575 1716 1716
1716 2241 2390 409 1309
""".split()
)
_ADVANCES = {False: dict(zip(MEASURED_CHARS, REGULAR_ADVANCES)), True: dict(zip(MEASURED_CHARS, BOLD_ADVANCES))}
_DEFAULT_ADVANCE = {False: 1303, True: 1425}  # a digit's width, for characters not tabulated


def measured_advances(bold: bool = False) -> tuple[int, ...]:
    """The advance widths of :data:`MEASURED_CHARS` read from matplotlib's DejaVu Sans (to check or
    regenerate the table above; matplotlib is imported only here)."""
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal"))
    font = ft2font.FT2Font(path)
    return tuple(font.load_char(ord(c), flags=ft2font.LoadFlags.NO_SCALE).horiAdvance for c in MEASURED_CHARS)


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Estimated width, in points, of ``text`` set in DejaVu Sans at ``size`` points."""
    advances, default = _ADVANCES[bold], _DEFAULT_ADVANCE[bold]
    return size * sum(advances.get(c, default) for c in text) / UNITS_PER_EM


# Baseline of a text relative to the y it is placed at, in ems of DejaVu Sans (cap height 0,73 em,
# descent 0,24 em): what matplotlib's va="center" / "top" / "bottom" give.
BASELINE_SHIFT = {"middle": 0.36, "top": 0.76, "bottom": -0.24, "baseline": 0.0}
LINE_HEIGHT = 1.2  # ems between the baselines of two lines of text

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text) -> str:
    """Text safe inside an element or a double-quoted attribute (control characters dropped)."""
    text = _INVALID_XML.sub("", str(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (compact, deterministic)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(attrs: dict) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool):
            value = num(float(value))
        out.append(f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"')
    return "".join(out)


def dash_array(style: str, width: float) -> str | None:
    """matplotlib's dash patterns (scaled by the line width, as lines.scale_dashes does)."""
    pattern = {"--": (3.7, 1.6), "-.": (6.4, 1.6, 1.0, 1.6), ":": (1.0, 1.65)}.get(style)
    return None if pattern is None else " ".join(num(p * width) for p in pattern)


# --- scales -------------------------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, max_ticks: int = 7) -> np.ndarray:
    """Round tick values inside [low, high]: the finest step of 1, 2, 2,5 or 5 × 10^k giving at most
    ``max_ticks`` of them."""
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return np.array([low]) if np.isfinite(low) else np.array([])
    magnitude = 10.0 ** (math.floor(math.log10((high - low) / max(max_ticks, 1))) - 1)
    for step in (m * magnitude * 10**k for k in range(4) for m in (1, 2, 2.5, 5)):
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        if last - first + 1 <= max_ticks:
            return np.round(np.arange(first, last + 1) * step, 10)
    return np.array([low, high])


def log_ticks(low: float, high: float) -> np.ndarray:
    """Powers of ten inside [low, high]; with 1, 2 and 5 × 10^k when the range spans less than two decades."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    mantissas = (1,) if math.log10(high / low) >= 2 else (1, 2, 5)
    ticks = [m * 10.0**k for k in decades for m in mantissas]
    return np.array([t for t in ticks if low * (1 - 1e-9) <= t <= high * (1 + 1e-9)])


def padded(low: float, high: float, fraction: float = 0.05, log: bool = False) -> tuple[float, float]:
    """The data range widened by ``fraction`` on each side (matplotlib's default margins)."""
    if log:
        a, b = padded(math.log10(low), math.log10(high), fraction)
        return 10.0**a, 10.0**b
    if high == low:
        pad = abs(low) * fraction or 0.5
        return low - pad, high + pad
    pad = (high - low) * fraction
    return low - pad, high + pad


def data_range(*values) -> tuple[float, float]:
    """(min, max) of every finite value given (arrays, scalars or None)."""
    flat = np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)) for v in values if v is not None])
    flat = flat[np.isfinite(flat)]
    return (float(flat.min()), float(flat.max())) if len(flat) else (0.0, 1.0)


@dataclass(frozen=True)
class Scale:
    """Data (``domain``) to points (``span``), linear or base-10 logarithmic; vectorised."""

    domain: tuple[float, float]
    span: tuple[float, float]
    log: bool = False

    def __call__(self, value):
        d0, d1 = self.domain
        v = np.asarray(value, dtype=float)
        if self.log:
            d0, d1, v = math.log10(d0), math.log10(d1), np.log10(v)
        out = self.span[0] + (v - d0) / (d1 - d0) * (self.span[1] - self.span[0])
        return float(out) if np.ndim(out) == 0 else out

    def ticks(self, max_ticks: int = 7) -> np.ndarray:
        return log_ticks(*sorted(self.domain)) if self.log else nice_ticks(*sorted(self.domain), max_ticks)


# --- markers --------------------------------------------------------------------------------------------------

# matplotlib's marker outlines, in units of the marker size (points), y pointing up
_MARKER_OUTLINES = {
    "^": [(0, 0.5), (-0.5, -0.5), (0.5, -0.5)],
    "v": [(0, -0.5), (-0.5, 0.5), (0.5, 0.5)],
    "s": [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)],
    "D": [(0, -0.7071), (0.7071, 0), (0, 0.7071), (-0.7071, 0)],
    "P": [(x / 6, y / 6) for x, y in [(-1, -3), (1, -3), (1, -1), (3, -1), (3, 1), (1, 1)]]
    + [(x / 6, y / 6) for x, y in [(1, 3), (-1, 3), (-1, 1), (-3, 1), (-3, -1), (-1, -1)]],
    "X": [(x / 4, y / 4) for x, y in [(-1, -2), (0, -1), (1, -2), (2, -1), (1, 0), (2, 1)]]
    + [(x / 4, y / 4) for x, y in [(1, 2), (0, 1), (-1, 2), (-2, 1), (-1, 0), (-2, -1)]],
}
# the shape's name, written as the mark's class (what a test or a stylesheet can select)
MARKER_SHAPES = {
    "^": "triangle-up",
    "v": "triangle-down",
    "o": "circle",
    "P": "plus",
    "X": "cross",
    "D": "diamond",
    "s": "square",
}


def marker_path(shape: str, x: float, y: float, size: float) -> str:
    """Path data of a marker of ``size`` points centred on (x, y) (SVG y points down)."""
    return "M" + "L".join(f"{num(x + dx * size)} {num(y - dy * size)}" for dx, dy in _MARKER_OUTLINES[shape]) + "Z"


# --- figure ---------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """An SVG drawing of ``width`` × ``height`` points; marks are appended in drawing order."""

    width: float
    height: float = 0.0
    background: str | None = "#ffffff"
    body: list[str] = field(default_factory=list)
    defs: dict[str, str] = field(default_factory=dict)
    axes: list = field(default_factory=list)  # the scales it was drawn with (Axes, MapProjection), for tests

    # elements ----------------------------------------------------------------------------------------------
    def element(self, tag: str, content: str | None = None, **attrs) -> None:
        if content is None:
            self.body.append(f"<{tag}{_attrs(attrs)}/>")
        else:
            self.body.append(f"<{tag}{_attrs(attrs)}>{content}</{tag}>")

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = FONT_SIZE,
        anchor: str = "start",
        valign: str = "middle",
        bold: bool = False,
        colour: str | None = None,
        rotate: float | None = None,
        halo: str | None = None,
        css_class: str | None = None,
    ) -> None:
        """``text`` at (x, y): ``anchor`` start / middle / end, ``valign`` middle / top / bottom / baseline;
        ``halo``: a colour stroked behind the letters (legible on any fill)."""
        baseline = y + BASELINE_SHIFT[valign] * size
        self.element(
            "text",
            escape(text),
            x=x,
            y=baseline,
            class_=css_class,
            font_size=None if size == FONT_SIZE else size,
            font_weight="bold" if bold else None,
            text_anchor=None if anchor == "start" else anchor,
            fill=colour,
            stroke=halo,
            stroke_width=2.5 if halo else None,
            stroke_linejoin="round" if halo else None,
            paint_order="stroke" if halo else None,
            transform=None if rotate is None else f"rotate({num(rotate)} {num(x)} {num(baseline)})",
        )

    def line(self, x1, y1, x2, y2, colour="#000000", width=1.0, dash: str = "-", css_class=None) -> None:
        self.element(
            "line",
            x1=x1,
            y1=y1,
            x2=x2,
            y2=y2,
            class_=css_class,
            stroke=colour,
            stroke_width=width,
            stroke_dasharray=dash_array(dash, width),
        )

    def polyline(self, xs, ys, colour="#000000", width=1.0, dash: str = "-", css_class=None) -> None:
        """A line through the points, broken where a coordinate is missing (as matplotlib does)."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        for run in finite_runs(xs, ys):
            points = " ".join(f"{num(x)},{num(y)}" for x, y in zip(xs[run], ys[run]))
            self.element(
                "polyline",
                points=points,
                class_=css_class,
                fill="none",
                stroke=colour,
                stroke_width=width,
                stroke_dasharray=dash_array(dash, width),
                stroke_linejoin="round",
            )

    def rect(self, x, y, width, height, fill="#000000", stroke=None, stroke_width=None, css_class=None, **attrs):
        """A rectangle from (x, y), negative sizes allowed (drawn from the other corner)."""
        x, width = (x + width, -width) if width < 0 else (x, width)
        y, height = (y + height, -height) if height < 0 else (y, height)
        self.element(
            "rect",
            x=x,
            y=y,
            width=width,
            height=height,
            class_=css_class,
            fill=fill,
            stroke=stroke,
            stroke_width=stroke_width,
            **attrs,
        )

    def circle(self, x, y, radius, fill="#000000", stroke=None, stroke_width=None, css_class=None, **attrs):
        self.element(
            "circle",
            cx=x,
            cy=y,
            r=radius,
            class_=css_class,
            fill=fill,
            stroke=stroke,
            stroke_width=stroke_width,
            **attrs,
        )

    def marker(self, shape: str, x, y, size, fill, stroke="#333333", stroke_width=1.0) -> None:
        """One of matplotlib's markers (^ v o P X D s) of ``size`` points, its shape named in its class."""
        if shape == "o":
            self.circle(x, y, size / 2, fill, stroke, stroke_width, css_class="circle")
        else:
            self.element(
                "path",
                d=marker_path(shape, x, y, size),
                class_=MARKER_SHAPES[shape],
                fill=fill,
                stroke=stroke,
                stroke_width=stroke_width,
                stroke_linejoin="miter",
            )

    def path(self, d: str, fill="none", stroke=None, stroke_width=None, css_class=None, **attrs) -> None:
        self.element("path", d=d, class_=css_class, fill=fill, stroke=stroke, stroke_width=stroke_width, **attrs)

    def hatch(self, fill: str, colour: str, spacing: float = 6.0) -> str:
        """A fill of diagonal lines (« /// », for « non calculable ») on ``fill``: its url() reference."""
        key = f"hatch-{fill.lstrip('#')}-{colour.lstrip('#')}"
        if key not in self.defs:
            s = num(spacing)
            self.defs[key] = (
                f'<pattern id="{key}" patternUnits="userSpaceOnUse" width="{s}" height="{s}">'
                f'<rect width="{s}" height="{s}" fill="{fill}"/>'
                f'<path d="M-1 1L1 -1M0 {s}L{s} 0M{num(spacing - 1)} {num(spacing + 1)}L{num(spacing + 1)} '
                f'{num(spacing - 1)}" stroke="{colour}" stroke-width="1"/></pattern>'
            )
        return f"url(#{key})"

    def group(self, elements: list[str], **attrs) -> None:
        """Elements sharing their attributes (one ``<g>``: fewer bytes than repeating them)."""
        if elements:
            self.body.append(f"<g{_attrs(attrs)}>{''.join(elements)}</g>")

    # output --------------------------------------------------------------------------------------------------
    def to_svg(self) -> str:
        w, h = num(self.width), num(self.height)
        head = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" '
            f'font-family="{escape(FONT_FAMILY)}" font-size="{num(FONT_SIZE)}">'
        )
        defs = f"<defs>{''.join(self.defs.values())}</defs>" if self.defs else ""
        background = f'<rect width="{w}" height="{h}" fill="{self.background}"/>' if self.background else ""
        return head + defs + background + "".join(self.body) + "</svg>\n"


def finite_runs(xs: np.ndarray, ys: np.ndarray) -> list[slice]:
    """The runs of consecutive points where both coordinates are finite."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(int), [0]])))
    return [slice(a, b) for a, b in zip(edges[::2], edges[1::2])]


# --- axes ------------------------------------------------------------------------------------------------------

TICK_LENGTH = 3.5  # matplotlib's major ticks: 3,5 pt long, 0,8 pt wide, labels 3,5 pt away
TICK_PAD = 3.5
SPINE_WIDTH = 0.8
GRID_COLOUR = "#e5e5e5"


@dataclass
class Axes:
    """A plotting box (``left``, ``top``, ``width``, ``height`` in points) with its two scales."""

    figure: Figure
    x: Scale
    y: Scale

    @classmethod
    def box(cls, figure, left, top, width, height, xlim, ylim, xlog=False, ylog=False, y_down=False) -> Axes:
        """Axes whose y grows upwards (``y_down``: downwards, rows listed from the top)."""
        ys = (top, top + height) if y_down else (top + height, top)
        axes = cls(figure, Scale(tuple(xlim), (left, left + width), xlog), Scale(tuple(ylim), ys, ylog))
        figure.axes.append(axes)
        return axes

    @property
    def left(self) -> float:
        return min(self.x.span)

    @property
    def right(self) -> float:
        return max(self.x.span)

    @property
    def top(self) -> float:
        return min(self.y.span)

    @property
    def bottom(self) -> float:
        return max(self.y.span)

    def spines(self) -> None:
        """The left and bottom spines (top and right ones off, as the report's style had them)."""
        d = f"M{num(self.left)} {num(self.top)}V{num(self.bottom)}H{num(self.right)}"
        self.figure.path(d, stroke="#000000", stroke_width=SPINE_WIDTH, css_class="spines")

    def xtick_marks(self, values, grid: bool = False) -> np.ndarray:
        """Tick marks under the axes (and gridlines across them) at ``values``; their x in points."""
        xs = np.atleast_1d(self.x(np.asarray(values, dtype=float)))
        fig, top, bottom = self.figure, num(self.top), num(self.bottom)
        if grid:
            lines = [f'<line x1="{num(x)}" y1="{top}" x2="{num(x)}" y2="{bottom}"/>' for x in xs]
            fig.group(lines, stroke=GRID_COLOUR, stroke_width=0.8, class_="grid")
        end = num(self.bottom + TICK_LENGTH)
        lines = [f'<line x1="{num(x)}" y1="{bottom}" x2="{num(x)}" y2="{end}"/>' for x in xs]
        fig.group(lines, stroke="#000000", stroke_width=SPINE_WIDTH, class_="xticks")
        return xs

    def xticks(self, values, labels, size: float = FONT_SIZE, grid: bool = False) -> float:
        """Ticks and labels under the axes; returns the y of the labels' bottom."""
        xs = self.xtick_marks(values, grid)
        top = self.bottom + TICK_LENGTH + TICK_PAD
        for x, label in zip(xs, labels):
            self.figure.text(float(x), top, label, size, anchor="middle", valign="top", css_class="xtick")
        return top + size * 1.0

    def yticks(self, values, labels, size: float = FONT_SIZE, bold=(), grid: bool = False) -> float:
        """Ticks and labels left of the axes (``bold``: the labels to set in bold); returns the labels' left x."""
        ys = self.y(np.asarray(values, dtype=float))
        fig, left = self.figure, self.left
        if grid:
            fig.group(
                [f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(self.right)}" y2="{num(y)}"/>' for y in ys],
                stroke=GRID_COLOUR,
                stroke_width=0.8,
                class_="grid",
            )
        fig.group(
            [f'<line x1="{num(left - TICK_LENGTH)}" y1="{num(y)}" x2="{num(left)}" y2="{num(y)}"/>' for y in ys],
            stroke="#000000",
            stroke_width=SPINE_WIDTH,
            class_="yticks",
        )
        end = left - TICK_LENGTH - TICK_PAD
        for y, label in zip(ys, labels):
            fig.text(end, float(y), label, size, anchor="end", bold=label in bold, css_class="ytick")
        return end - max((text_width(t, size, t in bold) for t in labels), default=0)

    def xlabel(self, text: str, top: float, size: float = FONT_SIZE) -> float:
        """The x axis' title from ``top`` down, centred; returns its bottom."""
        self.figure.text(
            (self.left + self.right) / 2, top, text, size, anchor="middle", valign="top", css_class="xlabel"
        )
        return top + size * LINE_HEIGHT

    def ylabel(self, text: str, right: float, size: float = FONT_SIZE) -> None:
        """The y axis' title, turned a quarter, its bottom at ``right``."""
        x, y = right - size * 0.24, (self.top + self.bottom) / 2
        self.figure.element(
            "text",
            escape(text),
            x=x,
            y=y,
            class_="ylabel",
            text_anchor="middle",
            transform=f"rotate(-90 {num(x)} {num(y)})",
            font_size=None if size == FONT_SIZE else size,
        )

    def vline(self, x: float, colour="#000000", width=1.0, dash="-", top=None, bottom=None, css_class=None) -> None:
        px = self.x(x)
        self.figure.line(
            px,
            self.top if top is None else top,
            px,
            self.bottom if bottom is None else bottom,
            colour,
            width,
            dash,
            css_class,
        )

    def hline(self, y: float, colour="#000000", width=1.0, dash="-", css_class=None) -> None:
        py = self.y(y)
        self.figure.line(self.left, py, self.right, py, colour, width, dash, css_class)


def tick_labels_fit(positions, labels, size: float = FONT_SIZE, gap: float = 4.0) -> bool:
    """Whether centred labels at ``positions`` (points) leave ``gap`` between neighbours."""
    half = [text_width(t, size) / 2 for t in labels]
    return all(b - a >= ha + hb + gap for a, b, ha, hb in zip(positions, positions[1:], half, half[1:]))


# --- legends ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Swatch:
    """The drawing beside a legend label: a marker, a patch, a line, a dot, or several side by side."""

    kind: str  # "marker", "patch", "line", "dot", "pair"
    fill: str = "none"
    stroke: str | None = None
    stroke_width: float = 1.0
    shape: str = "o"
    size: float = 8.0
    dash: str = "-"
    hatch: bool = False
    opacity: float | None = None
    parts: tuple = ()


def marker_swatch(shape, fill, stroke="#333333", size=8.0, stroke_width=1.0) -> Swatch:
    return Swatch("marker", fill, stroke, stroke_width, shape=shape, size=size)


def patch_swatch(fill, stroke=None, stroke_width=1.0, hatch=False) -> Swatch:
    return Swatch("patch", fill, stroke, stroke_width, hatch=hatch)


def line_swatch(colour, width=1.0, dash="-") -> Swatch:
    return Swatch("line", stroke=colour, stroke_width=width, dash=dash)


def dot_swatch(radius, fill, stroke="#ffffff", opacity=None) -> Swatch:
    return Swatch("dot", fill, stroke, 0.6, size=radius, opacity=opacity)


def pair_swatch(*parts: Swatch) -> Swatch:
    return Swatch("pair", parts=parts)


def _swatch_width(swatch: Swatch, size: float) -> float:
    if swatch.kind == "pair":
        return sum(_swatch_width(p, size) for p in swatch.parts) + 0.4 * size * (len(swatch.parts) - 1)
    if swatch.kind == "dot":
        return max(2 * swatch.size, 2.0 * size)
    return 2.0 * size  # matplotlib's handlelength


def draw_swatch(fig: Figure, swatch: Swatch, x: float, y: float, size: float) -> None:
    """``swatch`` from x (its left), centred on y."""
    w = _swatch_width(swatch, size)
    if swatch.kind == "pair":
        for part in swatch.parts:
            draw_swatch(fig, part, x, y, size)
            x += _swatch_width(part, size) + 0.4 * size
    elif swatch.kind == "marker":
        fig.marker(swatch.shape, x + w / 2, y, swatch.size, swatch.fill, swatch.stroke, swatch.stroke_width)
    elif swatch.kind == "patch":
        fill = fig.hatch(swatch.fill, swatch.stroke or "#999999") if swatch.hatch else swatch.fill
        fig.rect(x, y - 0.35 * size, w, 0.7 * size, fill, swatch.stroke, swatch.stroke and swatch.stroke_width)
    elif swatch.kind == "line":
        fig.line(x, y, x + w, y, swatch.stroke, swatch.stroke_width, swatch.dash)
    else:
        fig.circle(
            x + w / 2, y, swatch.size, swatch.fill, swatch.stroke, swatch.stroke_width, fill_opacity=swatch.opacity
        )


def legend(
    fig: Figure,
    entries: list[tuple[Swatch, str]],
    top: float,
    size: float = 8.0,
    ncol: int = 2,
    title: str | None = None,
    centre: float | None = None,
    max_width: float | None = None,
) -> float:
    """A legend without frame from ``top`` down, centred on ``centre`` (the figure's middle), filled
    column by column as matplotlib's; fewer columns when they would not fit in ``max_width``.
    Labels are written in the order of ``entries``. Returns the legend's bottom."""
    if not entries:
        return top
    centre = fig.width / 2 if centre is None else centre
    max_width = fig.width - 8 if max_width is None else max_width
    pad, spacing = 0.8 * size, 2.0 * size  # handletextpad, columnspacing
    for columns in range(max(min(ncol, len(entries)), 1), 0, -1):
        rows = math.ceil(len(entries) / columns)
        widths = [
            max(
                _swatch_width(s, size) + pad + text_width(label, size)
                for s, label in entries[c * rows : (c + 1) * rows]
            )
            for c in range(math.ceil(len(entries) / rows))
        ]
        total = sum(widths) + spacing * (len(widths) - 1)
        if total <= max_width or columns == 1:
            break
    row_height = max(
        1.5 * size,
        max(2 * s.size + 2 for s, _ in entries if s.kind == "dot") if any(s.kind == "dot" for s, _ in entries) else 0,
    )
    y, start = top, len(fig.body)
    if title:
        fig.text(centre, y, title, size, anchor="middle", valign="top", css_class="legend-title")
        y += size * LINE_HEIGHT + 0.3 * size
    lefts = np.concatenate([[0], np.cumsum(np.asarray(widths) + spacing)])[: len(widths)] + centre - total / 2
    for k, (swatch, label) in enumerate(entries):
        column, row = divmod(k, rows)
        cy = y + (row + 0.5) * row_height
        x = float(lefts[column])
        draw_swatch(fig, swatch, x, cy, size)
        fig.text(x + _swatch_width(swatch, size) + pad, cy, label, size)
    drawn = fig.body[start:]
    del fig.body[start:]
    fig.group(drawn, class_="legend")
    return y + rows * row_height


# --- shapes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapProjection:
    """Longitude / latitude to points, the degree of longitude shortened by the cosine of the mean
    latitude (what ``set_aspect(1 / cos φ)`` gave the maps): shapes keep their proportions."""

    x0: float
    y1: float
    scale: float  # points per degree of longitude
    aspect: float  # points per degree of latitude / points per degree of longitude
    left: float
    top: float

    @classmethod
    def fit(cls, bounds, left, top, max_width, max_height) -> MapProjection:
        """The largest projection of ``bounds`` (x0, y0, x1, y1) that fits in the given box."""
        x0, y0, x1, y1 = bounds
        aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
        scale = min(max_width / max(x1 - x0, 1e-9), max_height / max((y1 - y0) * aspect, 1e-9))
        return cls(x0, y1, scale, aspect, left, top)

    def __call__(self, lon, lat):
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        return self.left + (lon - self.x0) * self.scale, self.top + (self.y1 - lat) * self.scale * self.aspect

    def size(self, bounds) -> tuple[float, float]:
        x0, y0, x1, y1 = bounds
        return (x1 - x0) * self.scale, (y1 - y0) * self.scale * self.aspect


def shape_path(geom, project: MapProjection, tolerance: float = 0.2) -> str:
    """Path data of a (multi)polygon, holes included (to fill with fill-rule evenodd), simplified to
    ``tolerance`` points (invisible, and a lighter file)."""
    import shapely

    flat = shapely.transform(geom, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))
    flat = shapely.simplify(flat, tolerance)
    parts = []
    for polygon in getattr(flat, "geoms", [flat]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.round(np.asarray(ring.coords)[:-1, :2], 1)
            if len(xy) < 3:
                continue
            coords = " ".join(map(str, xy.ravel().tolist())).replace(".0 ", " ")
            parts.append(f"M{coords}Z")
    return "".join(parts)
