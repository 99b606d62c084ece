"""``reports/index.html``: every territory's report and CSV with its headline indicators, in a table
that sorts without any network library, and the maps of the région's territories."""
from __future__ import annotations

import html

import numpy as np

from . import config
from .disclosure import SMALL_COUNT_LABEL
from .figures import PLURAL_KINDS, areas_map
from .formatting import fr_interval, fr_number, fr_value
from .indicators.metadata import indicator_metadata
from .overview import latest
from .report import JUDGEMENT_LABELS, judgement, published_indicators
from .territory_shapes import shapes

HEADLINES = {"mortality_icm": "ICM (France = 100)", "premature_mortality_icm": "ICM prématuré (< 65 ans)",
             "css_rate": "Bénéficiaires de la CSS (%)", "care_spending_index": "Dépense à âge égal (France = 100)",
             "equipment_elderly_rate": "Places pour personnes âgées (‰ des 75 ans et plus)"}
SORT_SCRIPT = """
document.querySelectorAll("table.sortable th button").forEach(function (button, col) {
  button.addEventListener("click", function () {
    var th = button.parentElement, table = th.closest("table"), body = table.tBodies[0];
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      var cell = row.cells[col], v = cell.getAttribute("data-sort");
      return v === null ? cell.textContent.trim().toLowerCase() : (v === "" ? null : parseFloat(v));
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null) return 1; if (y === null) return -1;
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "fr");
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def latest_rows(ind) -> dict:
    """(territory, indicator) → its latest both-sexes total row, found once for the whole table."""
    return {(r.territory_code, r.indicator): r for r in latest(ind).itertuples(index=False)}


def headline_cell(latest: dict, code: str, indicator: str) -> str:
    """A headline cell: value [CI], the reading in words, coloured by significance, sortable by value."""
    meta = indicator_metadata()[indicator]
    r = latest.get((code, indicator))
    if r is None:
        return '<td data-sort="">–</td>'
    if r.small_count or r.value != r.value:
        return f'<td data-sort="" class="sig-non-calculable">{SMALL_COUNT_LABEL}<br><small>non calculable</small></td>'
    verdict = judgement(r.sig_france, meta["higher_is"])
    flag = "<br><small>valeur départementale</small>" if getattr(r, "level", "") == "département" else ""
    return (f'<td data-sort="{r.value:.6g}" class="sig-{verdict.replace(" ", "-")}">'
            f"{fr_value(r.value, meta['unit'], meta['decimals'])} {fr_interval(r.ci_low, r.ci_high, meta['decimals'])}"
            f"<br><small>{html.escape(JUDGEMENT_LABELS[verdict])}</small>{flag}</td>")


def _maps(tables, ind, areas) -> str:
    """One map per kind of territory that has several (they usually tile the région)."""
    outlines = shapes(tables["territory_shapes"])
    out = []
    for kind, group in areas.groupby("kind", sort=False):
        if len(group) > 1:
            out.append(f"<h3>{html.escape(PLURAL_KINDS.get(kind, kind).capitalize())}</h3>"
                       + areas_map(tables, ind, list(group["territory_code"]), kind, outlines=outlines))
    return "".join(out)


def index_html(tables, built: set[str], generated: str, overview: bool = False) -> str:
    ind = published_indicators(tables)
    latest = latest_rows(ind)
    terr = tables["territories"]
    areas = terr[terr["reported"]].drop_duplicates("territory_code")
    communes = terr[terr["reported"]].groupby("territory_code")["commune"].count()
    population = ind[(ind.indicator == "population")].sort_values("period").groupby("territory_code")["value"].last()
    esc = html.escape
    rows = []
    for r in areas.itertuples():
        code, name = esc(r.territory_code), esc(r.territory_name)
        if r.territory_code in built:
            link, csv = f'<a href="{code}.html">{name}</a>', f'<a href="{code}.csv">CSV</a>'
        else:
            link, csv = f"{name} <small>(rapport non produit)</small>", ""
        pop = population.get(r.territory_code, np.nan)
        rows.append(f"<tr><td>{link}</td><td>{esc(r.kind)}</td><td data-sort=\"{communes[r.territory_code]}\">"
                    f"{fr_number(communes[r.territory_code])}</td>"
                    f"<td data-sort=\"{'' if pop != pop else f'{pop:.0f}'}\">{'' if pop != pop else fr_number(pop)}</td>"
                    + "".join(headline_cell(latest, r.territory_code, i) for i in HEADLINES) + f"<td>{csv}</td></tr>")
    headers = ["Territoire", "Type", "Communes", "Habitants"] + list(HEADLINES.values()) + ["Données"]
    head = "".join(f'<th scope="col"><button type="button">{esc(h)}</button></th>' for h in headers[:-1]) + '<th scope="col">Données</th>'
    region = esc(terr.loc[terr["kind"] == "région", "territory_name"].iloc[0]) if (terr["kind"] == "région").any() else ""
    css = (config.TEMPLATES_DIR / "diagnostic" / "report.css").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Diagnostics territoriaux de santé – {region}</title><style>{css}</style></head>
<body><main>
<header class="report-header"><p class="kind">Diagnostics territoriaux de santé</p><h1>{region}</h1>
<p class="facts">{len(built)} diagnostic(s) · généré le {esc(generated)}</p>
{'<p><a href="synthese_regionale.html">Synthèse régionale</a> : tous les territoires sur tous les indicateurs, classements, entonnoir de la mortalité, typologie.</p>' if overview else ''}
<p class="guide">Cliquez sur un territoire pour ouvrir son diagnostic, sur un titre de colonne pour trier le tableau.
Chaque indicateur est comparé à la France : « significativement pire / meilleur » quand l'intervalle de confiance à
95 % exclut la valeur nationale ; « non testé » pour les données exhaustives (dépenses, équipement).</p></header>
<h2>Territoires</h2>
<div class="table-wrap"><table class="data sortable"><caption>Indicateurs clés de chaque territoire (dernière période)</caption>
<thead><tr>{head}</tr></thead><tbody>
{''.join(rows)}
</tbody></table></div>
<h2>Cartes</h2>
{_maps(tables, ind, areas)}
</main><script>{SORT_SCRIPT}</script></body></html>
"""
