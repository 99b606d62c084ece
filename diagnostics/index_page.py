"""``reports/index.html``: every territory's report and CSV, with two headline figures."""
from __future__ import annotations

import html

from . import config
from .disclosure import SMALL_COUNT_LABEL, publishable_indicators
from .formatting import fr_interval, fr_number, fr_value
from .indicators.metadata import indicator_metadata
from .report import JUDGEMENT_LABELS, judgement


def _headline(ind, code: str, indicator: str) -> str:
    meta = indicator_metadata()[indicator]
    r = ind[(ind.territory_code == code) & (ind.indicator == indicator) & (ind.sex == "ensemble") & (ind.category == "total")]
    if r.empty:
        return ""
    r = r.sort_values("period").iloc[-1]
    if r.small_count:
        return SMALL_COUNT_LABEL
    reading = JUDGEMENT_LABELS[judgement(r.sig_france, meta["higher_is"])]
    return (f"{fr_value(r.value, meta['unit'], meta['decimals'])} {fr_interval(r.ci_low, r.ci_high, meta['decimals'])}"
            f"<br><small>{html.escape(reading)}</small>")


def index_html(tables, built: set[str], generated: str) -> str:
    ind = publishable_indicators(tables["indicators"])
    terr = tables["territories"]
    areas = terr[terr["reported"]].drop_duplicates("territory_code")
    pop = terr[terr["reported"]].groupby("territory_code")["commune"].count()
    rows = []
    for kind, group in areas.groupby("kind", sort=False):
        rows.append(f'<tr><th colspan="5" scope="colgroup">{html.escape(kind[:1].upper() + kind[1:])}</th></tr>')
        for r in group.itertuples():
            code = html.escape(r.territory_code)
            name = html.escape(r.territory_name)
            if r.territory_code in built:
                link = f'<a href="{code}.html">{name}</a> · <a href="{code}.csv">CSV</a>'
            else:
                link = f"{name} <small>(rapport non produit)</small>"
            population = ind[(ind.territory_code == r.territory_code) & (ind.indicator == "population")]["value"]
            rows.append(
                f"<tr><td>{link}</td><td>{fr_number(pop[r.territory_code])}</td>"
                f"<td>{fr_number(population.iloc[0]) if len(population) else ''}</td>"
                f"<td>{_headline(ind, r.territory_code, 'mortality_icm')}</td>"
                f"<td>{_headline(ind, r.territory_code, 'css_rate')}</td></tr>"
            )
    region = html.escape(terr.loc[terr["kind"] == "région", "territory_name"].iloc[0]) if (terr["kind"] == "région").any() else ""
    css = (config.TEMPLATES_DIR / "diagnostic" / "report.css").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Diagnostics territoriaux de santé – {region}</title><style>{css}</style></head>
<body><main>
<header class="report-header"><p class="kind">Diagnostics territoriaux de santé</p><h1>{region}</h1>
<p class="facts">{len(built)} diagnostic(s) · généré le {html.escape(generated)}</p>
<p class="guide">Cliquez sur un territoire pour ouvrir son diagnostic. Les intervalles de confiance sont à 95 % ;
« significativement pire / meilleur » compare le territoire à la France.</p></header>
<div class="table-wrap"><table class="data"><thead><tr><th scope="col">Territoire</th><th scope="col">Communes</th>
<th scope="col">Habitants</th><th scope="col">Indice comparatif de mortalité (France = 100)</th>
<th scope="col">Bénéficiaires de la CSS</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table></div>
</main></body></html>
"""
