"""The report's figures for one territory: data prepared from :class:`Territory`, drawn by
:mod:`diagnostics.reporting.charts`, returned as embeddable HTML with alt text. One function per figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_interval, fr_number, fr_value, sentence_case
from diagnostics.indicators.common import ENSEMBLE, LEVEL_DEPARTEMENT, TOTAL
from diagnostics.indicators.consumption import ITEM_LABELS
from diagnostics.indicators.medico_social import CATEGORY_FAMILY, FAMILIES
from diagnostics.indicators.metadata import headline_indicators, indicator_metadata
from diagnostics.indicators.social import LEVEL_ESTIMATE
from diagnostics.methods.disclosure import SMALL_COUNT_LABEL
from diagnostics.reporting import charts
from diagnostics.reporting.html import render
from diagnostics.reporting.readings import READINGS, reading, reading_keys
from diagnostics.reporting.territory import Territory
from diagnostics.territories.areas import KIND_DEPARTEMENT
from diagnostics.territories.shapes import shapes


def _peers(
    t: Territory, indicator: str, sex: str = ENSEMBLE, category: str = TOTAL, period: str | None = None
) -> pd.DataFrame:
    """The rows of every reported territory of the same région (the territory included), one period."""
    d = t.region_rows(indicator, sex, category)
    return d[d.period == (period or d.period.max())]


LEVEL_SUFFIXES = {LEVEL_DEPARTEMENT: " (valeur départementale)", LEVEL_ESTIMATE: " (estimation)"}


def spine_rows(t: Territory) -> pd.DataFrame:
    meta = indicator_metadata()
    lines = []
    for ind in headline_indicators():
        row = t.value_row(ind)
        if row is None:
            continue
        m = meta[ind]
        fr = row.value_france
        peers = _peers(t, ind, period=row.period)["value"].dropna().to_numpy()
        points = np.concatenate([peers, [v for v in (row.value, row.value_region, row.value_departement) if v == v]])
        spread = np.nanmax(np.abs(points - fr)) if len(points) else 1.0
        spread = spread if spread > 0 else 1.0

        def pos(v, fr=fr, spread=spread):
            return np.nan if v is None or v != v else 0.5 + (v - fr) / spread * 0.48

        lines.append(
            {
                "label": m["label"] + LEVEL_SUFFIXES.get(row.level, ""),
                "value_text": "–" if row.small_count else fr_value(row.value, m["unit"], m["decimals"]),
                "france_text": fr_value(fr, m["unit"], m["decimals"]),
                "judgement": reading(row).key,
                "pos_value": pos(row.value),
                "pos_region": pos(row.value_region),
                "pos_departement": pos(row.value_departement),
                "pos_min": pos(peers.min()) if len(peers) else np.nan,
                "pos_max": pos(peers.max()) if len(peers) else np.nan,
                "pos_q1": pos(np.quantile(peers, 0.25)) if len(peers) else np.nan,
                "pos_q3": pos(np.quantile(peers, 0.75)) if len(peers) else np.nan,
            }
        )
    return pd.DataFrame(lines)


def spine(t: Territory) -> str:
    rows = spine_rows(t)
    alt = "Graphique de synthèse. " + " ; ".join(
        f"{r.label} : {r.value_text} (France {r.france_text}), {READINGS[r.judgement].phrase}"
        for r in rows.itertuples()
    )
    return charts.figure_html(
        charts.spine_chart(rows),
        alt,
        "Chaque ligne compare le territoire (symbole coloré, et l'écart en toutes lettres à droite) à la France (trait "
        "vertical), à la région (losange), au département (carré) et à l'ensemble des territoires de la région "
        "(barre grise).",
        wide=True,
    )


def pyramid(t: Territory) -> str:
    pop = t.tables["population"]
    year = pop["year"].max()
    local = pop[(pop["year"] == year) & pop["commune"].isin(t.communes)]
    fr = t.tables["france_reference"]
    fr = fr[fr["year"] == year]
    old = (
        local[local.age_band.isin(["75-79", "80-84", "85-89", "90-94", "95+"])]["population"].sum()
        / local["population"].sum()
    )
    alt = (
        f"Pyramide des âges {year} de {t.name} comparée à celle de la France ; "
        f"{fr_value(old * 100, '%', 1)} des habitants ont 75 ans ou plus."
    )
    return charts.figure_html(
        charts.population_pyramid(local, fr, t.name),
        alt,
        f"Pyramide des âges au 1er janvier {year} (barres : {t.name} ; trait : France).",
    )


def _interval_rows(t: Territory, indicator: str, codes_labels: list[tuple[str, str, str]]) -> pd.DataFrame:
    indicator_metadata()[indicator]
    out = []
    for code, sex, label in codes_labels:
        row = t.value_row(indicator, sex=sex, code=code)
        if row is None:
            continue
        out.append(
            {
                "label": label,
                "value": row.value,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "judgement": reading(row).key,
            }
        )
    return pd.DataFrame(out)


def alt_intervals(title: str, df: pd.DataFrame, decimals: int) -> str:
    parts = [
        f"{r.label} : {SMALL_COUNT_LABEL if r.value != r.value else fr_number(r.value, decimals)} "
        f"{fr_interval(r.ci_low, r.ci_high, decimals)}".strip()
        for r in df.itertuples()
    ]
    return f"{title}. " + " ; ".join(parts)


def mortality_by_sex(t: Territory, indicator: str = "mortality_icm") -> str:
    meta = indicator_metadata()[indicator]
    lines = []
    for sex, sex_label in ((ENSEMBLE, "Ensemble"), ("hommes", "Hommes"), ("femmes", "Femmes")):
        for code, name in _series(t)[:-1]:  # France is the reference line
            lines.append((code, sex, f"{sex_label} – {name}"))
    df = _interval_rows(t, indicator, lines)
    ref = 100 if meta["unit"].startswith("indice") else t.value_row(indicator).value_france
    title = f"{meta['label']} par sexe, {t.name}, département et région, avec intervalles de confiance à 95 %"
    fig = charts.interval_chart(df, meta["label"], reference=ref, highlight=None, decimals=meta["decimals"])
    return charts.figure_html(
        fig, alt_intervals(title, df, meta["decimals"]), title + " (trait pointillé : France).", wide=True
    )


def region_ranking(t: Territory, indicator: str = "mortality_icm") -> str:
    meta = indicator_metadata()[indicator]
    peers = _peers(t, indicator)
    names = t.tables["territories"].drop_duplicates("territory_code").set_index("territory_code")["territory_name"]
    df = (
        pd.DataFrame(
            {
                "label": peers["territory_code"].map(names),
                "value": peers["value"],
                "ci_low": peers["ci_low"],
                "ci_high": peers["ci_high"],
                "judgement": reading_keys(peers),
            }
        )
        .sort_values("value", ascending=False, na_position="last")
        .reset_index(drop=True)
    )
    france = t.value_row(indicator).value_france
    title = f"{meta['label']} des territoires de la région, avec intervalles de confiance à 95 %"
    shown, note = ranking_rows(df, t.name)
    fig = charts.interval_chart(shown, meta["label"], reference=france, highlight=t.name, decimals=meta["decimals"])
    return charts.figure_html(
        fig, alt_intervals(title + note, shown, meta["decimals"]), title + f" ; {t.name} en gras{note}.", wide=True
    )


RANKING_ROWS = 10  # highest, lowest, and around the territory, when the région has many territories


def ranking_rows(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, str]:
    """All the territories when they fit in a readable chart; else the 10 highest, the 10 lowest and
    the territory with its 10 nearest in the ranking (the full list stays in the alt text)."""
    if len(df) <= 3 * RANKING_ROWS + 1:
        return df, ""
    own = df.index[df["label"] == name]
    rank = int(own[0]) if len(own) else 0
    keep = (
        set(range(RANKING_ROWS))
        | set(range(len(df) - RANKING_ROWS, len(df)))
        | set(range(max(rank - RANKING_ROWS // 2, 0), min(rank + RANKING_ROWS // 2 + 1, len(df))))
    )
    return df.loc[sorted(keep)], (
        f" ; {len(keep)} des {len(df)} territoires : les {RANKING_ROWS} plus élevés, "
        f"les {RANKING_ROWS} plus bas et les voisins de {name} dans le classement"
    )


def _series(t: Territory) -> list[tuple[str, str]]:
    out = [(t.code, t.name)]
    if t.departement_code and t.departement_code != t.code:
        out.append((t.departement_code, t.departement_name))
    out += [(t.region_code, t.region_name), ("FRANCE", "France")]
    return out


def css_trend(t: Territory) -> str:
    d = t.all_indicators
    d = d[(d.indicator == "css_rate") & (d.sex == ENSEMBLE) & (d.category == TOTAL)]
    frames = [d[d.territory_code == code].assign(series=name) for code, name in _series(t)]
    df = pd.concat(frames).assign(year=lambda x: x["period"].astype(int))
    fig = charts.trend_chart(df, "Bénéficiaires (% de la population)")
    territory = df[df.series == t.name].sort_values("year")
    alt = "Évolution de la part de bénéficiaires de la CSS (ex CMU-C). " + " ; ".join(
        f"{y} : {'non calculable' if s else fr_value(v, '%', 1)}"
        for y, v, s in zip(territory.year, territory.value, territory.small_count)
    )
    return charts.figure_html(
        fig,
        alt,
        "Part de la population couverte par la CMU-C puis la CSS, au 31 décembre "
        "(bande : intervalle de confiance à 95 % du territoire).",
    )


def icm_trend(t: Territory) -> str:
    """The ICM over rolling three-year periods, the territory against its département, région and France."""
    d = t.all_indicators
    d = d[(d.indicator == "mortality_icm_trend") & (d.sex == ENSEMBLE) & (d.category == TOTAL)]
    frames = [d[d.territory_code == code].assign(series=name) for code, name in _series(t)]
    df = pd.concat(frames).assign(year=lambda x: x["period"].str[-4:].astype(int))
    if df.empty:
        return ""
    labels = dict(zip(df["year"], df["period"].str.replace("-", "–")))
    fig = charts.trend_chart(df, "ICM (France = 100)", decimals=0, ticklabels=labels)
    own = df[df.series == t.name].sort_values("year")
    alt = "Évolution de l'indice comparatif de mortalité sur trois ans glissants. " + " ; ".join(
        f"{labels[y]} : {'non calculable' if s else fr_value(v, '', 0) + ' ' + fr_interval(lo, hi, 0)}"
        for y, v, lo, hi, s in zip(own.year, own.value, own.ci_low, own.ci_high, own.small_count)
    )
    return charts.figure_html(
        fig,
        alt,
        "Indice comparatif de mortalité par périodes de trois ans glissantes (France = 100 ; "
        "bande : intervalle de confiance à 95 % du territoire).",
    )


def _by_category(t: Territory, indicator: str, labels: dict | None = None) -> pd.DataFrame:
    d = t.all_indicators
    d = d[(d.indicator == indicator) & (d.sex == ENSEMBLE)]
    frames = [d[d.territory_code == code].assign(series=name) for code, name in _series(t)]
    df = pd.concat(frames)
    df["group"] = df["category"].map(labels or {}).fillna(df["category"])
    return df


def spending_by_item(t: Territory) -> str:
    df = _by_category(t, "care_spending_per_capita", ITEM_LABELS)
    df = df[df.category != TOTAL]
    fig = charts.grouped_bars(df, "€ remboursés par habitant")
    own = df[df.series == t.name]
    alt = "Dépense remboursée par habitant et par poste. " + " ; ".join(
        f"{g} : {fr_value(v, '€ par habitant')}" for g, v in zip(own.group, own.value)
    )
    return charts.figure_html(
        fig, alt, "Dépense remboursée par habitant, par poste de soins (montants bruts, non ajustés sur l'âge)."
    )


def equipment_by_family(t: Territory) -> str:
    rows = []
    for indicator, (family, _) in FAMILIES.items():
        for code, name in _series(t):
            r = t.value_row(indicator, code=code)
            if r is not None:
                rows.append({"group": sentence_case(family), "series": name, "value": r.value})
    df = pd.DataFrame(rows)
    fig = charts.grouped_bars(df, "Places pour 1 000 habitants concernés", decimals=1)
    own = df[df.series == t.name]
    alt = "Taux d'équipement médico-social. " + " ; ".join(
        f"{g} : {fr_value(v, 'places pour 1 000', 1)}" for g, v in zip(own.group, own.value)
    )
    return charts.figure_html(
        fig,
        alt,
        "Places installées pour 1 000 habitants : personnes âgées (75 ans et plus), "
        "enfance handicapée (moins de 20 ans), adultes handicapés (20-59 ans).",
    )


PLURAL_KINDS = {
    "département": "départements",
    "territoire de santé": "territoires de santé",
    "EPCI": "EPCI",
    "contrat local de santé": "contrats locaux de santé",
    "atelier santé ville": "ateliers santé ville",
}


MAP_MAX_AREAS = 150  # the EPCI of the largest région; beyond, the map keeps to the territory's département


def _map_areas(t: Territory) -> tuple[list[str], str]:
    """The areas the map colours: the territories of the same kind as this one when there are several
    (they usually tile the région: EPCI, territoires de santé), else the départements. When they are
    more than a map can show legibly, those of the territory's département, and if still too many,
    the départements: a report's size does not grow with the number of territories."""
    terr = t.tables["territories"].drop_duplicates("territory_code")
    region = terr[terr["region_code"] == t.region_code]
    same_kind = region[region["reported"] & (region["kind"] == t.kind)]
    if len(same_kind) > MAP_MAX_AREAS:
        same_kind = same_kind[same_kind["departement_code"] == t.departement_code]
    if 1 < len(same_kind) <= MAP_MAX_AREAS:  # overlapping perimeters can be many even in one département
        return same_kind["territory_code"].tolist(), t.kind
    deps = region.loc[region["kind"] == KIND_DEPARTEMENT, "territory_code"].unique().tolist()
    return deps, KIND_DEPARTEMENT


NO_MAP = (
    "Carte non disponible : aucun fond de carte (contours des communes ou des départements) "
    "n'a été fourni avec les données."
)


def areas_map(
    tables: dict,
    indicators: pd.DataFrame,
    codes: list[str],
    kind: str,
    indicator: str = "mortality_icm",
    highlight: str | None = None,
    highlight_label: str = "",
    outlines: pd.Series | None = None,
) -> str:
    """Map of ``codes`` (areas of one kind) coloured by their difference with France on ``indicator``,
    ``highlight`` outlined, the région's départements in the background (``outlines``: the decoded
    ``territory_shapes``, when the caller has them)."""
    outlines = shapes(tables["territory_shapes"]) if outlines is None else outlines
    if outlines.empty:
        return render("paragraph.html.j2", text=NO_MAP, css_class="note")
    meta = indicator_metadata()[indicator]
    d = indicators[(indicators.indicator == indicator) & (indicators.sex == ENSEMBLE) & (indicators.category == TOTAL)]
    d = d[(d.period == d.period.max()) & d.territory_code.isin(codes) & d.territory_code.isin(outlines.index)]
    terr = tables["territories"].drop_duplicates("territory_code")
    names = terr.set_index("territory_code")["territory_name"]
    areas = pd.DataFrame(
        {
            "code": d.territory_code,
            "geometry": d.territory_code.map(outlines),
            "judgement": reading_keys(d),
            "text": ["–" if s else fr_value(v, meta["unit"], meta["decimals"]) for s, v in zip(d.small_count, d.value)],
        }
    )
    regions = set(terr.loc[terr.territory_code.isin(codes), "region_code"].dropna())
    deps = terr.loc[(terr["kind"] == KIND_DEPARTEMENT) & terr["region_code"].isin(regions), "territory_code"]
    background = [outlines[c] for c in deps if c in outlines.index] or [
        outlines[c] for c in regions if c in outlines.index
    ]
    fig = charts.territory_map(
        areas,
        outlines.get(highlight) if highlight else None,
        background,
        f"{meta['label']}, {d.period.max() if len(d) else ''}",
    )
    plural = PLURAL_KINDS.get(kind, kind)
    alt = f"Carte des {plural} de la région selon l'indicateur « {meta['label']} » comparé à la France. " + " ; ".join(
        f"{names.get(r.code, r.code)} : {r.text}, {READINGS[r.judgement].phrase}" for r in areas.itertuples()
    )
    caption = f"{meta['label']} des {plural} de la région, comparé(e) à la France" + (
        f" ; contour noir : {highlight_label}." if highlight else "."
    )
    return charts.figure_html(fig, alt, caption)


def region_map(t: Territory, indicator: str = "mortality_icm") -> str:
    """Map of the région's territories coloured by their difference with France, this one outlined
    (or its département, when the data give no outline of its own)."""
    outlines = shapes(t.tables["territory_shapes"])
    if outlines.empty:
        return render("paragraph.html.j2", text=NO_MAP, css_class="note")
    codes, kind = _map_areas(t)
    own = t.code in outlines.index
    highlight = t.code if own else t.departement_code
    label = t.name if own else f"{t.departement_name} (département de {t.name})"
    return areas_map(t.tables, t.all_indicators, codes, kind, indicator, highlight, label, outlines)


def establishments_map(t: Territory) -> str:
    """Where the territory's medico-social establishments are, sized by installed places ("" without
    outline or FINESS coordinates)."""
    own = t.tables["territory_shapes"]
    outline = shapes(own[own["territory_code"] == t.code]).get(t.code)
    places = t.tables["finess_places"]
    if outline is None or "lon" not in places:
        return ""
    p = places[
        places.commune.isin(t.communes)
        & places.category.isin(CATEGORY_FAMILY)
        & places.lon.notna()
        & (places.places > 0)
    ]
    if p.empty:
        return ""
    families = [FAMILIES[f][0] for f in FAMILIES]
    points = p.assign(family=p.category.map(CATEGORY_FAMILY).map(lambda f: FAMILIES[f][0]))
    fig = charts.establishments_map(outline, points, families)
    counts = ", ".join(
        f"{f} : {fr_number((points.family == f).sum())} établissement(s), "
        f"{fr_number(points.loc[points.family == f, 'places'].sum())} places"
        for f in families
    )
    return charts.figure_html(
        fig,
        f"Carte des établissements médico-sociaux de {t.name} ({counts}).",
        "Établissements médico-sociaux du territoire (FINESS, coordonnées géocodées) ; "
        "la surface des ronds est proportionnelle aux places installées.",
    )
