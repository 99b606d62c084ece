"""What a reader of the published files can see, for the tests that scan them."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path


def page_channels(page: str) -> dict[str, str]:
    """The visible text, the alt texts and the text of the SVG figures of an HTML page."""
    svgs = [
        base64.b64decode(s).decode("utf-8") for s in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)
    ]
    svg_text = " ".join(html.unescape(t) for svg in svgs for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))
    visible = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    alts = " ".join(html.unescape(a) for a in re.findall(r'alt="([^"]*)"', visible))
    return {"html": html.unescape(re.sub(r"<[^>]+>", " ", visible)), "alt": alts, "svg": svg_text}


def channels(out: Path, code: str) -> dict[str, str]:
    """Every text a reader of the territory's files can see: its report and its CSV."""
    return {
        **page_channels((out / f"{code}.html").read_text(encoding="utf-8")),
        "csv": (out / f"{code}.csv").read_text(encoding="utf-8-sig"),
    }


def table_column(html_text: str, header: str) -> list[str]:
    """Every cell under the column named ``header`` in the report's data tables (as HTML)."""
    cells = []
    for table in re.findall(r'<table class="data">(.*?)</table>', html_text, flags=re.S):
        heads = [re.sub("<.*?>", "", h) for h in re.findall(r"<th scope=\"col\">(.*?)</th>", table)]
        if header not in heads:
            continue
        k = heads.index(header)
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            tds = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
            if len(tds) == len(heads):
                cells.append(html.unescape(tds[k]))
    return cells
