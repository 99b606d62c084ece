"""The report's section « Contexte social et inégalités de santé » (issue 19): the context indicators against
the comparators, the territory's deprivation (FDep quintiles of its population, commune map) and the social
gradient of mortality and life expectancy (ICM and life expectancy at birth by deprivation quintile, SII and
RII); the synthesis line on deprivation and the
FDep's note in the methods annex. Every figure comes from the publishable indicator rows (secret statistique
applied) or from ``deprivation.parquet`` (commune indices, public inputs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import NBSP, fr_interval, fr_number, fr_value
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.social import LEVEL_ESTIMATE, QUINTILE_IDS
from diagnostics.indicators.social_gradient import QUINTILE_CATEGORIES
from diagnostics.methods.disclosure import SMALL_COUNT_LABEL
from diagnostics.reporting import charts, svg
from diagnostics.reporting.html import render
from diagnostics.reporting.readings import reading
from diagnostics.reporting.report import html_table
from diagnostics.reporting.territory import Territory
from diagnostics.territories.shapes import shapes

CENSUS_IDS = [
    "unemployment_rate",
    "share_blue_collar",
    "share_no_diploma",
    "share_baccalaureate",
    "share_single_parent_families",
    "share_80_plus_alone",
]
FILOSOFI_IDS = ["median_income", "poverty_rate"]
CONTEXT_IDS = CENSUS_IDS[:1] + FILOSOFI_IDS[::-1] + CENSUS_IDS[1:]
GRADIENTS = {
    "mortality_icm": "Mortalité générale",
    "premature_mortality_icm": "Mortalité prématurée (avant 65 ans)",
    "life_expectancy_0": "Espérance de vie à la naissance",
}
# base → axis label, reference line (France = 100 for an ICM; none for years), unit of the SII, and what a
# significantly positive SII means (the life expectancy's SII is oriented as Fingertips: least − most deprived)
GRADIENT_AXES = {
    "mortality_icm": ("ICM (France = 100)", 100.0),
    "premature_mortality_icm": ("ICM (France = 100)", 100.0),
    "life_expectancy_0": ("Espérance de vie à la naissance (années)", None),
}
SII_UNITS = {"mortality_icm": "points d'ICM", "premature_mortality_icm": "points d'ICM", "life_expectancy_0": "ans"}
SII_READINGS = {
    "mortality_icm": ("mortalité significativement plus élevée", "mortalité significativement plus faible"),
    "life_expectancy_0": (
        "espérance de vie significativement plus courte",
        "espérance de vie significativement plus longue",
    ),
}
QUINTILE_NAMES = {
    1: "Q1 (moins défavorisé)",
    2: "Q2",
    3: "Q3",
    4: "Q4",
    5: "Q5 (plus défavorisé)",
}
# sequential, colour-blind safe (ColorBrewer PuRd 9, its lightest left out: visible on white): light to dark
QUINTILE_COLOURS = {"q1": "#d4b9da", "q2": "#c994c7", "q3": "#df65b0", "q4": "#ce1256", "q5": "#67001f"}
NO_FDEP_COLOUR = "#bdbdbd"
ESTIMATE_SUFFIX = f"{NBSP}*"


def _model(t: Territory) -> pd.Series | None:
    model = t.tables.get("deprivation_model")
    return None if model is None or model.empty else model.iloc[0]


def has_social_data(t: Territory) -> bool:
    return any(t.value_row(i) is not None for i in CONTEXT_IDS + ["deprivation_fdep"])


def missing_data_html() -> str:
    return render(
        "note.html.j2",
        paragraphs=[
            "Les fichiers du contexte social ne sont pas fournis (bases communales du recensement, Filosofi) : "
            "cette section n'est pas disponible. Voir « Fichiers acceptés » dans le README."
        ],
        warning=True,
    )


# --- context ------------------------------------------------------------------------------------------


def vintage(row: pd.Series, indicator: str) -> str:
    """« Recensement 2021 » (the surveys of 2019 to 2023) or « Filosofi 2021 »."""
    if indicator in FILOSOFI_IDS:
        return f"Filosofi {row.period}"
    year = int(row.period)
    return f"Recensement {year} (enquêtes {year - 2}-{year + 2})"


def context_table(t: Territory) -> pd.DataFrame:
    """One line per context indicator: source and vintage, the territory's value [CI] (« * » when it is an
    estimate from its EPCI or communes), the comparators and the reading against France."""
    meta = indicator_metadata()
    lines = []
    for ind in CONTEXT_IDS:
        row = t.value_row(ind)
        if row is None:
            continue
        m, d = meta[ind], meta[ind]["decimals"]
        value = f"{fr_value(row.value, m['unit'], d)} {fr_interval(row.ci_low, row.ci_high, d)}".strip()
        value = SMALL_COUNT_LABEL if row.small_count else value
        lines.append(
            {
                "Indicateur": m["label"],
                "Source": vintage(row, ind),
                "Territoire": value + (ESTIMATE_SUFFIX if row.level == LEVEL_ESTIMATE else ""),
                t.departement_name or "Département": fr_value(row.value_departement, m["unit"], d),
                t.region_name or "Région": fr_value(row.value_region, m["unit"], d),
                "France": fr_value(row.value_france, m["unit"], d),
                "Écart à la France": reading(row).label,
            }
        )
    return pd.DataFrame(lines)


def context_sentence(t: Territory, indicator: str) -> str | None:
    """A plain sentence on one context indicator (« Taux de chômage des 15-64 ans : 17,5 %, significativement
    au-dessus de la France (12,5 %). »), or None when it has no value."""
    row = t.value_row(indicator)
    if row is None or row.value != row.value:
        return None
    m = indicator_metadata()[indicator]
    d, unit = m["decimals"], m["unit"]
    head = m["label"] + (" (estimation)" if row.level == LEVEL_ESTIMATE else "") + f" : {fr_value(row.value, unit, d)}"
    france = fr_value(row.value_france, unit, d)
    verdict = reading(row).key
    if row.value_france != row.value_france:
        return head + "."
    side = "au-dessus" if row.value > row.value_france else "au-dessous"
    if verdict in ("pire", "meilleur", "supérieur", "inférieur"):
        return f"{head}, significativement {side} de la France ({france})."
    if verdict == "similaire":
        return f"{head}, sans différence significative avec la France ({france})."
    points = abs(row.value - row.value_france)
    gap = (
        f"{fr_number(points, 1)} point{'s' if round(points, 1) >= 2 else ''}"
        if unit == "%"
        else fr_value(abs(row.value / row.value_france - 1) * 100, "%", 0)
    )
    return f"{head}, {gap} {side} de la France ({france})."


def context_notes(t: Territory) -> str:
    """How the Filosofi values of the territory were obtained, the secret, and the census's precision."""
    paragraphs = []
    for ind in FILOSOFI_IDS:
        row = t.value_row(ind)
        label = indicator_metadata()[ind]["label"]
        if row is None:
            paragraphs.append(f"{label} : non disponible pour ce territoire ({_why_no_filosofi(t, ind)}).")
        elif row.level == LEVEL_ESTIMATE or not row.method.startswith(f"Filosofi {row.period}, valeur publiée"):
            paragraphs.append(f"{label}{' (*)' if row.level == LEVEL_ESTIMATE else ''} : {row.method}.")
    paragraphs.append(
        "Les chiffres du recensement sont des effectifs estimés (enquêtes annuelles cumulées sur cinq ans, "
        "exploitation complémentaire au quart pour les ouvriers et les familles) : l'intervalle de confiance, "
        "calculé comme sur un tirage aléatoire simple, donne un ordre de grandeur de la précision. Les chiffres "
        "de Filosofi sont exhaustifs (sources fiscales et sociales) : ils ne sont pas testés. Les communes "
        "dont l'Insee ne publie pas la valeur (secret statistique) ne sont jamais complétées."
    )
    return render("note.html.j2", paragraphs=paragraphs, warning=False)


def _why_no_filosofi(t: Territory, indicator: str) -> str:
    mine = t.tables.get("filosofi")
    com = mine[(mine["level"] == "COM") & mine["code"].isin(t.communes)] if mine is not None else pd.DataFrame()
    if com.empty:
        return "aucune donnée Filosofi pour ses communes"
    given = int(com[indicator].notna().sum())
    if given == 0:
        return f"aucune de ses {fr_number(len(t.communes))} communes n'a de valeur publiée (secret statistique)"
    return (
        f"valeur publiée pour {fr_number(given)} de ses {fr_number(len(t.communes))} communes seulement, "
        "les autres au secret statistique : trop peu pour une estimation fiable"
    )


def context_html(t: Territory) -> str:
    if not has_social_data(t):
        return missing_data_html()
    table = context_table(t)
    said = ["unemployment_rate", "poverty_rate", "median_income", "share_no_diploma", "share_single_parent_families"]
    sentences = [s for s in (context_sentence(t, i) for i in said) if s]
    estimate = (table["Territoire"].str.endswith(ESTIMATE_SUFFIX)).any()
    caption = "Contexte social du territoire" + (" (* estimation : voir la note)" if estimate else "")
    return paragraphs_html(sentences) + html_table(table, caption) + context_notes(t)


def paragraphs_html(sentences: list[str]) -> str:
    return "".join(render("paragraph.html.j2", text=s, css_class="") for s in sentences)


# --- deprivation --------------------------------------------------------------------------------------


def fdep_scope(t_or_tables) -> str:
    """« de la région » or « de France »: the communes the FDep quintiles divide."""
    tables = t_or_tables.tables if isinstance(t_or_tables, Territory) else t_or_tables
    model = tables.get("deprivation_model")
    return "de France" if model is not None and len(model) and model["scope"].iloc[0] == "France" else "de la région"


def comparison_areas(t: Territory) -> list[tuple[str, str]]:
    """(code, name) of the territory, its département and région, and France when the FDep is France's."""
    out = [(t.code, t.name)]
    out += [(c, t.area_name(c)) for c in (t.departement_code, t.region_code) if c and c != t.code]
    return out + ([("FRANCE", "France")] if fdep_scope(t) == "de France" else [])


def quintile_shares(t: Territory, code: str) -> list[float]:
    """The area's population shares (%) in quintiles 1 … 5 (NaN when not computed)."""
    rows = [t.value_row(i, code=code) for i in QUINTILE_IDS]
    return [np.nan if r is None else float(r.value) for r in rows]


def quintile_chart(t: Territory) -> str:
    areas = [(code, name, quintile_shares(t, code)) for code, name in comparison_areas(t)]
    areas = [a for a in areas if not np.isnan(a[2]).all()]
    if not areas:
        return ""
    df = pd.DataFrame(
        [
            {"group": QUINTILE_NAMES[k + 1], "series": name, "value": shares[k]}
            for _, name, shares in areas
            for k in range(5)
        ]
    )
    fig = charts.grouped_bars(df, "Part de la population (%)", decimals=0)
    alt = "Répartition de la population selon le quintile de défavorisation (FDep) de sa commune. " + " ; ".join(
        f"{name} : " + ", ".join(f"Q{k + 1} {fr_value(v, '%', 0)}" for k, v in enumerate(shares))
        for _, name, shares in areas
    )
    caption = (
        f"Part de la population vivant dans une commune de chaque quintile de l'indice FDep : les quintiles "
        f"partagent la population {fdep_scope(t)} en cinq parts d'environ 20{NBSP}%, de la moins défavorisée (Q1) à la "
        "plus défavorisée (Q5)."
    )
    return charts.figure_html(fig, alt, caption)


def deprivation_sentences(t: Territory) -> list[str]:
    """Q5 and Q1 shares of the territory against the reference, its mean FDep, the population without FDep."""
    shares = quintile_shares(t, t.code)
    if np.isnan(shares).all():
        return []
    scope = fdep_scope(t)
    mean = t.value_row("deprivation_fdep")
    ref_code = "FRANCE" if scope == "de France" else t.region_code
    ref = t.value_row("deprivation_fdep", code=ref_code) if ref_code != t.code else None
    text = (
        f"{fr_value(shares[4], '%', 0)} des habitants vivent dans une commune parmi les plus défavorisées {scope} "
        f"(quintile 5 de l'indice FDep, qui regroupe environ 20{NBSP}% de la population {scope}), "
        f"{fr_value(shares[0], '%', 0)} dans une commune parmi les moins défavorisées (quintile 1)."
    )
    out = [text]
    if mean is not None and mean.value == mean.value:
        out.append(
            f"Indice de défavorisation moyen : {fr_number(mean.value, 2)}"
            + (
                f" ({'France' if scope == 'de France' else 'région'} : {fr_number(ref.value, 2)})"
                if ref is not None
                else ""
            )
            + " ; 0 est la moyenne, un indice positif signale un territoire plus défavorisé."
        )
    rest = 100 - np.nansum(shares)
    if rest >= 0.5:
        out.append(
            f"{fr_value(rest, '%', 1)} de la population vit dans des communes sans indice FDep : l'Insee ne publie "
            "pas leur niveau de vie médian (secret statistique des plus petites communes)."
        )
    return out


def deprivation_map(t: Territory) -> str:
    """The territory's communes coloured by their FDep quintile (grey: no FDep)."""
    geometry = t.tables.get("geometry")
    if geometry is None or geometry.empty:
        return ""
    outlines = shapes(geometry[geometry["level"] == "COM"])
    mine = [c for c in t.communes if c in outlines.index]
    if not mine:
        return ""
    dep = t.tables["deprivation"].set_index("commune")["quintile"]
    q = pd.to_numeric(pd.Series(mine).map(dep), errors="coerce")
    groups = np.where(q.isna(), "sans", "q" + q.fillna(0).astype(int).astype(str))
    areas = pd.DataFrame({"geometry": [outlines[c] for c in mine], "group": groups})
    colours = {**QUINTILE_COLOURS, "sans": NO_FDEP_COLOUR}
    labels = {f"q{k}": QUINTILE_NAMES[k] for k in range(1, 6)} | {"sans": "Sans FDep (secret statistique)"}
    fig = charts.group_map(areas, [], f"Quintile de défavorisation (FDep {fdep_scope(t)})", colours, labels)
    counts = pd.Series(groups).value_counts()
    alt = f"Carte des {len(mine)} communes de {t.name} selon leur quintile de défavorisation : " + " ; ".join(
        f"{labels[g]} : {counts[g]}" for g in colours if g in counts
    )
    return charts.figure_html(
        fig, alt, "Communes du territoire selon le quintile de l'indice FDep (plus foncé : plus défavorisé)."
    )


def fdep_computed(t: Territory) -> bool:
    model = _model(t)
    return model is not None and not model["reason"]


def deprivation_html(t: Territory) -> str:
    if not fdep_computed(t):
        model = _model(t)
        reason = model["reason"] if model is not None else "fichiers du recensement et de Filosofi non fournis"
        return render(
            "note.html.j2", paragraphs=[f"Indice de défavorisation FDep non disponible : {reason}."], warning=True
        )
    if t.value_row("deprivation_fdep") is None:
        note = (
            f"Aucune des {fr_number(len(t.communes))} communes du territoire n'a d'indice FDep : l'Insee ne publie pas "
            "leur niveau de vie médian (secret statistique des plus petites communes)."
        )
        return render("note.html.j2", paragraphs=[note], warning=True) + deprivation_map(t)
    return paragraphs_html(deprivation_sentences(t)) + quintile_chart(t) + deprivation_map(t)


# --- gradient -----------------------------------------------------------------------------------------


def gradient_rows(indicators: pd.DataFrame, code: str, base: str) -> pd.DataFrame:
    """quintile (1–5), value, ci_low, ci_high, small_count of an area's ``base`` by quintile (published rows)."""
    d = indicators[(indicators["territory_code"] == code) & (indicators["indicator"] == f"{base}_by_deprivation")]
    d = d[d["category"].isin(QUINTILE_CATEGORIES) & (d["sex"] == "ensemble")]
    return pd.DataFrame(
        {
            "quintile": d["category"].str[1].astype(int).to_numpy(),
            "value": d["value"].to_numpy(float),
            "ci_low": d["ci_low"].to_numpy(float),
            "ci_high": d["ci_high"].to_numpy(float),
            "small_count": d["small_count"].to_numpy(bool),
        }
    ).sort_values("quintile", ignore_index=True)


def inequality_row(indicators: pd.DataFrame, code: str, base: str, name: str) -> pd.Series | None:
    d = indicators[(indicators["territory_code"] == code) & (indicators["indicator"] == f"{base}_{name}")]
    return None if d.empty else d.iloc[-1]


# the territory, its département, its région, France: each keeps its colour and marker whichever are drawn
ROLE_STYLE = [("#253494", "o"), ("#7f7f7f", "s"), ("#b15928", "D"), ("#000000", "^")]
OTHER_STYLES = [("#1b9e77", "^"), ("#7570b3", "v"), ("#e6ab02", "P"), ("#66a61e", "X")]  # more areas (overview)


def gradient_figure(
    series: list[tuple[str, pd.DataFrame, int]], ylabel: str, reference: float | None = 100.0
) -> svg.Figure:
    """The value of each quintile (points and 95 % intervals, joined by a line) for several areas (name, rows,
    role: an index of :data:`ROLE_STYLE`); ``reference``: France's line (ICM = 100), none when None."""
    values = [np.r_[g["value"], g["ci_low"], g["ci_high"]] for _, g, _ in series]
    low, high = svg.padded(*svg.data_range(*([reference] if reference is not None else []), *values))
    fig = svg.Figure(540)
    ticks = svg.nice_ticks(low, high, 6)
    labels = [fr_number(v) for v in ticks]
    left = charts.MARGIN + svg.FONT_SIZE * 1.2 + 4 + max(svg.text_width(x) for x in labels) + svg.TICK_LENGTH + 4
    ax = svg.Axes.box(fig, left, charts.MARGIN + 4, fig.width - left - charts.MARGIN - 8, 210, (0.5, 5.5), (low, high))
    ax.yticks(ticks, labels, grid=True)
    if reference is not None:
        ax.hline(reference, charts.FRANCE, 1.0, "--", css_class="france")
    offsets = np.linspace(-0.12, 0.12, len(series)) if len(series) > 1 else [0.0]
    styles = ROLE_STYLE + OTHER_STYLES
    for (_, g, style), dx in zip(series, offsets):
        colour, shape = styles[style]
        shown = g[np.isfinite(g["value"])]
        xs, ys = ax.x(shown["quintile"].to_numpy(float) + dx), ax.y(shown["value"].to_numpy(float))
        fig.polyline(xs, ys, colour, 1.2, css_class="series")
        for x, lo, hi in zip(xs, ax.y(shown["ci_low"].to_numpy(float)), ax.y(shown["ci_high"].to_numpy(float))):
            fig.line(x, lo, x, hi, colour, 1.2, css_class="interval")
        for x, y in zip(xs, ys):
            fig.marker(shape, float(x), float(y), 7, colour, "#ffffff", 0.8)
    ax.spines()
    top = ax.bottom + svg.TICK_LENGTH + svg.TICK_PAD
    ax.xtick_marks(range(1, 6))
    for k in range(1, 6):
        first, _, second = QUINTILE_NAMES[k].partition(" ")
        fig.text(ax.x(k), top, first, anchor="middle", valign="top", css_class="xtick")
        if second:
            fig.text(
                ax.x(k),
                top + svg.FONT_SIZE * svg.LINE_HEIGHT,
                second,
                8,
                anchor="middle",
                valign="top",
                css_class="xtick",
            )
    ax.ylabel(ylabel, charts.MARGIN + svg.FONT_SIZE)
    bottom = ax.xlabel(
        "Quintile de défavorisation de la commune (indice FDep)", top + 2.4 * svg.FONT_SIZE * svg.LINE_HEIGHT
    )
    entries = [(svg.marker_swatch(styles[r][1], styles[r][0], "#ffffff", 7), name) for name, _, r in series]
    if reference is not None:
        entries.append((svg.line_swatch(charts.FRANCE, 1.0, "--"), f"France = {fr_number(reference)}"))
    fig.height = svg.legend(fig, entries, bottom + charts.GAP, 8, ncol=4) + charts.MARGIN
    return fig


def role(code: str, own: str) -> int:
    """The style of an area in a chart: the report's territory, a département, a région, France."""
    if code == own:
        return 0
    return 3 if code == "FRANCE" else 2 if code.startswith("REG-") else 1


def gradient_chart(indicators: pd.DataFrame, areas: list[tuple[str, str, int]], base: str, title: str) -> str:
    """The gradient of ``base`` for the areas (code, name, style) whose five quintiles are published ("" when
    none is)."""
    series = [
        (name, g, style)
        for code, name, style in areas
        if len(g := gradient_rows(indicators, code, base)) == 5 and np.isfinite(g["value"]).all()
    ]
    if not series:
        return ""
    ylabel, reference = GRADIENT_AXES[base]
    fig = gradient_figure(series, ylabel, reference)
    decimals = 1 if reference is None else 0
    alt = f"{title} selon le quintile de défavorisation de la commune. " + " ; ".join(
        f"{name} : "
        + ", ".join(
            f"Q{r.quintile} {fr_number(r.value, decimals)} {fr_interval(r.ci_low, r.ci_high, decimals)}"
            for r in g.itertuples()
        )
        for name, g, _ in series
    )
    what = "ICM" if reference is not None else "espérance de vie à la naissance (deux sexes, en années)"
    caption = (
        f"{title} : {what} des habitants des communes de chaque quintile de l'indice FDep, avec intervalles de "
        "confiance à 95 %" + (" (trait pointillé : France = 100)." if reference is not None else ".")
    )
    return charts.figure_html(fig, alt, caption)


def _interval_text(row, decimals: int) -> str:
    if row is None or row.value != row.value:
        return "–"
    return f"{fr_number(row.value, decimals)} {fr_interval(row.ci_low, row.ci_high, decimals)}"


def gradient_reading(sii, base: str = "mortality_icm") -> str:
    if sii is None or sii.value != sii.value:
        return "non calculé"
    higher, lower = SII_READINGS.get(base, SII_READINGS["mortality_icm"])
    if sii.ci_low > 0:
        return f"{higher} chez les plus défavorisés"
    if sii.ci_high < 0:
        return f"{lower} chez les plus défavorisés"
    return "pas de gradient significatif"


def gradient_rows_by_area(indicators: pd.DataFrame, codes) -> dict[str, pd.DataFrame]:
    """The gradient rows (by quintile, SII, RII, FDep) of each area: the overview asks for them area by area, and a
    scan of every row of a région of 1 250 territories at each question made it quadratic."""
    wanted = indicators["indicator"].str.endswith(("_by_deprivation", "_sii", "_rii")) | (
        indicators["indicator"] == "deprivation_fdep"
    )
    d = indicators[wanted & indicators["territory_code"].isin(list(codes))]
    empty = d.iloc[:0]
    groups = dict(tuple(d.groupby("territory_code", sort=False)))
    return {code: groups.get(code, empty) for code in codes}


def gradient_table(indicators: pd.DataFrame, areas: list[tuple[str, str]]) -> pd.DataFrame:
    lines = []
    by_area = gradient_rows_by_area(indicators, [code for code, _ in areas])
    for code, name in areas:
        for base, label in GRADIENTS.items():
            sii, rii = (inequality_row(by_area[code], code, base, n) for n in ("sii", "rii"))
            if sii is None:
                continue
            lines.append(
                {
                    "Territoire": name,
                    "Indicateur": label,
                    "Indice de pente (SII)": _interval_text(sii, 1)
                    + (f" {SII_UNITS[base]}" if sii.value == sii.value else ""),
                    "Indice relatif (RII)": _interval_text(rii, 2 if base != "life_expectancy_0" else 3),
                    "Lecture": gradient_reading(sii, base),
                }
            )
    return pd.DataFrame(lines)


def not_computed_reason(indicators: pd.DataFrame, code: str, base: str, threshold: int) -> str:
    """Why an area has no SII: its communes miss a quintile, or a quintile has too few deaths."""
    d = indicators[(indicators["territory_code"] == code) & (indicators["indicator"] == "deprivation_fdep")]
    if d.empty:
        return "aucune de ses communes n'a d'indice FDep"
    quintiles = gradient_rows(indicators, code, base)
    if len(quintiles) < 5:
        return "ses communes ne couvrent pas les cinq quintiles de défavorisation"
    if base == "life_expectancy_0" and not np.isfinite(quintiles["value"]).all() and not quintiles["small_count"].any():
        return "espérance de vie non calculable dans au moins un quintile (trop peu de personnes-années)"
    return f"moins de {fr_number(threshold)} décès dans au moins un quintile"


def measured_gradients(indicators: pd.DataFrame, areas: list[tuple[str, str]], base: str):
    """(name, SII row, RII row, significant) of the areas whose ``base`` gradient is measured."""
    for code, name in areas:
        sii, rii = (inequality_row(indicators, code, base, n) for n in ("sii", "rii"))
        if sii is not None and sii.value == sii.value:
            yield name, sii, rii, sii.ci_low > 0 or sii.ci_high < 0


def gradient_sentence(indicators: pd.DataFrame, areas: list[tuple[str, str]], base: str) -> str | None:
    """« Mortalité générale : 1,17 fois plus élevée à l'extrémité la plus défavorisée de la population qu'à la
    moins défavorisée dans Territoire X [1,08 – 1,26], 1,42 dans la région […]. »"""
    if base == "life_expectancy_0":
        return life_expectancy_gap_sentence(indicators, areas)
    parts = [
        f"{fr_number(rii.value, 2)} {fr_interval(rii.ci_low, rii.ci_high, 2)} pour {name} "
        f"(écart de {fr_number(sii.value)} points d'ICM{'' if significant else ', non significatif'})"
        for name, sii, rii, significant in measured_gradients(indicators, areas, base)
    ]
    if not parts:
        return None
    return (
        f"{GRADIENTS[base]} : rapport entre l'extrémité la plus défavorisée de la population et la moins "
        f"défavorisée (indice relatif) de {' ; '.join(parts)}."
    )


def life_expectancy_gap_sentence(indicators: pd.DataFrame, areas: list[tuple[str, str]]) -> str | None:
    """« Espérance de vie à la naissance : 4,5 ans [3,9 – 5,1] de moins à l'extrémité la plus défavorisée de la
    population qu'à la moins défavorisée pour la région ; … »"""
    parts = [
        f"{fr_number(abs(sii.value), 1)} an(s) {fr_interval(sii.ci_low, sii.ci_high, 1)} de "
        f"{'moins' if sii.value >= 0 else 'plus'} pour {name}{'' if significant else ' (non significatif)'}"
        for name, sii, _, significant in measured_gradients(indicators, areas, "life_expectancy_0")
    ]
    if not parts:
        return None
    return (
        f"{GRADIENTS['life_expectancy_0']} à l'extrémité la plus défavorisée de la population par rapport à la moins "
        f"défavorisée (indice de pente) : {' ; '.join(parts)}."
    )


def gradient_html(t: Territory) -> str:
    if not fdep_computed(t):
        return ""
    areas = [(c, n) for c, n in comparison_areas(t) if c != "FRANCE"]
    styled = [(c, n, role(c, t.code)) for c, n in areas]
    ind = t.all_indicators[t.all_indicators.territory_code.isin([c for c, _ in areas])]  # scanned ≈ 60 times below
    out = [gradient_chart(ind, styled, base, title) for base, title in GRADIENTS.items()]
    sentences = [s for base in GRADIENTS if (s := gradient_sentence(ind, areas, base))]
    notes = []
    for base, label in GRADIENTS.items():
        if inequality_row(ind, t.code, base, "sii") is None:
            notes.append(
                f"{label} : gradient non calculé pour le territoire, "
                f"{not_computed_reason(ind, t.code, base, t.threshold)} (gradient de la région ci-dessus)."
            )
        elif len(g := gradient_rows(ind, t.code, base)) < 5 or g["small_count"].any():
            notes.append(
                f"{label} : les valeurs par quintile du territoire ne sont pas publiées (secret statistique : moins de "
                f"{fr_number(t.threshold)} décès dans un quintile ou dans les communes sans FDep) ; l'indice de "
                "pente, qui les résume sans permettre de les retrouver, l'est."
            )
    table = gradient_table(ind, areas)
    return (
        paragraphs_html(sentences)
        + "".join(out)
        + (html_table(table, "Inégalités sociales de santé : indices de pente et relatif") if len(table) else "")
        + (render("note.html.j2", paragraphs=notes, warning=False) if notes else "")
    )


# --- synthesis and methods ----------------------------------------------------------------------------


def synthesis_html(t: Territory) -> str:
    """The territory's deprivation as a line of the synthesis, with its unemployment and poverty when they
    differ from France ("" without FDep)."""
    shares = quintile_shares(t, t.code)
    if np.isnan(shares).all():
        return ""
    scope = fdep_scope(t)
    text = (
        f"{fr_value(shares[4], '%', 0)} des habitants vivent dans une commune du cinquième le plus défavorisé "
        f"{scope} (indice FDep ; 20{NBSP}% attendus), {fr_value(shares[0], '%', 0)} dans le cinquième le moins "
        "défavorisé."
        if np.nansum(shares) > 0
        else "aucune commune du territoire n'a d'indice FDep (secret statistique des plus petites communes)."
    )
    text = text[0].upper() + text[1:]
    context = [c for c in (_versus_france(t, "unemployment_rate"), _versus_france(t, "poverty_rate")) if c]
    if context:
        text += " " + " ; ".join(context)[0].upper() + " ; ".join(context)[1:] + "."
    return render("key_messages.html.j2", messages=[("Défavorisation sociale", "repere", text)])


def _versus_france(t: Territory, indicator: str) -> str:
    """« taux de chômage 18,2 % (France 12,5 %) » when it differs from France (significantly, when tested)."""
    row = t.value_row(indicator)
    if row is None or row.value != row.value or row.value_france != row.value_france:
        return ""
    m = indicator_metadata()[indicator]
    verdict = reading(row).key
    if verdict in ("similaire", "non calculable") or (verdict == "non testé" and abs(row.value - row.value_france) < 1):
        return ""
    label = m["label"][0].lower() + m["label"][1:]
    return (
        f"{label} {fr_value(row.value, m['unit'], m['decimals'])} "
        f"(France {fr_value(row.value_france, m['unit'], m['decimals'])})"
    )


def _signed(value: float) -> str:
    """« +0,49 », « −0,53 » (the typographic minus)."""
    return ("+" if value > 0 else "−") + fr_number(abs(value), 2)


def fdep_methods_html(t: Territory) -> str:
    """The FDep's weights, explained variance, scope and communes left out; the SII's method."""
    model = t.tables.get("deprivation_model")
    if model is None or model.empty:
        return ""
    m = model.iloc[0]
    if m["reason"]:
        return render(
            "note.html.j2", paragraphs=[f"Indice de défavorisation FDep non calculé : {m['reason']}."], warning=False
        )
    weights = " ; ".join(
        f"{r.label} {_signed(r.weight)} (corrélation {_signed(r.loading)})" for r in model.itertuples()
    )
    where = "de France" if m["scope"] == "France" else f"de la {m['scope']}"
    paragraphs = [
        "Indice de défavorisation sociale FDep (Rey et al., BMC Public Health 2009) calculé sur les communes "
        f"{where} (recensement {m['census_year']}, Filosofi {m['filosofi_year']}) : première composante "
        "principale des quatre variables centrées-réduites, pondérée par la population des ménages fiscaux, "
        "orientée pour que plus élevé signifie plus défavorisé. Elle résume "
        f"{fr_value(100 * m['explained_variance'], '%', 0)} de leur variance. Poids : {weights}.",
        m["details"] + ".",
        "Quintiles : communes classées par indice, chacune placée dans le cinquième de la population où tombe le "
        "milieu de sa propre population (quintile 1 : le moins défavorisé). Gradient : indices de pente (SII) et "
        "relatif (RII) de PHEindicatormethods, régression des ICM des cinq quintiles pondérée par leurs "
        "personnes-années sur le rang social moyen de leur population, intervalle à 95 % par 100 000 simulations ; "
        "calculés quand les cinq quintiles comptent chacun au moins "
        f"{fr_number(t.threshold)} décès. L'espérance de vie par quintile est celle de la table de mortalité "
        "(Chiang II) des communes du quintile, aux mêmes règles que celle du territoire ; son indice de pente est "
        "l'écart en années entre l'extrémité la moins défavorisée et la plus défavorisée (positif : vie plus courte "
        "chez les plus défavorisés), comme dans les profils Fingertips.",
    ]
    if not m["signs_as_expected"]:
        paragraphs.append(
            "Attention : un poids n'a pas le signe attendu sur ces communes ; l'indice se lit avec prudence."
        )
    return render("note.html.j2", paragraphs=paragraphs, warning=False)
