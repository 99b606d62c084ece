"""« Offre de soins de premier recours » (issue 18): the report section (densities against the comparators,
accessibility map of the territory's communes with the « zones fragiles » outlined, the bassins de vie of the
territory), its sentence in the synthesis, and the regional overview's map of the zones fragiles.

A bassin de vie is a « zone fragile » when its density of liberal GPs is more than 30 % below France's
(:data:`~diagnostics.indicators.primary_care.LOW_DENSITY_GAP`); figures are read from the published
indicator rows, like every other section.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_number, fr_value
from diagnostics.indicators.common import ENSEMBLE, TOTAL
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.primary_care import BASSIN_PREFIX, DENSITIES, LOW_DENSITY_GAP
from diagnostics.reporting import charts, svg
from diagnostics.reporting.html import render
from diagnostics.reporting.report import comparison_table, departemental_values_note, html_table
from diagnostics.reporting.territory import Territory, derived, published_indicators
from diagnostics.territories.areas import KIND_DEPARTEMENT
from diagnostics.territories.shapes import shapes

GP_DENSITY = "density_general_practitioners"
LOW_SHARE = "share_population_low_gp_density"
SECTION_INDICATORS = [
    *DENSITIES,
    "share_gp_60_plus",
    "gp_accessibility",
    "gp_accessibility_drees",
    LOW_SHARE,
    "share_population_zip",
]
# accessibility classes, as a share of France's value: (upper bound, fill, legend)
ACCESS_CLASSES = (
    (0.5, "#b30000", "moins de la moitié de la France"),
    (0.7, "#e34a33", "50 à 70 % de la France"),
    (0.9, "#fc8d59", "70 à 90 % de la France"),
    (1.1, "#fdcc8a", "90 à 110 % de la France"),
    (np.inf, "#fef0d9", "110 % de la France ou plus"),
)
FRAGILE_STROKE = "#54278f"
NO_DATA = (
    "Pas de données sur les professionnels de santé : l'extraction de l'Annuaire santé (RPPS, "
    "PS_LibreAcces_Personne_activite_….txt) n'a pas été fournie avec les données."
)


def _latest(ind: pd.DataFrame, indicator: str) -> pd.DataFrame:
    d = ind[(ind.indicator == indicator) & (ind.sex == ENSEMBLE) & (ind.category == TOTAL)]
    return d[d.period == d.period.max()]


def access_indicator(t: Territory) -> str | None:
    """The accessibility shown: the DREES APL when the build had it, else the project's own."""
    return next((i for i in ("gp_accessibility_drees", "gp_accessibility") if t.value_row(i) is not None), None)


def bassins(tables: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    """territory_code, name, density, france, fragile, population of every bassin de vie with a GP density
    (derived once per indicators frame, with the tables read with it: callers must not modify it)."""
    return derived(indicators, "bassins", lambda: _bassins(tables, indicators))


def _bassins(tables: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    d = _latest(indicators, GP_DENSITY)
    d = d[d.territory_code.str.startswith(BASSIN_PREFIX)]
    names = tables["territories"].drop_duplicates("territory_code").set_index("territory_code")["territory_name"]
    threshold = (1 - LOW_DENSITY_GAP) * d["value_france"]
    return pd.DataFrame(
        {
            "territory_code": d.territory_code,
            "name": d.territory_code.map(names),
            "density": d.value,
            "france": d.value_france,
            "fragile": d.value < threshold,
            "population": d.denominator,
        }
    ).reset_index(drop=True)


def territory_bassins(t: Territory) -> pd.DataFrame:
    """The bassins de vie of the territory's communes, with the territory's inhabitants in each."""
    return t.memo("territory_bassins", lambda: _territory_bassins(t))


def _territory_bassins(t: Territory) -> pd.DataFrame:
    communes = t.tables["communes"]
    if "bassin_de_vie" not in communes:
        return pd.DataFrame()
    pop = t.tables["population"]
    pop = pop[pop.year == pop.year.max()].groupby("commune")["population"].sum()
    mine = communes[communes.commune.isin(t.communes)].dropna(subset=["bassin_de_vie"])
    own = pd.DataFrame(
        {"territory_code": BASSIN_PREFIX + mine["bassin_de_vie"], "inhabitants": mine["commune"].map(pop)}
    )
    own = own.groupby("territory_code", as_index=False)["inhabitants"].sum()
    return own.merge(bassins(t.tables, t.all_indicators), on="territory_code").sort_values(
        ["fragile", "density"], ascending=[False, True], ignore_index=True
    )


def bassins_table(t: Territory) -> pd.DataFrame:
    b = territory_bassins(t)
    if b.empty:
        return b
    return pd.DataFrame(
        {
            "Bassin de vie": b["name"],
            "Habitants du territoire": [fr_number(v) for v in b["inhabitants"]],
            "Habitants du bassin (région)": [fr_number(v) for v in b["population"]],
            "Généralistes libéraux pour 100 000": [fr_number(v) for v in b["density"]],
            "Écart à la France": [fr_value((v / f - 1) * 100, "%", 0) for v, f in zip(b["density"], b["france"])],
            "Zone fragile": np.where(b["fragile"], "oui (écart de plus de 30 %)", "non"),
        }
    )


def fragile_sentence(t: Territory) -> str:
    """The share of the territory's population in a zone fragile, in words ("" without bassins de vie)."""
    row = t.value_row(LOW_SHARE)
    if row is None:
        return ""
    b = territory_bassins(t)
    fragile = b[b["fragile"]] if len(b) else b
    france = t.value_row(GP_DENSITY).value_france
    threshold = fr_number((1 - LOW_DENSITY_GAP) * france)
    if fragile.empty:
        return (
            "Aucun habitant du territoire ne vit dans un bassin de vie « zone fragile » (moins de "
            f"{threshold} médecins généralistes libéraux pour 100 000 habitants, soit plus de 30 % sous la densité "
            "de la France, "
            f"{fr_number(france)})."
        )
    names = ", ".join(fragile["name"])
    return (
        f"{fr_number(row.numerator)} habitants, soit {fr_value(row.value, '%', 1)} de la population du territoire, "
        "vivent dans un bassin de vie « zone fragile », dont la densité de médecins généralistes libéraux est "
        f"inférieure à {threshold} pour 100 000 (plus de 30 % sous celle de la France, {fr_number(france)}) : {names}."
    )


def _frame(bounds, width: float = charts.MAP_WIDTH, box=charts.MAP_BOX):
    x0, y0, x1, y1 = bounds
    p = 0.03 * max(x1 - x0, y1 - y0)
    bounds = (x0 - p, y0 - p, x1 + p, y1 + p)
    fig = svg.Figure(width)
    proj = svg.MapProjection.fit(bounds, 0, charts.MARGIN, *box)
    w, h = proj.size(bounds)
    proj = svg.MapProjection.fit(bounds, (width - w) / 2, charts.MARGIN, *box)
    fig.height = charts.MARGIN + h
    fig.axes.append(proj)
    return fig, proj


def _paths(fig, geoms, proj, fills=None, **style) -> None:
    elements = [
        f'<path d="{svg.shape_path(g, proj)}"' + (f' fill="{f}"' if f else "") + "/>"
        for g, f in zip(geoms, fills if fills is not None else [None] * len(geoms))
    ]
    fig.group(elements, fill_rule="evenodd", **style)


def access_class(ratio) -> np.ndarray:
    """Index in :data:`ACCESS_CLASSES` of each APL / France ratio."""
    return np.searchsorted([c[0] for c in ACCESS_CLASSES[:-1]], np.asarray(ratio, float), side="right")


def accessibility_map(t: Territory) -> str:
    """The territory's communes coloured by their accessibility relative to France, the bassins de vie « zones
    fragiles » outlined ("" without commune outlines or accessibility)."""
    indicator = access_indicator(t)
    geometry = t.tables.get("geometry", pd.DataFrame())
    access = t.tables.get("gp_accessibility", pd.DataFrame())
    if indicator is None or geometry.empty or access.empty:
        return ""
    com = geometry[(geometry.level == "COM") & geometry.code.isin(t.communes)]
    apl = access.set_index("commune")["apl"].reindex(com.code)
    if com.empty:
        return ""
    france = t.value_row(indicator).value_france
    outlines = pd.Series(shapes(com).to_numpy(), index=com.code.to_numpy())
    area_shapes = shapes(t.tables["territory_shapes"])
    b = territory_bassins(t)
    fragile = (
        [area_shapes[c] for c in b.loc[b["fragile"], "territory_code"] if c in area_shapes.index] if len(b) else []
    )
    own = area_shapes.get(t.code)
    geoms = list(outlines) + fragile
    bounds = np.array([g.bounds for g in geoms])
    fig, proj = _frame((bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()))
    deps = [area_shapes[c] for c in area_shapes.index if str(c).startswith("DEP-")]
    _paths(fig, deps, proj, fill="#f0f0f0", stroke="#bdbdbd", stroke_width=0.4, class_="background")
    ratio = (apl / france).to_numpy() if france == france and france else np.full(len(apl), np.nan)
    classes = access_class(ratio)
    fills = [ACCESS_CLASSES[k][1] if r == r else "#ffffff" for k, r in zip(classes, ratio)]
    _paths(fig, list(outlines), proj, fills, stroke="#ffffff", stroke_width=0.5, class_="communes")
    if own is not None:
        _paths(fig, [own], proj, fill="none", stroke="#000000", stroke_width=1.6, class_="territory")
    if fragile:
        _paths(
            fig,
            fragile,
            proj,
            fill="none",
            stroke=FRAGILE_STROKE,
            stroke_width=2.2,
            stroke_dasharray="5 3",
            class_="fragile",
        )
    present = sorted(set(classes[~np.isnan(ratio)].tolist()))
    entries = [(svg.patch_swatch(ACCESS_CLASSES[k][1], "#999999"), ACCESS_CLASSES[k][2]) for k in present]
    if fragile:
        entries.append((svg.line_swatch(FRAGILE_STROKE, 2.2, "--"), "Bassin de vie « zone fragile »"))
    if own is not None:
        entries.append((svg.patch_swatch("none", "#000000", 1.6), "Territoire du rapport"))
    meta = indicator_metadata()[indicator]
    fig.height = svg.legend(fig, entries, fig.height + charts.GAP, 8, ncol=2, title=meta["label"]) + charts.MARGIN
    counts = pd.Series(classes[~np.isnan(ratio)]).value_counts()
    alt = (
        f"Carte des {len(outlines)} communes de {t.name} selon leur accessibilité aux médecins généralistes, "
        f"rapportée à celle de la France ({fr_value(france, meta['unit'], meta['decimals'])}). "
        + " ; ".join(f"{ACCESS_CLASSES[k][2]} : {fr_number(counts.get(k, 0))} commune(s)" for k in present)
        + (
            f". Bassins de vie « zones fragiles » entourés : {', '.join(b.loc[b['fragile'], 'name'])}."
            if fragile
            else "."
        )
    )
    caption = f"{meta['label']} des communes de {t.name}, en part de la valeur de la France" + (
        " ; tirets violets : bassins de vie « zones fragiles »." if fragile else "."
    )
    return charts.figure_html(fig, alt, caption)


def method_note(t: Territory) -> str:
    indicator = access_indicator(t)
    paragraphs = [
        "Densités : professionnels en exercice libéral au lieu d'exercice (Annuaire santé, RPPS) ; un praticien qui "
        "exerce dans plusieurs communes compte pour une part égale dans chacune et pour une seule personne en tout. "
        "Les effectifs sont exhaustifs : les écarts ne sont pas soumis à un test statistique (« non testé »)."
    ]
    if indicator == "gp_accessibility":
        source = t.tables["gp_accessibility"]["source"].iloc[0] if len(t.tables["gp_accessibility"]) else ""
        times = (
            "temps de trajet du distancier fourni"
            if source == "distancier"
            else "temps de trajet estimés à partir de la distance à vol d'oiseau entre communes (× 1,3, à 60 km/h)"
        )
        paragraphs.append(
            "Accessibilité (APL, méthode de la DREES) calculée par le projet : chaque commune partage l'offre de "
            f"médecins généralistes libéraux des communes situées à moins de 20 minutes ({times}) avec la "
            "population qui y accède, pondérée selon son âge. Le profil de recours par âge est une approximation du "
            "projet, non les coefficients officiels de la DREES ; le calcul se limite aux communes de la région "
            "(les médecins juste au-delà de la frontière régionale ne sont pas comptés)."
        )
    elif indicator == "gp_accessibility_drees":
        paragraphs.append("Accessibilité : APL aux médecins généralistes publiée par la DREES, par commune.")
    return render("note.html.j2", paragraphs=paragraphs, warning=False)


def section_html(t: Territory) -> str:
    """The whole section: comparison table, zones fragiles, map, bassins de vie, method."""
    if t.value_row(GP_DENSITY) is None:
        return render("paragraph.html.j2", text=NO_DATA, css_class="note")
    ids = [i for i in SECTION_INDICATORS if t.value_row(i) is not None]
    parts = [
        departemental_values_note(t, ids),
        html_table(comparison_table(t, ids), "Offre de soins de premier recours : densités et accessibilité"),
    ]
    sentence = fragile_sentence(t)
    if sentence:
        parts.append(render("paragraph.html.j2", text=sentence, css_class=""))
    parts.append(accessibility_map(t))
    table = bassins_table(t)
    if len(table):
        parts.append(html_table(table, "Bassins de vie du territoire : densité de médecins généralistes libéraux"))
    parts.append(method_note(t))
    return "".join(parts)


def shortage_messages(t: Territory) -> list[tuple[int, tuple[str, str]]]:
    """The synthesis sentence on general practitioners: a point of attention when the territory's GP density is
    more than 30 % below France's or when a tenth of its inhabitants or more live in a zone fragile."""
    row = t.value_row(GP_DENSITY)
    if row is None or row.value != row.value or row.value_france != row.value_france:
        return []
    gap = (row.value / row.value_france - 1) * 100
    france = fr_number(row.value_france)
    density = f"{fr_number(row.value)} médecins généralistes libéraux pour 100 000 habitants (France {france})"
    low = t.value_row(LOW_SHARE)
    share = low.value if low is not None and low.value == low.value else 0.0
    if row.value == 0:
        return [_no_gp_message(t)]
    if gap < -100 * LOW_DENSITY_GAP:
        text = f"Le territoire manque de médecins généralistes : {density}, soit {fr_value(-gap, '%', 0)} de moins."
        return [(0, ("Point d'attention", text))]
    if share > 0:
        text = (
            f"{fr_value(share, '%', 1)} des habitants vivent dans un bassin de vie « zone fragile », où la densité "
            "de médecins généralistes libéraux est inférieure de plus de 30 % à celle de la France ; le territoire "
            f"compte {density}."
        )
        return [(0, ("Point d'attention", text))] if share >= 10 else [(2, ("Repère", text))]
    if abs(gap) < 5:
        return [
            (
                4,
                (
                    "Repère",
                    f"La densité de médecins généralistes libéraux est proche de celle de la France : {density}.",
                ),
            )
        ]
    direction = "supérieure" if gap > 0 else "inférieure"
    text = f"La densité de médecins généralistes libéraux est {direction} de {fr_value(abs(gap), '%', 0)} : {density}."
    return [(4, ("Repère", text))]


def _no_gp_message(t: Territory) -> tuple[int, tuple[str, str]]:
    """No GP practises in the territory: its inhabitants consult in neighbouring communes, what the APL measures."""
    text = "Aucun médecin généraliste libéral n'exerce dans le territoire"
    indicator = access_indicator(t)
    access = t.value_row(indicator) if indicator else None
    if access is None or access.value != access.value or access.value_france != access.value_france:
        return 2, ("Repère", text + " : ses habitants consultent dans les communes voisines.")
    meta = indicator_metadata()[indicator]
    low = access.value < (1 - LOW_DENSITY_GAP) * access.value_france
    text += (
        " ; l'accessibilité aux médecins des communes voisines (APL) est de "
        f"{fr_value(access.value, meta['unit'], meta['decimals'])} (France "
        f"{fr_value(access.value_france, meta['unit'], meta['decimals'])})"
        + (", nettement plus faible qu'en France." if low else ".")
    )
    return (0, ("Point d'attention", text)) if low else (2, ("Repère", text))


# ---- regional overview ---------------------------------------------------------------------------------------


def zones_fragiles_map(tables: dict, b: pd.DataFrame) -> str:
    outlines = shapes(tables["territory_shapes"])
    b = b[b.territory_code.isin(outlines.index)]
    if b.empty:
        return ""
    geoms = [outlines[c] for c in b.territory_code]
    bounds = np.array([g.bounds for g in geoms])
    fig, proj = _frame((bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()))
    fills = ["#e34a33" if f else "#fef0d9" for f in b["fragile"]]
    _paths(fig, geoms, proj, fills, stroke="#ffffff", stroke_width=0.8, class_="bassins")
    terr = tables["territories"].drop_duplicates("territory_code")
    deps = [outlines[c] for c in terr.loc[terr.kind == KIND_DEPARTEMENT, "territory_code"] if c in outlines.index]
    _paths(fig, deps, proj, fill="none", stroke="#636363", stroke_width=1.2, class_="departements")
    for r, g in zip(b.itertuples(), geoms):
        point = g.representative_point()
        x, y = proj(point.x, point.y)
        fig.text(
            float(x),
            float(y),
            fr_number(r.density),
            7.5,
            anchor="middle",
            bold=bool(r.fragile),
            halo="#ffffff",
            css_class="value",
        )
    entries = [
        (svg.patch_swatch("#e34a33", "#999999"), "Zone fragile : plus de 30 % sous la densité de la France"),
        (svg.patch_swatch("#fef0d9", "#999999"), "Autre bassin de vie"),
        (svg.line_swatch("#636363", 1.2), "Départements"),
    ]
    fig.height = svg.legend(fig, entries, fig.height + charts.GAP, 8, ncol=1) + charts.MARGIN
    alt = "Carte des bassins de vie de la région selon leur densité de médecins généralistes libéraux. " + " ; ".join(
        f"{r.name} : {fr_number(r.density)} pour 100 000{', zone fragile' if r.fragile else ''}" for r in b.itertuples()
    )
    return charts.figure_html(
        fig,
        alt,
        "Médecins généralistes libéraux pour 100 000 habitants, par bassin de vie (chiffre écrit sur chaque bassin) ; "
        "en rouge, les « zones fragiles ».",
    )


def zones_fragiles_html(tables: dict) -> str:
    """The overview's zones fragiles: the share of the région's population in them (the indicator of the
    ARS contract with the State), the map of the bassins de vie and the list of the fragile ones."""
    ind = published_indicators(tables)
    b = bassins(tables, ind)
    region = tables["territories"].loc[tables["territories"].kind == "région", "territory_code"]
    share = _latest(ind, LOW_SHARE)
    share = share[share.territory_code.isin(region)]
    if b.empty or share.empty:
        return render("paragraph.html.j2", text=NO_DATA if b.empty else "", css_class="note")
    row = share.iloc[0]
    france = b["france"].iloc[0]
    n = int(b["fragile"].sum())
    where = (
        f"l'un des {n} bassins de vie « zones fragiles » (sur {len(b)})"
        if n > 1
        else f"le seul bassin de vie « zone fragile » (sur {len(b)})"
    )
    threshold = (
        f"inférieure à {fr_number((1 - LOW_DENSITY_GAP) * france)} pour 100 000 habitants (plus de 30 % sous celle "
        f"de la France, {fr_number(france)})"
    )
    text = (
        f"{fr_value(row.value, '%', 1)} de la population de la région ({fr_number(row.numerator)} habitants) vit dans "
        f"{where}, où la densité de médecins généralistes libéraux est {threshold}, en {row.period}."
        if n
        else f"Aucun des {len(b)} bassins de vie de la région n'est une « zone fragile » (densité de médecins "
        f"généralistes libéraux {threshold}, en {row.period})."
    )
    fragile = b[b["fragile"]].sort_values("density")
    table = pd.DataFrame(
        {
            "Bassin de vie": fragile["name"],
            "Habitants (région)": [fr_number(v) for v in fragile["population"]],
            "Généralistes libéraux pour 100 000": [fr_number(v) for v in fragile["density"]],
            "Écart à la France": [
                fr_value((v / f - 1) * 100, "%", 0) for v, f in zip(fragile["density"], fragile["france"])
            ],
        }
    )
    return (
        render("paragraph.html.j2", text=text, css_class="")
        + zones_fragiles_map(tables, b)
        + (html_table(table, "Bassins de vie « zones fragiles »") if len(table) else "")
    )
