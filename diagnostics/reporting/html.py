"""HTML fragments and pages from the Jinja templates of ``templates/`` (autoescaped: a territory's
name, a label or a value is always text, never markup)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from diagnostics import config

FRAGMENTS = config.TEMPLATES_DIR / "fragments"
PAGES = config.TEMPLATES_DIR / "pages"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader([str(FRAGMENTS), str(PAGES), str(config.TEMPLATES_DIR / "diagnostic")]),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt variable is an error, not an empty cell
    )


def render(template: str, **context) -> str:
    """The template filled with ``context``; a value meant as markup (a fragment already rendered)
    is passed through :func:`markup`."""
    return environment().get_template(template).render(**context)


def markup(fragment: str) -> Markup:
    """An HTML fragment produced by :func:`render` (or an SVG chart), to embed in another template."""
    return Markup(fragment)
