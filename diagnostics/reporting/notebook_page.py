"""An executed notebook as one self-contained HTML page: ``templates/diagnostic/index.html.j2`` filled with its
markdown cells and its rich outputs (code, parameters, streams and plain-text results are left out).

The template is rendered here with Jinja and mistune, the two libraries nbconvert uses for it, rather than
through nbconvert, whose exporter copies, validates and pre-processes the notebook and then re-parses the page with
BeautifulSoup (≈ 1 s for the first report of a process, ≈ 0,15 s for each next one, for a template that needs none
of it). Headings get the ids and « ¶ » links of nbconvert's (``#Synth%C3%A8se``), so section links stay the same.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import quote

import mistune
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from diagnostics import config

ANCHOR_SAFE = "?/:@!$&'()*+,;="  # nbconvert's: what a URL fragment may hold as is
MARKDOWN_PLUGINS = ["strikethrough", "table", "url", "task_lists", "def_list"]  # nbconvert's markdown, as in JupyterLab


def heading_id(text: str) -> str:
    """The id nbconvert gives a heading: its text, spaces as dashes, URL-encoded."""
    return quote(text.replace(" ", "-"), safe=ANCHOR_SAFE)


class _Renderer(mistune.HTMLRenderer):
    def heading(self, text: str, level: int, **attrs) -> str:
        anchor = escape(heading_id(html.unescape(re.sub(r"<[^>]+>", "", text))))  # its text, as nbconvert reads it
        return f'<h{level} id="{anchor}">{text}<a class="anchor-link" href="#{anchor}">¶</a></h{level}>\n'


@lru_cache(maxsize=1)
def _markdown():
    return mistune.create_markdown(escape=False, renderer=_Renderer(escape=False), plugins=MARKDOWN_PLUGINS)


def markdown_html(source: str) -> Markup:
    """A markdown cell as HTML (raw HTML in the cell is kept, as in JupyterLab)."""
    return Markup(_markdown()(source))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(config.TEMPLATES_DIR / "diagnostic")), autoescape=True, undefined=StrictUndefined
    )
    env.filters["markdown2html"] = markdown_html
    return env


def notebook_page(nb, title: str) -> str:
    """The page of an executed notebook, titled ``title``."""
    return _environment().get_template("index.html.j2").render(nb=nb, resources={"report_title": title})
