"""Statistical power of a territory's ICM in words (« Pour quel périmètre ? », issue 20).

The numbers (:mod:`diagnostics.indicators.icm_power`) are computed with the indicators, in the table
``icm_power``; this module writes them as the report's sentence and the overview's list.
"""

from __future__ import annotations

import math

import numpy as np

from diagnostics.formatting import fr_number

from .html import render


def _pct(x: float) -> str:
    return f"{fr_number(math.ceil(x))}\u00a0%"


def power_sentence_of(p, years: int) -> str:
    """The sentence of a row of the ``icm_power`` table (or of the values
    :func:`~diagnostics.indicators.icm_power.icm_power_values` gives for one E)."""
    if not np.isfinite(p["excess"]):
        return "Sur ce périmètre, trop peu de décès sont attendus pour mettre en évidence un écart de mortalité."
    text = (
        f"Sur ce périmètre, seul un écart de mortalité d'au moins {_pct(p['excess'])} au-dessus du niveau de la "
        f"France peut être mis en évidence (ou d'au moins {_pct(p['deficit'])} au-dessous)"
        if np.isfinite(p["deficit"])
        else f"Sur ce périmètre, seul un écart de mortalité d'au moins {_pct(p['excess'])} au-dessus du niveau de la "
        "France peut être mis en évidence (aucune sous-mortalité ne peut l'être)"
    )
    text += (
        f", avec {fr_number(p['expected'])} décès attendus en {fr_number(years)} an(s)"
        " (puissance de 80 %, risque de 5 %). "
    )
    if np.isfinite(p["years_excess"]):
        text += (
            f"Pour montrer un excès de 10 %, il faudrait cumuler {fr_number(p['years_excess'])} année(s) de "
            "décès"
            + (
                f" ({fr_number(p['years_deficit'])} pour un déficit de 10 %)."
                if np.isfinite(p["years_deficit"])
                else "."
            )
        )
    else:
        text += "Même 50 années cumulées ne suffiraient pas à montrer un écart de 10 %."
    return text


def power_html(t) -> str:
    """The sentence for a report (``t``: a :class:`~diagnostics.reporting.territory.Territory`), from the
    territory's row of the ``icm_power`` table."""
    rows = t.tables["icm_power"]
    row = rows[rows["territory_code"] == t.code]
    if row.empty or not row["expected"].iloc[0] > 0:
        return render(
            "note.html.j2", paragraphs=["Puissance statistique non calculable (pas de décès attendus)."], warning=False
        )
    p = row.iloc[0]
    return render("note.html.j2", paragraphs=[power_sentence_of(p, int(p["years"]))], warning=False)


METHOD_TEXT = (
    "Puissance statistique : les décès attendus E de la période cumulée (ceux qu'aurait le territoire avec les taux "
    "de la France à chaque âge) déterminent le plus petit écart d'ICM que le test du rapport (intervalle de Poisson "
    "exact sous 10 décès, de Byar au-delà) déclare significatif avec une probabilité de 80 % au risque de 5 % : "
    "si le vrai ICM vaut R, les décès observés suivent une loi de Poisson de moyenne E × R / 100, et l'ICM minimal "
    "détectable est obtenu exactement par la fonction gamma incomplète inverse. Le nombre d'années à cumuler pour "
    "montrer ±10 % suppose le même nombre de décès attendus chaque année ; à décès constants, l'écart détectable "
    "décroît environ comme 1/√E."
)


def power_methods_html() -> str:
    return render("note.html.j2", paragraphs=[METHOD_TEXT], warning=False)


def underpowered_html(tables: dict, gap: float = 20) -> str:
    """The regional overview's list: built territories whose ICM cannot show a ±``gap`` % mortality gap
    with 80 % power (too few expected deaths over the pooled period)."""
    terr = tables["territories"]
    reported = terr[terr["reported"]].drop_duplicates("territory_code")
    names = dict(zip(reported["territory_code"], reported["territory_name"]))
    pt = tables["icm_power"][tables["icm_power"]["territory_code"].isin(names)]
    small = pt[(pt["excess"] > gap) | ~(pt["deficit"] <= gap)].sort_values("expected")
    intro = (
        f"Puissance statistique : un territoire trop petit ne peut pas montrer un écart de mortalité de "
        f"±{fr_number(gap)} % (ICM, puissance de 80 %, risque de 5 %). "
    )
    if small.empty:
        return render(
            "note.html.j2", paragraphs=[intro + "Tous les territoires de la région le peuvent."], warning=False
        )
    listed = "; ".join(
        f"{names[r.territory_code]} ({fr_number(r.expected)} décès attendus, écart détectable d'au moins "
        f"{_pct(r.excess)})"
        for r in small.itertuples()
    )
    return render(
        "note.html.j2",
        paragraphs=[intro + f"C'est le cas de {fr_number(len(small))} territoire(s) : {listed}."],
        warning=True,
    )
