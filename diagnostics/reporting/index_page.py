"""``reports/index.html``: every territory's report and CSV with its headline indicators, in a table
that sorts without any network library, and the maps of the région's territories."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from diagnostics.formatting import fr_interval, fr_number, fr_value, sentence_case
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.methods.disclosure import SMALL_COUNT_LABEL
from diagnostics.reporting.figures import PLURAL_KINDS, areas_map
from diagnostics.reporting.html import markup, render
from diagnostics.reporting.overview import latest
from diagnostics.reporting.readings import reading
from diagnostics.reporting.territory import published_indicators
from diagnostics.territories.shapes import shapes

HEADLINES = {
    "mortality_icm": "ICM (France = 100)",
    "premature_mortality_icm": "ICM prématuré (< 65 ans)",
    "css_rate": "Bénéficiaires de la CSS (%)",
    "care_spending_index": "Dépense à âge égal (France = 100)",
    "equipment_elderly_rate": "Places pour personnes âgées (‰ des 75 ans et plus)",
}


def latest_rows(ind) -> dict:
    """(territory, indicator) → its latest both-sexes total row, found once for the whole table."""
    return {(r.territory_code, r.indicator): r for r in latest(ind).itertuples(index=False)}


def headline_cell(latest: dict, code: str, indicator: str) -> str:
    """A headline cell: value [CI], the reading in words, coloured by significance, sortable by value."""
    meta = indicator_metadata()[indicator]
    r = latest.get((code, indicator))
    cell = None
    if r is not None:
        masked = bool(r.small_count) or r.value != r.value
        cell = {
            "masked": masked,
            "reading": reading(r),
            "departemental": getattr(r, "level", "") == "département",
            "worsening": bool(getattr(r, "trend_worsening", False)) and not masked,  # issue 17
            "sort": "" if masked else f"{r.value:.6g}",
            "text": ""
            if masked
            else f"{fr_value(r.value, meta['unit'], meta['decimals'])} "
            f"{fr_interval(r.ci_low, r.ci_high, meta['decimals'])}".strip(),
        }
    return render("headline_cell.html.j2", cell=cell, masked_label=SMALL_COUNT_LABEL)


def _maps(tables, ind, areas) -> list[tuple[str, Markup]]:
    """One map per kind of territory that has several (they usually tile the région): (title, figure)."""
    outlines = shapes(tables["territory_shapes"])
    return [
        (
            sentence_case(PLURAL_KINDS.get(kind, kind)),
            markup(areas_map(tables, ind, list(group["territory_code"]), kind, outlines=outlines)),
        )
        for kind, group in areas.groupby("kind", sort=False)
        if len(group) > 1
    ]


def index_html(tables, built: set[str], generated: str, overview: bool = False) -> str:
    ind = published_indicators(tables)
    latest = latest_rows(ind)
    terr = tables["territories"]
    areas = terr[terr["reported"]].drop_duplicates("territory_code")
    communes = terr[terr["reported"]].groupby("territory_code")["commune"].count()
    population = ind[(ind.indicator == "population")].sort_values("period").groupby("territory_code")["value"].last()
    rows = []
    for r in areas.itertuples():
        pop = population.get(r.territory_code, np.nan)
        rows.append(
            {
                "code": r.territory_code,
                "name": r.territory_name,
                "kind": r.kind,
                "built": r.territory_code in built,
                "communes": communes[r.territory_code],
                "communes_text": fr_number(communes[r.territory_code]),
                "population_sort": "" if pop != pop else f"{pop:.0f}",
                "population_text": "" if pop != pop else fr_number(pop),
                "cells": [markup(headline_cell(latest, r.territory_code, i)) for i in HEADLINES],
            }
        )
    region = terr.loc[terr["kind"] == "région", "territory_name"].iloc[0] if (terr["kind"] == "région").any() else ""
    return (
        render(
            "index.html.j2",
            region=region,
            built=len(built),
            generated=generated,
            overview=overview,
            headers=["Territoire", "Type", "Communes", "Habitants", *HEADLINES.values()],
            rows=rows,
            maps=_maps(tables, ind, areas),
        )
        + "\n"
    )
