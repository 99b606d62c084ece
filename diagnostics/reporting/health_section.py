"""The report's « Espérance de vie » and « Causes de décès » sections and the « Tendances » table
(issue 17): tables, the chart of the cause groups' ICM against France, and the notes that say why a
figure is missing (PHE's rules for life expectancy, masked cells, causes known by département only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_interval, fr_number, fr_value
from diagnostics.indicators.common import ENSEMBLE, LEVEL_DEPARTEMENT
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.trend_markers import WORSENING_LABEL
from diagnostics.methods.disclosure import SMALL_COUNT_LABEL, shown_count
from diagnostics.reporting import charts, svg
from diagnostics.reporting.html import render
from diagnostics.reporting.readings import reading
from diagnostics.reporting.report import html_table
from diagnostics.reporting.territory import Territory

LIFE_EXPECTANCY = ["life_expectancy_0", "life_expectancy_65"]
SEXES = (("hommes", "Hommes"), ("femmes", "Femmes"), (ENSEMBLE, "Deux sexes"))
# the chart's groups: the main groups, then the sub-groups a CTS asks about (lung, colorectal, breast, suicide…)
CHART_GROUPS = [
    "cancers",
    "cancers_lung",
    "cancers_colorectal",
    "cancers_breast",
    "cancers_upper_aerodigestive",
    "cardio_neuro_vascular",
    "ischaemic_heart",
    "cerebrovascular",
    "respiratory",
    "copd",
    "external",
    "suicide",
    "road_accidents",
    "falls",
    "alcohol_related",
    "dementia",
    "diabetes",
    "infectious",
    "covid19",
    "neoplasms",
]
AVOIDABLE = [
    "avoidable_mortality_dsr",
    "preventable_mortality_dsr",
    "treatable_mortality_dsr",
    "avoidable_mortality_share",
    "premature_avoidable_mortality_dsr",
]
FALLBACK_NOTE = (
    "Les décès et les populations sont publiés par classes d'âge de cinq ans : la table de mortalité commence par "
    "la classe 0-4 ans au lieu de 0 an et 1-4 ans. L'effet est de quelques centièmes d'année sur l'espérance de vie "
    "à la naissance, nul à 65 ans."
)
RULES_NOTE = (
    "L'espérance de vie n'est pas calculée (règles de PHEindicatormethods) quand la population est inférieure à "
    "5 000 personnes-années, quand une classe d'âge n'a pas d'habitants, quand aucun décès n'a lieu après 90 ans "
    "ou quand l'intervalle de confiance dépasse 20 ans ; la raison est indiquée dans le tableau."
)


def _value_text(row, meta: dict) -> str:
    d = meta["decimals"]
    if row.small_count:
        return SMALL_COUNT_LABEL
    if row.value != row.value:
        reason = getattr(row, "reason", "")
        return f"non calculé : {reason}" if isinstance(reason, str) and reason else "non calculé"
    if meta["count_based"] and row.numerator == 0:  # no death: the interval only restates the expected count
        return f"{fr_value(row.value, meta['unit'], d)} (aucun décès)"
    text = f"{fr_value(row.value, meta['unit'], d)} {fr_interval(row.ci_low, row.ci_high, d)}".strip()
    return text + (" (valeur départementale)" if row.level == LEVEL_DEPARTEMENT else "")


def _line(t: Territory, indicator: str, row, label: str) -> dict:
    meta = indicator_metadata()[indicator]
    d = meta["decimals"]
    line = {"Indicateur": label, "Période": row.period, "Territoire": _value_text(row, meta)}
    if meta["count_based"]:
        line["Décès"] = shown_count(row.numerator, row.small_count, t.threshold)
    line.update(
        {
            t.departement_name or "Département": fr_value(row.value_departement, meta["unit"], d),
            t.region_name or "Région": fr_value(row.value_region, meta["unit"], d),
            "France": fr_value(row.value_france, meta["unit"], d),
            "Écart à la France": reading(row).label,
        }
    )
    return line


def life_expectancy_table(t: Territory) -> pd.DataFrame:
    """Life expectancy at birth and at 65 by sex: value [CI] or why it is not computed, comparators, reading."""
    meta = indicator_metadata()
    lines = []
    for indicator in LIFE_EXPECTANCY:
        for sex, sex_label in SEXES:
            row = t.value_row(indicator, sex=sex)
            if row is not None:
                lines.append(_line(t, indicator, row, f"{meta[indicator]['label']} – {sex_label.lower()}"))
    return pd.DataFrame(lines)


def life_expectancy_html(t: Territory) -> str:
    table = life_expectancy_table(t)
    if table.empty:
        return render("note.html.j2", paragraphs=["Espérance de vie non disponible pour ce territoire."], warning=True)
    return html_table(table, "Espérance de vie à la naissance et à 65 ans (années)") + render(
        "note.html.j2", paragraphs=[FALLBACK_NOTE, RULES_NOTE], warning=False
    )


def _groups(t: Territory) -> list[str]:
    """The chart's groups the build has (« Tumeurs », all neoplasms, only when cancers are not known)."""
    present = set(t.indicators["indicator"])
    groups = [g for g in CHART_GROUPS if f"cause_icm_{g}" in present]
    return [g for g in groups if g != "neoplasms" or "cancers" not in groups]


def cause_table(t: Territory, sex: str = ENSEMBLE) -> pd.DataFrame:
    meta = indicator_metadata()
    lines = []
    for group in _groups(t):
        indicator = f"cause_icm_{group}"
        row = t.value_row(indicator, sex=sex)
        if row is not None:
            lines.append(_line(t, indicator, row, meta[indicator]["label"].removeprefix("ICM – ")))
    return pd.DataFrame(lines)


def cause_by_sex_table(t: Territory) -> pd.DataFrame:
    """One line per group: the men's and the women's ICM [CI] and reading."""
    meta = indicator_metadata()
    lines = []
    for group in _groups(t):
        indicator = f"cause_icm_{group}"
        line = {"Cause": meta[indicator]["label"].removeprefix("ICM – ")}
        for sex, label in SEXES[:2]:
            row = t.value_row(indicator, sex=sex)
            line[label] = "–" if row is None else f"{_value_text(row, meta[indicator])} : {reading(row).short}"
        lines.append(line)
    return pd.DataFrame(lines)


def avoidable_table(t: Territory, sex: str = ENSEMBLE) -> pd.DataFrame:
    meta = indicator_metadata()
    lines = [_line(t, i, row, meta[i]["label"]) for i in AVOIDABLE if (row := t.value_row(i, sex=sex)) is not None]
    return pd.DataFrame(lines)


def cause_chart_rows(t: Territory) -> pd.DataFrame:
    """label, value, ci_low, ci_high, reading of the chart's groups (masked or missing rows kept, as NaN)."""
    meta = indicator_metadata()
    out = []
    for group in _groups(t):
        row = t.value_row(f"cause_icm_{group}")
        if row is None:
            continue
        masked = bool(row.small_count) or row.value != row.value
        none = not masked and row.numerator == 0  # no death: no interval shown (see _value_text)
        out.append(
            {
                "label": meta[f"cause_icm_{group}"]["label"].removeprefix("ICM – "),
                "sub": group not in _MAIN,
                "value": np.nan if masked else row.value,
                "ci_low": np.nan if masked or none else row.ci_low,
                "ci_high": np.nan if masked or none else row.ci_high,
                "reading": reading(row).key,
            }
        )
    return pd.DataFrame(out)


_MAIN = {
    "cancers",
    "cardio_neuro_vascular",
    "respiratory",
    "external",
    "alcohol_related",
    "dementia",
    "diabetes",
    "infectious",
    "covid19",
    "neoplasms",
}


def cause_icm_figure(df: pd.DataFrame) -> svg.Figure:
    """Intervals of the ICM by cause group (a sub-group's label starts with « dont »), France = 100 as a dashed line."""
    rows = df.assign(
        label=[f"dont {r.label[:1].lower()}{r.label[1:]}" if r.sub else r.label for r in df.itertuples()],
        judgement=df["reading"],
    )
    return charts.interval_chart(
        rows, "Indice comparatif de mortalité (France = 100)", reference=100, reference_label="France = 100"
    )


def cause_icm_chart(t: Territory) -> str:
    df = cause_chart_rows(t)
    if df.empty:
        return ""
    parts = [
        f"{r.label} : {'non calculable' if r.value != r.value else fr_number(r.value, 0)} "
        f"{fr_interval(r.ci_low, r.ci_high, 0)} ({r.reading})".strip()
        for r in df.itertuples()
    ]
    title = f"Indice comparatif de mortalité par cause, {t.name}, deux sexes, avec intervalles de confiance à 95 %"
    return charts.figure_html(
        cause_icm_figure(df),
        f"{title}. " + " ; ".join(parts),
        title + " (tirets : France = 100 ; ▲ rouge : significativement supérieur ; ▼ vert : "
        "significativement inférieur ; ● orange : pas de différence significative).",
    )


def causes_html(t: Territory) -> str:
    """The « Causes de décès » section's figures and tables (a note when the build has no cause file)."""
    if not _groups(t):
        return render(
            "note.html.j2",
            paragraphs=[
                "Aucun fichier de décès par cause n'a été fourni (export du portail du CépiDc ou fichier "
                "deces_causes_….csv) : cette section est vide."
            ],
            warning=True,
        )
    parts = [cause_icm_chart(t)]
    departemental = t.indicators[
        t.indicators.indicator.str.startswith("cause_icm_") & (t.indicators.level == LEVEL_DEPARTEMENT)
    ]
    if not departemental.empty:
        parts.append(
            render(
                "departemental_note.html.j2",
                labels="causes de décès",
                departement=t.departement_name,
                source=departemental.method.iloc[0],
            )
        )
    parts.append(html_table(cause_table(t), "Mortalité par cause à âge égal (ICM, France = 100) – deux sexes"))
    parts.append(html_table(cause_by_sex_table(t), "Mortalité par cause à âge égal (ICM, France = 100) par sexe"))
    avoidable = avoidable_table(t)
    if avoidable.empty:
        parts.append(
            render(
                "note.html.j2",
                paragraphs=[
                    "La mortalité évitable n'est pas calculée : elle demande des causes codées en CIM-10 (fichier "
                    "deces_causes_….csv), les chapitres du portail du CépiDc ne permettant pas de distinguer ses "
                    "causes."
                ],
                warning=False,
            )
        )
    else:
        parts.append(html_table(avoidable, "Mortalité évitable (liste OCDE-Eurostat 2022) et prématurée évitable"))
    return "".join(parts)


def trend_table(t: Territory) -> pd.DataFrame:
    """The territory's indicators with a trend marker (five periods or more)."""
    meta = indicator_metadata()
    d = (
        t.indicators[(t.indicators["trend"] != "") & (t.indicators["sex"] == ENSEMBLE)]
        if "trend" in t.indicators
        else t.indicators.iloc[0:0]
    )
    lines = []
    for r in d.itertuples():
        m = meta[r.indicator]
        p = (
            ""
            if r.trend_p_value != r.trend_p_value
            else ("< 0,001" if r.trend_p_value < 0.001 else fr_number(r.trend_p_value, 3))
        )
        lines.append(
            {
                "Indicateur": m["label"] + (f" ({r.category})" if r.category != "total" else ""),
                "Dernière période": r.period,
                "Valeur": _value_text(r, m),
                "Tendance (5 dernières périodes)": r.trend,
                "p": p,
                "Alerte": WORSENING_LABEL if r.trend_worsening else "",
            }
        )
    return pd.DataFrame(lines)


def worsening_messages(t: Territory) -> list[tuple[int, tuple[str, str]]]:
    """(rank, (kind, sentence)) for each headline indicator « pire que la France et en aggravation »."""
    meta = indicator_metadata()
    d = t.indicators[(t.indicators["sex"] == ENSEMBLE) & (t.indicators["category"] == "total")]
    d = d[d["trend_worsening"].astype(bool)] if "trend_worsening" in d else d.iloc[0:0]
    out = []
    for r in d.itertuples():
        m = meta[r.indicator]
        way = "hausse" if r.trend == "en augmentation" else "baisse"
        out.append(
            (
                0,
                (
                    "Point d'attention",
                    f"{m['label']} : {WORSENING_LABEL} ({_value_text(r, m)} en {r.period} ; "
                    f"{way} significative sur les cinq dernières périodes).",
                ),
            )
        )
    return out


def trends_html(t: Territory) -> str:
    table = trend_table(t)
    if table.empty:
        return render(
            "note.html.j2",
            paragraphs=["Aucun indicateur ne compte encore cinq périodes comparables : pas de tendance calculée."],
            warning=False,
        )
    return html_table(table, "Tendances récentes (indicateurs disposant d'au moins cinq périodes)")
