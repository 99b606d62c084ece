"""The regional overview's part on the social gradient of mortality (issue 19): the ICM and premature ICM by
deprivation quintile of the région and its départements, the slope and relative indices of inequality of every
territory large enough, and those that are not, with the reason."""

from __future__ import annotations

from diagnostics.reporting.html import render
from diagnostics.reporting.report import html_table
from diagnostics.reporting.social_section import (
    GRADIENTS,
    gradient_chart,
    gradient_rows_by_area,
    gradient_sentence,
    gradient_table,
    inequality_row,
    not_computed_reason,
    paragraphs_html,
)
from diagnostics.reporting.territory import published_indicators
from diagnostics.territories.areas import KIND_DEPARTEMENT, KIND_REGION

FIRST_OTHER_STYLE = 4  # the départements after the four roles of a territory's chart


def _areas(tables) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(région, départements, other reported territories) as (code, name)."""
    terr = tables["territories"].drop_duplicates("territory_code")

    def pick(rows):
        return list(zip(rows["territory_code"], rows["territory_name"]))

    regions = pick(terr[terr["kind"] == KIND_REGION])
    deps = pick(terr[terr["kind"] == KIND_DEPARTEMENT].sort_values("territory_code"))
    others = pick(
        terr[terr["reported"] & ~terr["kind"].isin([KIND_REGION, KIND_DEPARTEMENT])].sort_values("territory_name")
    )
    return regions, deps, others


def regional_gradient_html(tables) -> str:
    ind = published_indicators(tables)
    if not ind["indicator"].str.endswith("_by_deprivation").any():
        return render(
            "paragraph.html.j2",
            text="Gradient social non disponible : les fichiers du recensement et de Filosofi ne sont pas fournis, "
            "ou l'indice de défavorisation n'a pas pu être calculé.",
            css_class="",
        )
    regions, deps, others = _areas(tables)
    styled = [(c, n, 2) for c, n in regions] + [(c, n, FIRST_OTHER_STYLE + i) for i, (c, n) in enumerate(deps)]
    charts = [gradient_chart(ind, styled, base, title) for base, title in GRADIENTS.items()]
    sentences = [s for base in GRADIENTS if (s := gradient_sentence(ind, regions + deps, base))]
    table = gradient_table(ind, regions + deps + others)
    threshold = int(tables["sources"]["disclosure_threshold"].iloc[0])
    by_area = gradient_rows_by_area(ind, [code for code, _ in deps + others])
    missing = [text for code, name in deps + others if (text := _why_not(by_area[code], code, name, threshold))]
    note = (
        render(
            "note.html.j2",
            paragraphs=["Gradient non mesuré (territoire trop petit) : " + " ; ".join(missing) + "."],
            warning=False,
        )
        if missing
        else ""
    )
    caption = "Indices de pente (SII) et relatif (RII) des inégalités sociales de santé, par territoire"
    return paragraphs_html(sentences) + "".join(charts) + (html_table(table, caption) if len(table) else "") + note


__all__ = ["regional_gradient_html"]


def _why_not(ind, code: str, name: str, threshold: int) -> str:
    """« CLS X : ses communes ne couvrent pas les cinq quintiles » (both indicators), or each indicator's
    reason; "" when both gradients are measured."""
    reasons = {
        label.lower(): not_computed_reason(ind, code, base, threshold)
        for base, label in GRADIENTS.items()
        if inequality_row(ind, code, base, "sii") is None
    }
    if not reasons:
        return ""
    if len(reasons) == len(GRADIENTS) and len(set(reasons.values())) == 1:
        return f"{name} : {next(iter(reasons.values()))}"
    return f"{name} : " + ", ".join(f"{label}, {why}" for label, why in reasons.items())
