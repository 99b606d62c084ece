"""« Comparer des périmètres » (issue 20): 2 to 6 candidate perimeters of the same place side by side — population,
statistical power, headline indicators with intervals and significance, internal heterogeneity of the ICM between
member communes, spread of the communes on deprivation (FDep) and on access to general practitioners (APL),
overlap — computed in one pass with the build's functions
(:func:`diagnostics.reporting.perimeter.perimeter_indicators`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_interval, fr_number, fr_value
from diagnostics.indicators.icm_power import icm_power_table
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.mortality import STANDARDS, mortality_indicators
from diagnostics.methods.disclosure import build_threshold, publishable_indicators
from diagnostics.methods.heterogeneity import group_small_units, icm_heterogeneity
from diagnostics.territories.perimeter import ADHOC_KIND, PerimeterError, perimeter_communes, perimeter_slug

from .perimeter import _mask_differences, _period_years, build_region, perimeter_indicators

HEADLINE = ["mortality_icm", "premature_mortality_icm", "css_rate", "life_expectancy_birth"]
MIN_CANDIDATES, MAX_CANDIDATES = 2, 6


def _p(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {fr_number(p, 3)}"


def parse_candidates(texts) -> list[tuple[str, str]]:
    """``["Nom A=96001,96002", "Nom B=EPCI:…"]`` → [(name, members)], 2 to 6 of them."""
    out = []
    for text in texts:
        name, sep, members = str(text).partition("=")
        if not sep or not name.strip():
            raise PerimeterError(f"candidat « {text} » : attendu « Nom=communes » (par exemple « Ville=96101 »)")
        out.append((" ".join(name.split()), members))
    if not MIN_CANDIDATES <= len(out) <= MAX_CANDIDATES:
        raise PerimeterError(
            f"comparer des périmètres : de {MIN_CANDIDATES} à {MAX_CANDIDATES} candidats, {len(out)} donné(s)"
        )
    return out


def candidate_definitions(candidates, tables: dict) -> pd.DataFrame:
    terr = tables["territories"]
    region = build_region(terr)
    frames, taken = [], set(terr["territory_code"])
    for name, members in candidates:
        try:
            communes = perimeter_communes(members, tables["communes"], region)
        except PerimeterError as exc:
            raise PerimeterError(f"candidat « {name} » : {exc}") from None
        code = perimeter_slug(name, taken)
        taken.add(code)
        frames.append(
            pd.DataFrame({"territory_code": code, "territory_name": name, "kind": ADHOC_KIND, "commune": communes})
        )
    return pd.concat(frames, ignore_index=True)


def commune_icm(tables: dict, communes: list[str]) -> pd.DataFrame:
    """commune, observed, expected deaths of the whole-period ICM (both sexes), each commune as its own area."""
    areas = pd.DataFrame(
        {
            "territory_code": communes,
            "territory_name": communes,
            "kind": "commune",
            "commune": communes,
            "departement_code": None,
            "region_code": None,
            "reported": False,
        }
    )
    standard = tables["standard_population"]["standard"].iloc[0]
    rows, _ = mortality_indicators(
        tables["deaths"],
        tables["population"],
        tables["france_reference"],
        areas,
        standard if standard in STANDARDS else "france",
        _period_years(tables["indicators"]),
    )
    icm = rows[(rows["indicator"] == "mortality_icm") & (rows["sex"] == "ensemble")]
    icm = icm.sort_values("period").drop_duplicates("territory_code", keep="last")
    return pd.DataFrame(
        {
            "commune": icm["territory_code"].to_numpy(),
            "observed": icm["numerator"].to_numpy(),
            "expected": icm["denominator"].to_numpy(),
        }
    )


def heterogeneity(definitions: pd.DataFrame, by_commune: pd.DataFrame, min_expected: float = 5) -> pd.DataFrame:
    """Per candidate: the chi-square test of homogeneity of the ICM between its communes, communes with fewer than
    ``min_expected`` expected deaths grouped (in code order) first."""
    out = []
    for code, members in definitions.groupby("territory_code", sort=False):
        units = by_commune.set_index("commune").reindex(sorted(members["commune"])).fillna(0)
        group, o, e = group_small_units(units["observed"], units["expected"], min_expected)
        statistic, df, p = icm_heterogeneity(o, e) if len(o) > 1 else (np.nan, 0, np.nan)
        out.append({"territory_code": code, "units": len(o), "statistic": statistic, "df": df, "p_value": p})
    return pd.DataFrame(out)


def commune_spread(table: pd.DataFrame, communes: pd.Series, column: str, decimals: int) -> str:
    """« min. – median – max. » of ``column`` over the member communes, at the table's latest year ("–" if none)."""
    d = table[table["commune"].isin(communes)].sort_values("year").drop_duplicates("commune", keep="last")
    values = d[column].dropna()
    return "–" if values.empty else " – ".join(fr_number(v, decimals) for v in values.quantile([0, 0.5, 1]))


def comparison(candidates, tables: dict) -> dict:
    """Everything the comparison shows: ``summary`` (one row per candidate, French labels), ``overlap`` (shared
    communes), ``definitions``."""
    definitions = candidate_definitions(candidates, tables)
    _, indicators = perimeter_indicators(tables, definitions)
    masked = []
    for code, members in definitions.groupby("territory_code", sort=False):
        part, _ = _mask_differences(indicators[indicators["territory_code"] == code], set(members["commune"]), tables)
        masked.append(part)
    published = publishable_indicators(pd.concat(masked, ignore_index=True))
    meta = indicator_metadata()
    power = icm_power_table(indicators).set_index("territory_code")
    het = heterogeneity(definitions, commune_icm(tables, sorted(set(definitions["commune"])))).set_index(
        "territory_code"
    )
    fdep = tables.get("deprivation")
    access = tables.get("gp_accessibility")  # the communes' APL (the DREES file's when given)
    threshold = build_threshold(tables)
    lines = []
    for code, members in definitions.groupby("territory_code", sort=False):
        rows = published[published["territory_code"] == code]
        line = {"Périmètre": members["territory_name"].iloc[0], "Communes": fr_number(len(members))}
        pop = rows[(rows["indicator"] == "population") & (rows["sex"] == "ensemble")].sort_values("period")
        line["Population"] = fr_number(pop["value"].iloc[-1]) if not pop.empty else "–"
        p = power.loc[code] if code in power.index else None
        line["Écart de mortalité détectable"] = (
            f"+{fr_number(np.ceil(p['excess']))} % / −{fr_number(np.ceil(p['deficit']))} %"
            if p is not None and np.isfinite(p["excess"]) and np.isfinite(p["deficit"])
            else "–"
        )
        for ind in HEADLINE:
            r = rows[(rows["indicator"] == ind) & (rows["sex"] == "ensemble") & (rows["category"] == "total")]
            if ind not in meta or r.empty:
                continue
            r = r.sort_values("period").iloc[-1]
            m = meta[ind]
            line[m["label"]] = (
                "non calculable (effectif trop faible)"
                if r["small_count"]
                else f"{fr_value(r['value'], m['unit'], m['decimals'])} "
                f"{fr_interval(r['ci_low'], r['ci_high'], m['decimals'])} – {r['sig_france']}"
            )
        h = het.loc[code]
        line["Hétérogénéité de l'ICM entre communes"] = (
            "–"
            if not np.isfinite(h["statistic"])
            else f"χ² = {fr_number(h['statistic'], 1)}, {int(h['df'])} ddl, {_p(h['p_value'])} "
            f"({'hétérogène' if h['p_value'] < 0.05 else 'pas d’hétérogénéité significative'} ; "
            f"{fr_number(h['units'])} groupe(s) de communes)"
        )
        if fdep is not None and not fdep.empty:
            line["FDep des communes (min. – médiane – max.)"] = commune_spread(fdep, members["commune"], "fdep", 2)
        if access is not None and not access.empty:
            line["Accessibilité aux généralistes des communes (APL, min. – médiane – max.)"] = commune_spread(
                access, members["commune"], "apl", 0
            )
        lines.append(line)
    names = definitions.drop_duplicates("territory_code").set_index("territory_code")["territory_name"]
    sets = {code: set(g["commune"]) for code, g in definitions.groupby("territory_code", sort=False)}
    overlap = pd.DataFrame(
        [[fr_number(len(sets[a] & sets[b])) for b in sets] for a in sets],
        index=[names[c] for c in sets],
        columns=[names[c] for c in sets],
    )
    return {
        "summary": pd.DataFrame(lines),
        "overlap": overlap.reset_index(names="Communes communes"),
        "definitions": definitions,
        "threshold": threshold,
    }


CANDIDATE_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]  # ColorBrewer Dark2


def candidates_map(tables: dict, definitions: pd.DataFrame) -> str:
    """The candidates' outlines (one colour each, drawn largest first) over the région's départements."""
    from diagnostics.territories.shapes import shapes, territory_outlines

    from . import charts, svg
    from .html import render

    outlines = shapes(territory_outlines(tables["geometry"], definitions)) if "geometry" in tables else pd.Series()
    if outlines.empty:
        return render("paragraph.html.j2", text="Carte non disponible (pas de contours de communes).", css_class="note")
    background = shapes(tables["territory_shapes"])
    deps = tables["territories"].query("kind == 'département'")["territory_code"].unique()
    back = [background[c] for c in deps if c in background.index]
    names = definitions.drop_duplicates("territory_code").set_index("territory_code")["territory_name"]
    codes = sorted(outlines.index, key=lambda c: -outlines[c].area)
    fig, proj = charts._map_frame(charts._bounds(list(outlines) + back), 0.03)
    charts._shape_group(fig, back, proj, css_class="background", fill="#f0f0f0", stroke="#bdbdbd", stroke_width=0.4)
    colour = {c: CANDIDATE_COLOURS[list(names.index).index(c) % 6] for c in codes}
    for c in codes:
        charts._shape_group(
            fig,
            [outlines[c]],
            proj,
            css_class="candidate",
            fill=colour[c],
            fill_opacity=0.35,
            stroke=colour[c],
            stroke_width=2,
        )
    entries = [(svg.patch_swatch(colour[c], colour[c], 2), names[c]) for c in names.index if c in colour]
    fig.height = svg.legend(fig, entries, fig.height + 8, 8, ncol=2, title="Périmètres candidats") + charts.MARGIN
    alt = "Carte des périmètres candidats : " + " ; ".join(names[c] for c in names.index)
    return charts.figure_html(fig, alt, "Les périmètres candidats dans la région.")
