"""Jinja rendering: every fragment escapes what it is given, a misspelt variable is an error, and the
table / figure / note fragments render the expected markup."""

import base64
from dataclasses import replace
from types import SimpleNamespace

import jinja2
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from markupsafe import Markup

from diagnostics import config
from diagnostics.reporting import charts, report
from diagnostics.reporting.html import FRAGMENTS, PAGES, environment, markup, render
from diagnostics.reporting.readings import READINGS
from diagnostics.reporting.territory import load_territory

HOSTILE = "<script>alert(\"x\")</script> & 'Saint-Jean'"
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Saint-Jean&#39;"


def _row(reference=False):
    return SimpleNamespace(reference=reference, name=HOSTILE, code=HOSTILE, kind=HOSTILE, cells=[HOSTILE])


# every template of templates/fragments and templates/pages, each string of its context hostile
CONTEXTS = {
    "departemental_note.html.j2": dict(labels=HOSTILE, departement=HOSTILE, source=HOSTILE),
    "disclosure_note.html.j2": dict(rule=HOSTILE, threshold=HOSTILE),
    "figure.html.j2": dict(svg_base64=HOSTILE, alt=HOSTILE, caption=HOSTILE, wide=True),
    "headline_cell.html.j2": dict(
        cell={
            "masked": False,
            "reading": SimpleNamespace(key=HOSTILE, label=HOSTILE),
            "departemental": True,
            "sort": HOSTILE,
            "text": HOSTILE,
        },
        masked_label=HOSTILE,
    ),
    "key_messages.html.j2": dict(messages=[(HOSTILE, HOSTILE, HOSTILE)]),
    "note.html.j2": dict(paragraphs=[HOSTILE, HOSTILE], warning=True),
    "overview_grid.html.j2": dict(headers=[HOSTILE], rows=[_row()], references=[_row(reference=True)]),
    "overview_header.html.j2": dict(region=HOSTILE, territories=HOSTILE, kind=HOSTILE, generated=HOSTILE),
    "overview_methods.html.j2": dict(rule=HOSTILE, groups=HOSTILE, notable_z=HOSTILE),
    "paragraph.html.j2": dict(text=HOSTILE, css_class=HOSTILE),
    "report_header.html.j2": dict(
        kind=HOSTILE,
        name=HOSTILE,
        communes=HOSTILE,
        plural=True,
        population=HOSTILE,
        population_year=HOSTILE,
        comparators=HOSTILE,
        mortality_period=HOSTILE,
        css_period=HOSTILE,
        generated=HOSTILE,
        rule=HOSTILE,
    ),
    "sources_note.html.j2": dict(standard=HOSTILE, deaths_basis=HOSTILE, code=HOSTILE),
    "table.html.j2": dict(columns=[HOSTILE], rows=[(HOSTILE,)], caption=HOSTILE),
    "targets.html.j2": dict(contracts=[HOSTILE], table=HOSTILE, note=HOSTILE),
    "index.html.j2": dict(
        region=HOSTILE,
        built=HOSTILE,
        generated=HOSTILE,
        overview=True,
        headers=[HOSTILE],
        rows=[
            {
                "code": HOSTILE,
                "name": HOSTILE,
                "kind": HOSTILE,
                "built": True,
                "communes": HOSTILE,
                "communes_text": HOSTILE,
                "population_sort": HOSTILE,
                "population_text": HOSTILE,
                "cells": [HOSTILE],
            }
        ],
        maps=[(HOSTILE, HOSTILE)],
    ),
}


def test_every_template_is_in_the_escaping_test():
    templates = {p.name for folder in (FRAGMENTS, PAGES) for p in folder.glob("*.j2")}
    assert templates == set(CONTEXTS)


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_a_hostile_value_is_text_in_every_template(template):
    html = render(template, **CONTEXTS[template])
    assert "<script>alert" not in html and "'Saint-Jean'" not in html and "& '" not in html
    assert ESCAPED in html


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_a_missing_variable_is_an_error_in_every_template(template):
    context = CONTEXTS[template]
    for name in context:
        if (template, name) == ("headline_cell.html.j2", "masked_label"):
            continue  # only read for a masked cell: below
        with pytest.raises(jinja2.UndefinedError):
            render(template, **{k: v for k, v in context.items() if k != name})


def test_a_masked_headline_cell_needs_its_label():
    with pytest.raises(jinja2.UndefinedError, match="'masked_label' is undefined"):
        render("headline_cell.html.j2", cell={"masked": True})
    assert render("headline_cell.html.j2", cell={"masked": True}, masked_label=HOSTILE) == (
        f'<td data-sort="" class="sig-non-calculable">{ESCAPED}<br><small>non calculable</small></td>'
    )


def test_environment_autoescapes_and_is_strict():
    env = environment()
    assert env is environment()  # built once
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError, match="'caption' is undefined"):
        render("table.html.j2", columns=["a"], rows=[])
    with pytest.raises(jinja2.TemplateNotFound):
        render("absent.html.j2")
    assert FRAGMENTS == config.TEMPLATES_DIR / "fragments" and PAGES == config.TEMPLATES_DIR / "pages"


def test_markup_passes_a_rendered_fragment_through():
    inner = render("paragraph.html.j2", text="a < b", css_class="")
    assert inner == "<p>a &lt; b</p>"
    assert isinstance(markup(inner), Markup)
    kept = render("targets.html.j2", contracts=[], table=markup(inner), note="n")
    assert kept == '<h2>Suivi des objectifs</h2><p>a &lt; b</p><div class="note"><p>n</p></div>'
    # a fragment not marked is text: it cannot inject markup
    text = render("targets.html.j2", contracts=[], table=inner, note="n")
    assert "&lt;p&gt;a &amp;lt; b&lt;/p&gt;" in text


def test_paragraph_fragment():
    assert render("paragraph.html.j2", text="Texte", css_class="note") == '<p class="note">Texte</p>'
    assert render("paragraph.html.j2", text="Texte", css_class=None) == "<p>Texte</p>"


def test_table_fragment_from_a_dataframe():
    df = pd.DataFrame({"Indicateur": ["ICM < 65 ans", "CSS"], "Valeur": ["122", "13,5\u00a0%"]})
    assert report.html_table(df, "Légende") == (
        '<div class="table-wrap"><table class="data"><caption>Légende</caption><thead><tr>'
        '<th scope="col">Indicateur</th><th scope="col">Valeur</th></tr></thead><tbody>'
        "<tr><td>ICM &lt; 65 ans</td><td>122</td></tr><tr><td>CSS</td><td>13,5\u00a0%</td></tr></tbody></table></div>"
    )
    assert report.html_table(df.iloc[:0]) == (
        '<div class="table-wrap"><table class="data"><thead><tr><th scope="col">Indicateur</th>'
        '<th scope="col">Valeur</th></tr></thead><tbody></tbody></table></div>'
    )


def test_table_with_hostile_header_and_cells_is_text():
    df = pd.DataFrame({HOSTILE: [HOSTILE]})
    assert report.html_table(df, HOSTILE) == (
        f'<div class="table-wrap"><table class="data"><caption>{ESCAPED}</caption><thead><tr>'
        f'<th scope="col">{ESCAPED}</th></tr></thead><tbody><tr><td>{ESCAPED}</td></tr></tbody></table></div>'
    )


def test_figure_fragment():
    assert render("figure.html.j2", svg_base64="QUJD", alt="Texte", caption="Légende", wide=False) == (
        '<figure><div class="figure-frame"><img src="data:image/svg+xml;base64,QUJD" alt="Texte"/></div>'
        "<figcaption>Légende</figcaption></figure>"
    )
    assert render("figure.html.j2", svg_base64="QUJD", alt="", caption="", wide=True) == (
        '<figure class="wide"><div class="figure-frame"><img src="data:image/svg+xml;base64,QUJD" alt=""/></div>'
        "</figure>"
    )


def test_figure_html_embeds_an_svg_with_escaped_alt_text():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    html = charts.figure_html(fig, HOSTILE, HOSTILE, wide=True)
    assert not plt.fignum_exists(fig.number)  # closed once written
    head = '<figure class="wide"><div class="figure-frame"><img src="data:image/svg+xml;base64,'
    assert html.startswith(head)
    data, _, rest = html[len(head) :].partition('"')
    svg = base64.b64decode(data).decode("utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert rest == f' alt="{ESCAPED}"/></div><figcaption>{ESCAPED}</figcaption></figure>'


def test_note_fragment():
    assert render("note.html.j2", paragraphs=["Un", "Deux"], warning=False) == (
        '<div class="note"><p>Un</p><p>Deux</p></div>'
    )
    assert render("note.html.j2", paragraphs=[], warning=True) == '<div class="note warning"></div>'


def test_headline_cell_fragment_class_of_each_reading():
    for r in READINGS.values():
        cell = {"masked": False, "reading": r, "departemental": False, "sort": "1", "text": "1"}
        html = render("headline_cell.html.j2", cell=cell, masked_label="m")
        assert html == f'<td data-sort="1" class="sig-{r.key.replace(" ", "-")}">1<br><small>{r.label}</small></td>'


def test_key_messages_fragment():
    html = render("key_messages.html.j2", messages=[("Point d'attention", "pire", "La mortalité < 65 ans…")])
    assert html == (
        '<ul class="key-messages"><li class="msg pire"><strong>Point d&#39;attention :</strong> '
        "La mortalité &lt; 65 ans…</li></ul>"
    )


@pytest.fixture(scope="module")
def hostile_territory(demo_tables):
    t = load_territory("TS-NORD", tables=demo_tables)
    return replace(t, name=HOSTILE, departement_name=HOSTILE + "D", region_name=HOSTILE + "R", kind="<b>EPCI</b>")


def test_a_hostile_territory_name_is_text_in_the_report_fragments(hostile_territory):
    t = hostile_territory
    header = report.header_html(t, HOSTILE)
    assert f"<h1>{ESCAPED}</h1>" in header and "<script>" not in header
    assert '<p class="kind">&lt;b&gt;EPCI&lt;/b&gt;</p>' in header
    assert f"comparé à : {ESCAPED}D, {ESCAPED}R et France" in header
    table = report.html_table(report.comparison_table(t, ["mortality_icm"]))
    assert f'<th scope="col">{ESCAPED}D</th><th scope="col">{ESCAPED}R</th>' in table and "<script>" not in table


def test_a_hostile_code_cannot_leave_its_attribute(demo_tables):
    t = replace(load_territory("TS-NORD", tables=demo_tables), code='x" onclick="alert(1)')
    note = report.sources_note(t)
    assert '<a href="x&#34; onclick=&#34;alert(1).csv">' in note and 'onclick="' not in note
