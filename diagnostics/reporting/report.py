"""What a territory's report shows: its data, comparators, tables and CSV, ready for the notebook.

Every figure goes through :func:`diagnostics.methods.disclosure.publishable_indicators` first, so the
notebook, the HTML and the CSV cannot show a masked count or a rate computed on one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_interval, fr_number, fr_value, sentence_case, spreadsheet_safe
from diagnostics.indicators.common import ENSEMBLE, LEVEL_DEPARTEMENT, TOTAL
from diagnostics.indicators.declared import declarations
from diagnostics.indicators.families import FAMILY_LABELS
from diagnostics.indicators.medico_social import CATEGORY_FAMILY, CATEGORY_LABEL, FAMILIES
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.social import LEVEL_ESTIMATE
from diagnostics.methods.disclosure import (
    SMALL_COUNT_LABEL,
    rule_text,
    shown_count,
)
from diagnostics.reporting.html import markup, render
from diagnostics.reporting.readings import reading
from diagnostics.reporting.territory import Territory

DEPARTEMENTAL_SUFFIX = " (valeur départementale)"


DEATHS_BASIS_TEXT = {
    "domicile": "Les décès sont comptés au domicile des personnes décédées (commune de résidence).",
    "lieu de décès": (
        "Attention : les décès sont comptés là où ils ont eu lieu (fichier des personnes décédées de l'Insee), "
        "non au domicile des personnes. Les communes qui accueillent un hôpital, une clinique ou un EHPAD "
        "comptent aussi des décès d'habitants d'autres communes : la mortalité y est surestimée, et sous-estimée "
        "ailleurs. Un fichier de décès domiciliés (Inserm-CépiDc) corrige ce biais."
    ),
}


def comparison_table(t: Territory, indicators: list[str], sex: str = ENSEMBLE, category: str = TOTAL) -> pd.DataFrame:
    """One line per indicator: the territory's value [CI], its count, the comparators, the reading."""
    meta = indicator_metadata()
    lines = []
    for ind in indicators:
        m = meta[ind]
        row = t.value_row(ind, sex, category)
        if row is None:
            continue
        d = m["decimals"]
        value = (
            SMALL_COUNT_LABEL
            if row.small_count
            else f"{fr_value(row.value, m['unit'], d)} {fr_interval(row.ci_low, row.ci_high, d)}".strip()
        )
        value += DEPARTEMENTAL_SUFFIX if row.level == LEVEL_DEPARTEMENT else ""
        count = shown_count(row.numerator, row.small_count, t.threshold) if m["count_based"] else ""
        lines.append(
            {
                "Indicateur": m["label"],
                "Période": row.period,
                "Territoire": value,
                "Effectif": count,
                t.departement_name or "Département": fr_value(row.value_departement, m["unit"], d),
                t.region_name or "Région": fr_value(row.value_region, m["unit"], d),
                "France": fr_value(row.value_france, m["unit"], d),
                "Écart à la France": reading(row).label,
            }
        )
    return pd.DataFrame(lines)


def html_table(df: pd.DataFrame, caption: str = "") -> str:
    """A plain, accessible HTML table (escaped text, header cells with scope)."""
    return render("table.html.j2", columns=list(df.columns), rows=list(df.itertuples(index=False)), caption=caption)


def csv_table(t: Territory) -> pd.DataFrame:
    """The territory's CSV: every indicator row of the report, figures rounded as displayed,
    masked counts as « < seuil » (the build's threshold)."""
    meta = indicator_metadata()
    r = t.indicators.copy()
    decimals = r["indicator"].map(lambda i: meta[i]["decimals"])
    out = pd.DataFrame(
        {
            "territoire": t.code,
            "nom": t.name,
            "indicateur": r["indicator"],
            "libelle": r["indicator"].map(lambda i: meta[i]["label"]),
            "sexe": r["sex"],
            "categorie": r["category"],
            "periode": r["period"],
            "unite": r["unit"],
        }
    )
    for src, dst in (
        ("value", "valeur"),
        ("ci_low", "ic95_bas"),
        ("ci_high", "ic95_haut"),
        ("value_departement", "valeur_departement"),
        ("value_region", "valeur_region"),
        ("value_france", "valeur_france"),
    ):
        out[dst] = [np.nan if pd.isna(v) else round(float(v), int(d)) for v, d in zip(r[src], decimals)]
    out["effectif"] = [_csv_number(n, small, t.threshold) for n, small in zip(r["numerator"], r["small_count"])]
    out["denominateur"] = [_csv_number(n, False, t.threshold) for n in r["denominator"]]
    out["methode"] = r["method"]
    out["niveau_valeur"] = np.select(
        [r["level"] == LEVEL_DEPARTEMENT, r["level"] == LEVEL_ESTIMATE],  # estimation: issue 19
        ["valeur départementale", "estimation"],
        "territoire",
    )
    for name in ("departement", "region", "france"):
        out[f"ecart_{name}"] = r[f"sig_{name}"]
    out["secret_statistique"] = np.where(r["small_count"], SMALL_COUNT_LABEL, "")
    return out


CSV_MIMETYPE = "text/csv"


@dataclass
class CsvExport:
    """The territory's CSV as a notebook output: the batch writes ``<code>.csv`` from it, so that the HTML
    and the CSV of a report come from the same load of the territory's rows (the HTML template ignores
    it; JupyterLab shows one line of text)."""

    text: str
    title: str
    rows: int

    def _repr_mimebundle_(self, include=None, exclude=None):
        return (
            {
                CSV_MIMETYPE: self.text,
                "text/plain": f"Fichier CSV du rapport : {self.rows} lignes (écrit par run_all.py)",
            },
            {CSV_MIMETYPE: {"report_title": self.title}},
        )


def csv_export(t: Territory) -> CsvExport:
    table = csv_table(t)
    text = "\ufeff" + csv_text(table)
    return CsvExport(text, f"Diagnostic de santé – {t.name}", len(table))


def csv_text(table: pd.DataFrame) -> str:
    """The project's CSV writer (``;``, decimal comma): every text cell neutralised for spreadsheets
    (:func:`diagnostics.formatting.spreadsheet_safe`: a leading ``= + - @`` would run as a formula)."""
    safe = table.map(spreadsheet_safe) if hasattr(table, "map") else table.applymap(spreadsheet_safe)
    safe.columns = [spreadsheet_safe(str(c)) for c in table.columns]
    return safe.to_csv(sep=";", decimal=",", index=False, lineterminator="\n")


def _csv_number(value, small: bool, threshold: int) -> str:
    if small:
        return shown_count(value, True, threshold)
    if pd.isna(value):
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".").replace(".", ",")


def methods_table(t: Territory | None = None) -> pd.DataFrame:
    """The methods annex, from the same metadata that drives the tables; with a territory, the
    years of data behind each indicator in its report."""
    meta = indicator_metadata()
    periods = {}
    if t is not None:
        for ind, d in t.indicators.groupby("indicator"):
            p = sorted(d["period"].unique())
            periods[ind] = p[0] if len(p) == 1 else f"{p[0]} à {p[-1]}"
    return pd.DataFrame(
        [
            {
                "Famille": FAMILY_LABELS[m["family"]],
                "Indicateur": m["label"],
                "Définition": m["definition"],
                "Numérateur": m["numerator"],
                "Dénominateur": m["denominator"] or "–",
                "Unité": m["unit"],
                **({"Années": periods.get(ind, "–")} if t is not None else {}),
                "Méthode": m["method"],
                "Source": m["source"],
            }
            for ind, m in meta.items()
        ]
    )


def disclosure_note(t: Territory) -> str:
    """The secret statistique in the methods annex, with the build's threshold."""
    return render("disclosure_note.html.j2", rule=rule_text(t.threshold), threshold=fr_number(t.threshold))


def header_html(t: Territory, generated: str | None = None) -> str:
    """Identity of the report: territory, kind, size, comparators, data years, reading guide."""
    pop = t.value_row("population")
    mortality = t.value_row("mortality_icm")
    css = t.value_row("css_rate")
    generated = generated or dt.date.today().strftime("%d/%m/%Y")
    comparators = ", ".join(n for n in (t.departement_name, t.region_name) if n and n != t.name) + " et France"
    return render(
        "report_header.html.j2",
        kind=sentence_case(t.kind),
        name=t.name,
        communes=fr_number(len(t.communes)),
        plural=len(t.communes) > 1,
        population=fr_number(pop.value),
        population_year=pop.period,
        comparators=comparators,
        mortality_period=mortality.period,
        css_period=css.period,
        generated=generated,
        rule=rule_text(t.threshold),
    )


def category_table(t: Territory, indicator: str, labels: dict | None = None) -> pd.DataFrame:
    """One line per category of an indicator (spending item, equipment category) vs comparators."""
    meta = indicator_metadata()[indicator]
    d = t.indicators[(t.indicators.indicator == indicator) & (t.indicators.sex == ENSEMBLE)]
    d = d[d.period == d.period.max()]
    order = list(labels or {}) or sorted(d.category.unique())
    d = d.assign(_o=d.category.map({c: i for i, c in enumerate(order)}).fillna(len(order))).sort_values(
        ["_o", "category"]
    )
    unit, dec = meta["unit"], meta["decimals"]
    return pd.DataFrame(
        {
            "Catégorie": d.category.map(lambda c: (labels or {}).get(c, c)).str.replace("total", "Total", regex=False),
            "Territoire": [
                fr_value(v, unit, dec) + (DEPARTEMENTAL_SUFFIX if lv == LEVEL_DEPARTEMENT else "")
                for v, lv in zip(d.value, d.level)
            ],
            t.departement_name or "Département": [fr_value(v, unit, dec) for v in d.value_departement],
            t.region_name or "Région": [fr_value(v, unit, dec) for v in d.value_region],
            "France": [fr_value(v, unit, dec) for v in d.value_france],
        }
    )


CSS_PARTS = {
    "gratuite": "CSS sans participation financière",
    "participation": "CSS avec participation financière",
    TOTAL: "Ensemble des bénéficiaires",
}


def css_split_html(t: Territory) -> str:
    """Free vs with-contribution CSS, when the beneficiaries file gives the split ("" otherwise)."""
    d = t.indicators[t.indicators.indicator == "css_rate"]
    if set(d.category) <= {TOTAL}:
        return ""
    return html_table(
        category_table(t, "css_rate", CSS_PARTS),
        "Bénéficiaires de la CSS selon la participation financière (% de la population)",
    )


def declared_indicators_html(t: Territory, family: str) -> str:
    """The indicators added by declaration (``indicators/declared/``) to ``family``, as one comparison
    table at the end of the family's section ("" when there are none for this territory)."""
    ids = [d.id for d in declarations() if d.meta["family"] == family and t.value_row(d.id) is not None]
    if not ids:
        return ""
    return departemental_values_note(t, ids) + html_table(
        comparison_table(t, ids), f"{FAMILY_LABELS[family]} : indicateurs complémentaires"
    )


CONTRACT_NAMES = {
    "CLS": "Contrat local de santé",
    "CLSM": "Conseil local de santé mentale",
    "ASV": "Atelier santé ville",
    "CPOM": "Contrat pluriannuel d'objectifs et de moyens",
}


TARGETS_NOTE = (
    "Évolution significative : la différence entre la dernière période sans année commune avec la période de "
    "référence et cette référence dépasse 1,96 fois son erreur type (erreurs types déduites des intervalles de "
    "confiance à 95 %). « Objectif atteint » : la valeur cible est atteinte (ou, pour une baisse ou une hausse "
    "sans valeur chiffrée, l'évolution est significative dans le sens voulu)."
)


def _dmy(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def contract_text(contract: pd.Series) -> str:
    """« Contrat local de santé (CLS), signé, du 01/06/2021 au 31/05/2026 »."""
    dates = (f", du {_dmy(contract.start)}" if contract.start else "") + (
        f" au {_dmy(contract.end)}" if contract.end else ""
    )
    return f"{CONTRACT_NAMES[contract.contract]} ({contract.contract}), {contract.status}{dates}"


def targets_html(t: Territory) -> str:
    """« Suivi des objectifs »: the territory's contract and, for each indicator it targets, its values
    over the periods, the target, the change since the baseline and a plain status ("" without any)."""
    from diagnostics.indicators.targets import follow_up

    contracts = t.tables["contracts"]
    contracts = contracts[contracts.territory_code == t.code]
    mine = t.tables["targets"][t.tables["targets"].territory_code == t.code]
    if contracts.empty and mine.empty:
        return ""
    meta = indicator_metadata()
    contract_lines = [contract_text(c) for c in contracts.itertuples()]
    if mine.empty:
        return render("targets.html.j2", contracts=contract_lines, table="", note="")
    rows = t.all_indicators[(t.all_indicators.sex == ENSEMBLE) & (t.all_indicators.category == TOTAL)]

    def shown(r, m):
        if r is None:
            return "–"
        if pd.isna(r.value):
            return f"{r.period} : {SMALL_COUNT_LABEL}"
        interval = fr_interval(r.ci_low, r.ci_high, m["decimals"])
        return f"{r.period} : {fr_value(r.value, m['unit'], m['decimals'])} {interval}"

    lines = []
    for f in follow_up(mine, rows).itertuples():
        m = meta[f.indicator]
        target = (
            ("baisse" if f.direction < 0 else "hausse")
            if pd.isna(f.target)
            else fr_value(f.target, m["unit"], m["decimals"])
        )
        delta = f.latest.value - f.baseline.value if not pd.isna(f.z) else float("nan")
        change = "–" if pd.isna(delta) else ("+" if delta > 0 else "") + fr_number(delta, m["decimals"])
        lines.append(
            {
                "Indicateur": m["label"],
                "Valeurs successives": " ; ".join(
                    f"{r.period} : {SMALL_COUNT_LABEL if pd.isna(r.value) else fr_number(r.value, m['decimals'])}"
                    for r in f.series.itertuples()
                ),
                "Référence": shown(f.baseline, m),
                "Dernière période comparable": shown(f.latest, m),
                "Cible (échéance)": f"{target} ({f.due_year})",
                "Évolution": change,
                "Statut": f.status,
            }
        )
    table = markup(html_table(pd.DataFrame(lines), "Objectifs du contrat"))
    return render("targets.html.j2", contracts=contract_lines, table=table, note=TARGETS_NOTE)


def establishments_table(t: Territory) -> pd.DataFrame:
    """The medico-social establishments of the territory with their installed places (FINESS, public)."""
    places = t.tables["finess_places"]
    names = t.tables["communes"].set_index("commune")["commune_name"]
    p = places[places.commune.isin(t.communes) & places.category.isin(CATEGORY_FAMILY)].copy()
    p = p.sort_values(["category", "commune", "name"])
    return pd.DataFrame(
        {
            "Établissement": p["name"].str.title(),
            "Commune": p["commune"].map(names),
            "Public accueilli": p["category"].map(CATEGORY_FAMILY).map(lambda f: FAMILIES[f][0]),
            "Catégorie": p["category"].map(CATEGORY_LABEL),
            "N° FINESS": p["finess_et"],
            "Places installées": [fr_number(v) for v in p["places"]],
        }
    )


def deaths_basis_note(t: Territory) -> str:
    """Where deaths are counted (residence or place of death), as a note for the reader."""
    basis = t.tables["sources"]["deaths_basis"].iloc[0]
    return render("note.html.j2", paragraphs=[DEATHS_BASIS_TEXT[basis]], warning=basis != "domicile")


def departemental_values_note(t: Territory, indicators: list[str]) -> str:
    """Say so when some of ``indicators`` are the département's value, not the territory's own."""
    d = t.indicators[t.indicators.indicator.isin(indicators) & (t.indicators.level == LEVEL_DEPARTEMENT)]
    if d.empty:
        return ""
    meta = indicator_metadata()
    labels = ", ".join(dict.fromkeys(meta[i]["label"].lower() for i in d.indicator))
    return render("departemental_note.html.j2", labels=labels, departement=t.departement_name, source=d.method.iloc[0])


def sources_note(t: Territory) -> str:
    """Standardisation, threshold and the link to the territory's CSV."""
    std = t.tables["standard_population"]
    kind = std["standard"].iloc[0]
    std_text = (
        "la population de la France au 1er janvier de la dernière année de la période (deux sexes)"
        if kind == "france"
        else "la population standard européenne 2013 (Eurostat)"
    )
    deaths_basis = DEATHS_BASIS_TEXT[t.tables["sources"]["deaths_basis"].iloc[0]]
    return render("sources_note.html.j2", standard=std_text, deaths_basis=deaths_basis, code=t.code)
