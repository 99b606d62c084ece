"""reports/index.html: the headline cells (normal, masked, départemental, missing) and the list of
every reported territory, linked only when its report was built."""

import html
import re
from types import SimpleNamespace

import pytest

from diagnostics.reporting.index_page import HEADLINES, headline_cell, index_html, latest_rows

N, T = "\u00a0", "\u202f"
MASKED = "non calculable (effectif trop faible)"
# the reported territories, in the order of the territories table (the région is not reported)
REPORTED = [
    "DEP-961",
    "DEP-962",
    "DEP-963",
    "TS-NORD",
    "TS-CENTRE",
    "TS-SUD",
    "TS-LITTORAL",
    "200096003",
    "200096008",
    "200096013",
    "CLS-BRUMES",
    "CLS-VALLONS",
    "ASV-NACRE",
]
BUILT = {"TS-NORD", "DEP-962", "CLS-VALLONS"}


def _row(
    indicator="mortality_icm",
    value=122.124874,
    ci_low=119.793684,
    ci_high=124.490023,
    small_count=False,
    sig_france="supérieur",
    level="",
):
    return SimpleNamespace(
        indicator=indicator,
        value=value,
        ci_low=ci_low,
        ci_high=ci_high,
        small_count=small_count,
        sig_france=sig_france,
        level=level,
    )


def test_headline_cell_of_a_value_with_its_interval_and_reading():
    latest = {("A", "mortality_icm"): _row()}
    assert headline_cell(latest, "A", "mortality_icm") == (
        f'<td data-sort="122.125" class="sig-pire">122 [120{N}–{N}124]<br><small>significativement pire</small></td>'
    )
    latest = {("A", "css_rate"): _row("css_rate", 9.449, 9.1, 9.8, sig_france="pas de différence significative")}
    assert headline_cell(latest, "A", "css_rate") == (
        f'<td data-sort="9.449" class="sig-similaire">9,4{N}% [9,1{N}–{N}9,8]<br>'
        "<small>pas de différence significative</small></td>"
    )
    latest = {("A", "mortality_icm"): _row(value=1234.5678, ci_low=1200, ci_high=1300, sig_france="inférieur")}
    assert headline_cell(latest, "A", "mortality_icm") == (
        f'<td data-sort="1234.57" class="sig-meilleur">1{T}235 [1{T}200{N}–{N}1{T}300]<br>'
        "<small>significativement meilleur</small></td>"
    )


def test_headline_cell_of_a_masked_row_shows_no_figure():
    expected = f'<td data-sort="" class="sig-non-calculable">{MASKED}<br><small>non calculable</small></td>'
    # flagged by the disclosure step: whatever its (stale) value and significance
    latest = {("A", "mortality_icm"): _row(small_count=True)}
    assert headline_cell(latest, "A", "mortality_icm") == expected
    # no value at all (a rate on zero deaths)
    latest = {("A", "mortality_icm"): _row(value=float("nan"), ci_low=float("nan"), ci_high=float("nan"))}
    assert headline_cell(latest, "A", "mortality_icm") == expected


def test_headline_cell_of_a_departemental_value():
    latest = {("A", "css_rate"): _row("css_rate", 13.2199, 13.07, 13.37, level="département")}
    assert headline_cell(latest, "A", "css_rate") == (
        f'<td data-sort="13.2199" class="sig-pire">13,2{N}% [13,1{N}–{N}13,4]<br><small>significativement pire</small>'
        "<br><small>valeur départementale</small></td>"
    )


def test_headline_cell_of_a_missing_row():
    assert headline_cell({}, "A", "mortality_icm") == '<td data-sort="">–</td>'
    assert headline_cell({("B", "mortality_icm"): _row()}, "A", "mortality_icm") == '<td data-sort="">–</td>'


def test_headline_cell_of_a_row_without_level_column():
    r = _row()
    del r.level
    assert "valeur départementale" not in headline_cell({("A", "mortality_icm"): r}, "A", "mortality_icm")


def test_headline_cell_without_interval_has_no_trailing_space():
    latest = {
        ("A", "care_spending_index"): _row(
            "care_spending_index", 112.35, float("nan"), float("nan"), sig_france="non testé"
        )
    }
    assert headline_cell(latest, "A", "care_spending_index") == (
        '<td data-sort="112.35" class="sig-non-testé">112<br><small>non testé</small></td>'
    )


def test_latest_rows_are_the_latest_both_sexes_totals(demo_tables):
    latest = latest_rows(demo_tables["published"])
    css = latest[("TS-NORD", "css_rate")]
    assert (css.period, css.sex, css.category) == ("2023", "ensemble", "total")
    assert latest[("TS-NORD", "mortality_icm_trend")].period == "2021-2023"
    assert bool(latest[("CLS-VALLONS", "mortality_icm")].small_count)
    assert ("TS-NORD", "no_such_indicator") not in latest


def test_headline_cells_of_demo_territories(demo_tables):
    latest = latest_rows(demo_tables["published"])
    assert headline_cell(latest, "TS-NORD", "mortality_icm") == (
        f'<td data-sort="122.125" class="sig-pire">122 [120{N}–{N}124]<br><small>significativement pire</small></td>'
    )
    assert headline_cell(latest, "CLS-VALLONS", "css_rate") == (
        f'<td data-sort="" class="sig-non-calculable">{MASKED}<br><small>non calculable</small></td>'
    )
    assert headline_cell(latest, "DEP-962", "mortality_icm") == (
        f'<td data-sort="92.0739" class="sig-meilleur">92 [90{N}–{N}94]<br>'
        "<small>significativement meilleur</small></td>"
    )


@pytest.fixture(scope="module")
def page(demo_tables):
    return index_html(demo_tables, BUILT, "01/02/2025")


def _rows(page):
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_index_lists_every_reported_territory_once(page, demo_tables):
    names = demo_tables["territories"].drop_duplicates("territory_code").set_index("territory_code")["territory_name"]
    rows = _rows(page)
    assert len(rows) == len(REPORTED)
    for code, row in zip(REPORTED, rows):
        first = re.match(r"<td>(.*?)</td>", row).group(1)
        shown = html.unescape(re.sub(r"<[^>]+>", "", first))
        assert shown == names[code] + ("" if code in BUILT else " (rapport non produit)")
    assert "Région de Val-Brumeux (fictive) <small>" not in page and 'href="REG-96.html"' not in page


def test_index_links_only_the_built_reports(page):
    for code, row in zip(REPORTED, _rows(page)):
        if code in BUILT:
            assert f'<a href="{code}.html">' in row and row.endswith(f'<td><a href="{code}.csv">CSV</a></td>')
        else:
            assert "href=" not in row and row.endswith("<td></td>")
    assert page.count('.html">') == len(BUILT)
    row = _rows(page)[REPORTED.index("DEP-962")]
    assert row.startswith('<td><a href="DEP-962.html">Val-d&#39;Ombrelune</a></td><td>département</td>')
    row = _rows(page)[REPORTED.index("DEP-961")]
    assert row.startswith("<td>Hautes-Brumes <small>(rapport non produit)</small></td><td>département</td>")


def test_index_rows_hold_size_and_headline_cells(page, demo_tables):
    latest = latest_rows(demo_tables["published"])
    terr = demo_tables["territories"]
    pop = demo_tables["indicators"].query("indicator == 'population'").set_index("territory_code")["value"]
    for code, row in zip(REPORTED, _rows(page)):
        communes = (terr.territory_code == code).sum()
        cells = "".join(headline_cell(latest, code, i) for i in HEADLINES)
        size = f'<td data-sort="{communes}">{communes}</td><td data-sort="{pop[code]:.0f}">'
        assert size in row and cells in row
    nord = _rows(page)[REPORTED.index("TS-NORD")]
    assert f'<td data-sort="62">62</td><td data-sort="172383">172{T}383</td>' in nord
    assert nord.count("<td data-sort=") == 2 + len(HEADLINES)


def test_index_header_and_columns(page):
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<title>Diagnostics territoriaux de santé – Région de Val-Brumeux (fictive)</title>" in page
    assert '<p class="facts">3 diagnostic(s) · généré le 01/02/2025</p>' in page
    heads = re.findall(r'<th scope="col"><button type="button">(.*?)</button></th>', page)
    assert [html.unescape(h) for h in heads] == ["Territoire", "Type", "Communes", "Habitants", *HEADLINES.values()]
    assert "synthese_regionale.html" not in page


def test_index_links_the_overview_when_there_is_one(demo_tables):
    page = index_html(demo_tables, set(), "01/02/2025", overview=True)
    assert '<a href="synthese_regionale.html">Synthèse régionale</a>' in page
    assert '<p class="facts">0 diagnostic(s)' in page and "CSV</a>" not in page


def _map_titles(page):
    return re.findall(r"<h3>(.*?)</h3>", page)


def test_index_has_one_map_per_kind_with_several_territories(page):
    maps = page.split("<h2>Cartes</h2>", 1)[1]
    # one ASV only: no map of ASV
    assert len(_map_titles(page)) == 4 and maps.count('<img src="data:image/svg+xml;base64,') == 4
    assert _map_titles(page) == ["Départements", "Territoires de santé", "EPCI", "Contrats locaux de santé"]
    alts = [html.unescape(a) for a in re.findall(r'alt="([^"]*)"', maps)]
    assert alts[0].startswith("Carte des départements de la région selon l'indicateur")
    assert "Hautes-Brumes : 122, significativement pire que la France" in alts[0]


def test_index_map_titles_keep_acronyms(page):
    assert _map_titles(page) == ["Départements", "Territoires de santé", "EPCI", "Contrats locaux de santé"]


def test_index_without_outlines_says_so_in_each_map(demo_tables):
    tables = dict(demo_tables, territory_shapes=demo_tables["territory_shapes"].iloc[:0])
    page = index_html(tables, set(), "01/02/2025")
    assert page.count('<p class="note">Carte non disponible : aucun fond de carte') == 4
    assert "data:image/svg+xml" not in page
