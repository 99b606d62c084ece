"""An executed notebook as one self-contained page: what is shown, what is left out, headings linkable as before."""

import re

from diagnostics.reporting.notebook_page import heading_id, markdown_html, notebook_page


def cell(kind, source, outputs=(), tags=()):
    c = {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source}
    if kind == "code":
        c["outputs"] = list(outputs)
    return c


def test_heading_ids_are_those_nbconvert_gave():
    assert heading_id("Synthèse") == "Synth%C3%A8se"  # reports' section links of earlier versions still work
    assert heading_id("Précarité : Complémentaire santé solidaire") == (
        "Pr%C3%A9carit%C3%A9-:-Compl%C3%A9mentaire-sant%C3%A9-solidaire"
    )
    html = str(markdown_html("## Contexte social & inégalités"))
    assert html == (
        '<h2 id="Contexte-social-&amp;-in%C3%A9galit%C3%A9s">Contexte social &amp; inégalités'
        '<a class="anchor-link" href="#Contexte-social-&amp;-in%C3%A9galit%C3%A9s">¶</a></h2>\n'
    )


def test_markdown_keeps_raw_html_tables_and_links():
    html = str(markdown_html("L'**ICM** <b>brut</b>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nhttps://www.insee.fr"))
    assert "L'<strong>ICM</strong> <b>brut</b>" in html
    assert "<td>1</td>" in html and '<a href="https://www.insee.fr">' in html


def test_the_page_shows_markdown_and_rich_outputs_only():
    nb = {
        "cells": [
            cell("code", "territory = 'X'", tags=["parameters"]),
            cell("code", "territory = 'Y'", tags=["injected-parameters"]),
            cell("markdown", "## Mortalité"),
            cell(
                "code",
                "secret_code()",
                [
                    {"output_type": "stream", "name": "stdout", "text": "journal interne"},
                    {"output_type": "display_data", "data": {"text/html": "<p>tableau</p>", "text/plain": "x"}},
                    {"output_type": "execute_result", "data": {"text/plain": "résultat brut"}, "execution_count": 1},
                    {
                        "output_type": "display_data",
                        "data": {"image/png": "iVBORw0KGgo="},
                        "metadata": {"alt": "Carte"},
                    },
                ],
            ),
            cell("markdown", "caché", tags=["remove-cell"]),
        ]
    }
    page = notebook_page(nb, "Diagnostic <Nord> & Sud")
    assert "<title>Diagnostic &lt;Nord&gt; &amp; Sud</title>" in page
    assert '<h2 id="Mortalit%C3%A9">Mortalité' in page and "<p>tableau</p>" in page
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="Carte"/>' in page
    for hidden in ("territory", "secret_code", "journal interne", "résultat brut", "caché"):
        assert hidden not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched: opens offline
