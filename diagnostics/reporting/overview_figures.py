"""The parts of the regional overview (``notebooks/synthese_regionale``) as HTML: header, overview
grid (« tartan rug »), rankings with confidence intervals, funnel plot of the ICM, typology with its
map, methods. Same conventions as the territory reports: French, offline, colours doubled by
symbols and words, secret statistique applied (the published indicator rows only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_number, sentence_case
from diagnostics.indicators.metadata import headline_indicators, indicator_metadata
from diagnostics.methods.disclosure import rule_text
from diagnostics.reporting import charts, overview
from diagnostics.reporting.figures import PLURAL_KINDS, alt_intervals
from diagnostics.reporting.html import markup, render
from diagnostics.reporting.index_page import headline_cell, latest_rows
from diagnostics.reporting.readings import reading, reading_keys
from diagnostics.reporting.report import html_table
from diagnostics.reporting.territory import published_indicators
from diagnostics.territories.areas import KIND_DEPARTEMENT
from diagnostics.territories.shapes import shapes

RANKED = ["mortality_icm", "premature_mortality_icm", "css_rate"]
RANKING_MAX_ROWS = 40  # beyond, the 20 highest and the 20 lowest (the full list stays in the alt text)


def _names(tables) -> pd.Series:
    return tables["territories"].drop_duplicates("territory_code").set_index("territory_code")["territory_name"]


def _of_kind(tables, kind: str) -> list[str]:
    terr = tables["territories"]
    return terr.loc[terr["reported"] & (terr["kind"] == kind), "territory_code"].drop_duplicates().tolist()


def header_html(tables, kind: str, generated: str) -> str:
    terr = tables["territories"]
    region = terr.loc[terr["kind"] == "région", "territory_name"]
    areas, _ = overview.overview_rows(terr)
    return render(
        "overview_header.html.j2",
        region=region.iloc[0] if len(region) else "Région",
        territories=len(areas),
        kind=PLURAL_KINDS.get(kind, kind),
        generated=generated,
    )


def grid_html(tables) -> str:
    """Territories in rows, headline indicators in columns, each cell coloured by its difference with
    France; the région, its départements and France as reference rows below."""
    ind = published_indicators(tables)
    indicators = headline_indicators()
    meta = indicator_metadata()
    latest = latest_rows(ind)
    names = _names(tables)
    kinds = tables["territories"].drop_duplicates("territory_code").set_index("territory_code")["kind"]
    areas, references = overview.overview_rows(tables["territories"])

    def row(code: str, reference: bool) -> dict:
        return {
            "code": code,
            "name": "France" if code == "FRANCE" else names.get(code, code),
            "reference": reference,
            "kind": kinds.get(code, ""),
            "cells": [markup(headline_cell(latest, code, i)) for i in indicators],
        }

    return render(
        "overview_grid.html.j2",
        headers=["Territoire", "Type"] + [meta[i]["label"] for i in indicators],
        rows=[row(c, False) for c in areas],
        references=[row(c, True) for c in references if c in latest_codes(latest)],
    )


def latest_codes(latest: dict) -> set[str]:
    return {code for code, _ in latest}


def ranking_html(tables, indicator: str, kind: str) -> str:
    meta = indicator_metadata()[indicator]
    ind = published_indicators(tables)
    d = overview.latest(ind, [indicator])
    d = d[d.territory_code.isin(_of_kind(tables, kind))]
    names = _names(tables)
    df = (
        pd.DataFrame(
            {
                "label": d.territory_code.map(names),
                "value": d.value,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "judgement": reading_keys(d),
            }
        )
        .sort_values("value", ascending=False, na_position="last")
        .reset_index(drop=True)
    )
    france = overview.latest(ind, [indicator]).set_index("territory_code")["value"].get("FRANCE")
    title = f"{meta['label']} des {PLURAL_KINDS.get(kind, kind)} de la région, avec intervalles de confiance à 95 %"
    shown = (
        df
        if len(df) <= RANKING_MAX_ROWS
        else pd.concat([df.head(RANKING_MAX_ROWS // 2), df.tail(RANKING_MAX_ROWS // 2)])
    )
    note = (
        ""
        if len(shown) == len(df)
        else f" ; les {RANKING_MAX_ROWS // 2} plus élevés et les {RANKING_MAX_ROWS // 2} plus bas"
    )
    fig = charts.interval_chart(shown, meta["label"], reference=france, decimals=meta["decimals"])
    return charts.figure_html(
        fig, alt_intervals(title, df, meta["decimals"]), title + note + " (trait : France).", wide=True
    )


def funnel_html(tables, kind: str) -> str:
    """ICM against expected deaths, with the limits within which a territory of that size with the
    national rates would fall 95 % and 99,8 % of the time."""
    ind = published_indicators(tables)
    codes = _of_kind(tables, kind)
    points = overview.funnel_points(ind, codes)
    if points.empty:
        return render(
            "paragraph.html.j2", text="Entonnoir non calculable : aucun ICM publié pour ces territoires.", css_class=""
        )
    rows = overview.latest(ind, ["mortality_icm"]).set_index("territory_code")
    points["judgement"] = [reading(rows.loc[c]).key for c in points.territory_code]
    points["label"] = points.territory_code.map(_names(tables))
    grid = np.geomspace(max(points.expected.min() / 2, 1.0), points.expected.max() * 2, 200)
    limits = {
        f"limites à {int(level * 100) if level < 0.99 else 99.8} %".replace(".", ","): (
            grid,
            *overview.funnel_limits(grid, level),
        )
        for level in overview.FUNNEL_LEVELS
    }
    low, high = overview.funnel_limits(points.expected, overview.FUNNEL_LEVELS[1])
    points["outside"] = (points.ratio < low) | (points.ratio > high)
    fig = charts.funnel_plot(points, limits)
    outside = points[points.outside]
    masked = len(codes) - len(points)
    alt = f"Graphique en entonnoir de l'ICM des {PLURAL_KINDS.get(kind, kind)} selon leurs décès attendus. " + (
        f"Hors des limites à 99,8 % : {' ; '.join(f'{r.label} ({fr_number(r.ratio)})' for r in outside.itertuples())}."
        if len(outside)
        else "Aucun territoire hors des limites à 99,8 %."
    )
    caption = (
        "ICM (France = 100) selon le nombre de décès attendus : plus un territoire est petit, plus son ICM varie "
        "par le seul hasard ; les lignes donnent les limites de cette variation (95 % et 99,8 %). "
        + (f"{masked} territoire(s) au secret statistique non représenté(s)." if masked else "")
    )
    return charts.figure_html(fig, alt, caption.strip())


def typology_html(tables, kind: str, groups: int) -> str:
    """The typology's map and the table of its groups, each described in words."""
    meta = indicator_metadata()
    ind = published_indicators(tables)
    codes = _of_kind(tables, kind)
    indicators = headline_indicators()
    assignment, profile = overview.typology(ind, codes, indicators, groups)
    if profile.empty:
        return render(
            "paragraph.html.j2",
            text="Typologie non calculable : trop peu de territoires ou d'indicateurs.",
            css_class="",
        )
    names = _names(tables)
    members = assignment.groupby("group")["territory_code"].apply(
        lambda c: ", ".join(sorted(names.get(x, x) for x in c))
    )
    table = pd.DataFrame(
        {
            "Groupe": profile.index,
            "Territoires": [f"{int(n)} : {members[g]}" for g, n in zip(profile.index, profile["size"])],
            "Profil (écart à la moyenne des territoires)": [
                overview.describe_group(profile.loc[g], meta) for g in profile.index
            ],
        }
    )
    out = html_table(table, f"Typologie des {PLURAL_KINDS.get(kind, kind)} en {len(profile)} groupes")
    outlines = shapes(tables["territory_shapes"])
    located = assignment[assignment.territory_code.isin(outlines.index)]
    if len(located):
        terr = tables["territories"]
        deps = terr.loc[terr["kind"] == KIND_DEPARTEMENT, "territory_code"].drop_duplicates()
        background = [outlines[c] for c in deps if c in outlines.index and c not in set(located.territory_code)]
        areas = pd.DataFrame({"geometry": located.territory_code.map(outlines), "group": located.group})
        alt = "Carte de la typologie. " + " ; ".join(
            f"{names.get(c, c)} : groupe {g}" for c, g in zip(located.territory_code, located.group)
        )
        out = (
            charts.figure_html(
                charts.group_map(areas, background, "Typologie"),
                alt,
                f"Groupes de {PLURAL_KINDS.get(kind, kind)} aux profils d'indicateurs proches.",
            )
            + out
        )
    return out


def methods_html(groups: int, threshold: int) -> str:
    """The overview's methods; ``threshold``: the secret statistique's, as the build used it."""
    return render(
        "overview_methods.html.j2", rule=rule_text(threshold), groups=groups, notable_z=fr_number(overview.NOTABLE_Z, 1)
    )


# the ARS state-of-play colours: signed in green, in preparation in blue, intention in yellow, expired in grey
CONTRACT_STATUS_COLOURS = {
    "signé": "#1a9641",
    "en cours d'élaboration": "#2b83ba",
    "intention": "#fdd835",
    "échu": "#9e9e9e",
    "sans contrat": "#ffffff",
}


def contracts_html(tables) -> str:
    """Every territory's contract status, as a table and on a map (« état des lieux » of the contracts)."""
    contracts = tables["contracts"]
    if contracts.empty:
        return render(
            "paragraph.html.j2",
            text="Aucun fichier de contrats (contrats.csv) dans les données : état des contrats non disponible.",
            css_class="",
        )
    from diagnostics.reporting.report import contract_text

    names = _names(tables)
    table = pd.DataFrame(
        {
            "Territoire": contracts.territory_code.map(names),
            "Contrat": [contract_text(c) for c in contracts.itertuples()],
        }
    )
    counts = contracts.status.value_counts()
    summary = " ; ".join(f"{status} : {counts[status]}" for status in CONTRACT_STATUS_COLOURS if status in counts)
    out = html_table(table, f"Contrats des territoires ({summary})")
    outlines = shapes(tables["territory_shapes"])
    located = contracts.drop_duplicates("territory_code")
    located = located[located.territory_code.isin(outlines.index)]
    if len(located):
        areas = pd.DataFrame({"geometry": located.territory_code.map(outlines), "group": located.status})
        colours = {k: v for k, v in CONTRACT_STATUS_COLOURS.items() if k in set(located.status)}
        alt = "Carte de l'état des contrats. " + " ; ".join(
            f"{names.get(c, c)} : {s}" for c, s in zip(located.territory_code, located.status)
        )
        areas = areas.iloc[
            np.argsort([-g.area for g in areas.geometry], kind="stable")
        ]  # nested perimeters drawn over larger ones
        fig = charts.group_map(areas, [], "État des contrats", colours, {k: sentence_case(k) for k in colours})
        out = charts.figure_html(fig, alt, "Territoires sous contrat selon l'état du contrat.") + out
    return out
