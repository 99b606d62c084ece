"""The report's tables and notes on demo territories: exact cells, checked against indicators.parquet."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from diagnostics.formatting import parse_fr_number
from diagnostics.indicators.consumption import ITEM_LABELS
from diagnostics.indicators.metadata import headline_indicators, indicator_metadata
from diagnostics.reporting import report
from diagnostics.reporting.report import (
    CSS_PARTS,
    category_table,
    comparison_table,
    contract_text,
    csv_export,
    csv_table,
    methods_table,
)
from diagnostics.reporting.territory import load_territory

N, T = "\u00a0", "\u202f"  # no-break space (units, intervals), narrow no-break space (thousands)
MASKED = "non calculable (effectif trop faible)"
DEP = " (valeur départementale)"
REGION = "Région de Val-Brumeux (fictive)"
REPORTED = [
    "200096003",
    "200096008",
    "200096013",
    "ASV-NACRE",
    "CLS-BRUMES",
    "CLS-VALLONS",
    "DEP-961",
    "DEP-962",
    "DEP-963",
    "TS-CENTRE",
    "TS-LITTORAL",
    "TS-NORD",
    "TS-SUD",
]


@pytest.fixture(scope="module")
def raw(demo_processed):
    return pd.read_parquet(demo_processed / "indicators.parquet")


@pytest.fixture(scope="module")
def nord(demo_tables):
    return load_territory("TS-NORD", tables=demo_tables)


@pytest.fixture(scope="module")
def vallons(demo_tables):
    return load_territory("CLS-VALLONS", tables=demo_tables)


def _tables_with(demo_tables, **changes):
    """The demo tables with some replaced (the publishable rows recomputed from ``indicators``)."""
    tables = {k: v for k, v in demo_tables.items() if k != "published"}
    tables.update(changes)
    return tables


@pytest.fixture(scope="module")
def departemental(demo_tables):
    """The demo, where TS-NORD's spending and CLS-VALLONS's CSS are their département's value."""
    ind = demo_tables["indicators"].copy()
    hit = ((ind.territory_code == "TS-NORD") & (ind.indicator == "care_spending_per_capita")) | (
        (ind.territory_code == "CLS-VALLONS") & (ind.indicator == "css_rate")
    )
    ind.loc[hit, "level"] = "département"
    return _tables_with(demo_tables, indicators=ind)


def _raw(raw, code, indicator, sex="ensemble", category="total"):
    d = raw[(raw.territory_code == code) & (raw.indicator == indicator) & (raw.sex == sex) & (raw.category == category)]
    return d.sort_values("period").iloc[-1]


COLUMNS = ["Indicateur", "Période", "Territoire", "Effectif", "Hautes-Brumes", REGION, "France", "Écart à la France"]


def test_comparison_table_cells_of_ts_nord(nord):
    table = comparison_table(
        nord,
        [
            "mortality_icm",
            "mortality_dsr",
            "css_rate",
            "share_75_plus",
            "population",
            "care_spending_per_capita",
            "equipment_elderly_rate",
        ],
    )
    assert list(table.columns) == COLUMNS
    assert table.values.tolist() == [
        [
            "Indice comparatif de mortalité (ICM)",
            "2019-2023",
            f"122 [120{N}–{N}124]",
            f"10{T}443",
            "122",
            "110",
            "100",
            "significativement pire",
        ],
        [
            "Taux standardisé de mortalité",
            "2019-2023",
            f"1{T}160 [1{T}138{N}–{N}1{T}183]",
            f"10{T}443",
            f"1{T}161",
            f"1{T}042",
            "941",
            "significativement pire",
        ],
        [
            "Bénéficiaires de la CSS (ex CMU-C)",
            "2023",
            f"13,5{N}% [13,3{N}–{N}13,6]",
            f"23{T}194",
            f"13,2{N}%",
            f"11,4{N}%",
            f"9,1{N}%",
            "significativement pire",
        ],
        [
            "Part des 75 ans et plus",
            "2023",
            f"11,0{N}% [10,9{N}–{N}11,2]",
            "",
            f"11,0{N}%",
            f"10,6{N}%",
            f"10,3{N}%",
            "significativement supérieur",
        ],
        ["Population", "2023", f"172{T}383", "", f"192{T}748", f"566{T}162", f"67{T}129{T}456", "non testé"],
        [
            "Dépense de soins remboursée par habitant",
            "2023",
            f"2{T}147{N}€",
            "",
            f"2{T}139{N}€",
            f"1{T}978{N}€",
            f"1{T}850{N}€",
            "non testé",
        ],
        [
            "Équipement pour personnes âgées",
            "2023",
            f"109,4{N}‰",
            "",
            f"101,6{N}‰",
            f"128,5{N}‰",
            f"134,5{N}‰",
            "non testé",
        ],
    ]


def test_comparison_table_of_a_masked_territory(vallons):
    table = comparison_table(vallons, ["mortality_icm", "css_rate", "premature_mortality_icm", "share_75_plus"])
    assert list(table.columns) == [*COLUMNS[:4], "Val-d'Ombrelune", *COLUMNS[5:]]
    assert table.values.tolist() == [
        ["Indice comparatif de mortalité (ICM)", "2019-2023", MASKED, f"<{N}11", "92", "110", "100", MASKED],
        ["Bénéficiaires de la CSS (ex CMU-C)", "2023", MASKED, f"<{N}11", f"10,2{N}%", f"11,4{N}%", f"9,1{N}%", MASKED],
        # no death before 65: zero is not a small count, it is shown
        [
            "ICM prématuré (< 65 ans)",
            "2019-2023",
            f"0 [0{N}–{N}299]",
            "0",
            "93",
            "114",
            "100",
            "pas de différence significative",
        ],
        [
            "Part des 75 ans et plus",
            "2023",
            f"15,2{N}% [10,4{N}–{N}21,6]",
            "",
            f"10,0{N}%",
            f"10,6{N}%",
            f"10,3{N}%",
            "significativement supérieur",
        ],
    ]


def test_masked_count_shows_the_build_threshold(demo_tables):
    tables = _tables_with(demo_tables, sources=demo_tables["sources"].assign(disclosure_threshold=5))
    t = load_territory("CLS-VALLONS", tables=tables)
    # rendering trusts the build's flags: the same rows stay masked, the label follows the threshold
    assert comparison_table(t, ["mortality_icm", "css_rate"])["Effectif"].tolist() == [f"<{N}5", f"<{N}5"]
    assert set(csv_table(t).query("secret_statistique != ''")["effectif"]) == {f"<{N}5"}


def test_departemental_value_is_said_so(departemental):
    nord = load_territory("TS-NORD", tables=departemental)
    row = comparison_table(nord, ["care_spending_per_capita", "mortality_icm"])["Territoire"].tolist()
    assert row == [f"2{T}147{N}€" + DEP, f"122 [120{N}–{N}124]"]
    masked = load_territory("CLS-VALLONS", tables=departemental)
    assert comparison_table(masked, ["css_rate"])["Territoire"].tolist() == [MASKED + DEP]
    assert category_table(nord, "care_spending_per_capita", ITEM_LABELS)["Territoire"].tolist() == [
        f"644{N}€" + DEP,
        f"425{N}€" + DEP,
        f"972{N}€" + DEP,
        f"107{N}€" + DEP,
        f"2{T}147{N}€" + DEP,
    ]
    csv = csv_table(nord)
    assert set(csv.loc[csv.indicateur == "care_spending_per_capita", "niveau_valeur"]) == {"valeur départementale"}
    # the age of GPs is published by département (primary care family): also the département's value
    assert set(csv.loc[csv.indicateur == "share_gp_60_plus", "niveau_valeur"]) == {"valeur départementale"}
    assert set(csv.loc[csv.indicateur == "median_income", "niveau_valeur"]) == {"estimation"}  # from its EPCI
    own = ~csv.indicateur.isin(["care_spending_per_capita", "share_gp_60_plus", "median_income"])
    assert set(csv.loc[own, "niveau_valeur"]) == {"territoire"}
    note = report.departemental_values_note(nord, ["care_spending_per_capita", "css_rate"])
    assert note.startswith(
        '<div class="note warning"><p>Valeur départementale : ces chiffres (dépense de soins remboursée par habitant) '
        "ne sont publiés que par département ; le territoire reçoit la valeur de son département, Hautes-Brumes,"
    )
    assert report.departemental_values_note(nord, ["css_rate"]) == ""


def test_comparison_table_leaves_out_indicators_without_a_row(nord):
    table = comparison_table(nord, ["mortality_icm", "css_rate", "share_75_plus"], sex="hommes")
    assert table[["Indicateur", "Territoire", "Effectif"]].values.tolist() == [
        ["Indice comparatif de mortalité (ICM)", f"121 [118{N}–{N}125]", f"5{T}368"]
    ]
    assert comparison_table(nord, ["css_rate"], sex="femmes").empty


def test_comparison_table_without_comparator_names(nord):
    table = comparison_table(replace(nord, departement_name="", region_name=""), ["mortality_icm"])
    assert list(table.columns) == [*COLUMNS[:4], "Département", "Région", *COLUMNS[6:]]


def _fr(v, d):
    """An independent French rendering, to check the cells against the parquet numbers."""
    return f"{v:,.{d}f}".replace(",", T).replace(".", ",")


@pytest.mark.parametrize("code", REPORTED)
def test_headline_cells_of_every_territory_match_indicators_parquet(demo_tables, raw, code):
    t = load_territory(code, tables=demo_tables)
    meta = indicator_metadata()
    shown = [i for i in headline_indicators() if ((raw.territory_code == code) & (raw.indicator == i)).any()]
    assert set(headline_indicators()) - set(shown) <= {"poverty_rate"}  # secret Filosofi cells: no row at all
    table = comparison_table(t, headline_indicators())
    assert len(table) == len(shown)
    for ind, cells in zip(shown, table.itertuples(index=False)):
        r, m = _raw(raw, code, ind), meta[ind]
        d = m["decimals"]
        assert cells.Période == r.period
        if r.small_count:
            assert cells.Territoire == MASKED and cells.Effectif == f"<{N}11"
            continue
        if math.isnan(r.value):  # a DSR on zero deaths: not masked (0 is publishable), but no rate
            # (life expectancy under 5 000 person-years, issue 17: no count shown, it is not count-based)
            assert (cells.Territoire, cells.Effectif) == ("–", "0" if m["count_based"] else "") and cells[-1] == MASKED
            continue
        number, _, interval = cells.Territoire.partition(" [")
        assert parse_fr_number(number.removesuffix(f"{N}%").removesuffix(f"{N}€").removesuffix(f"{N}‰")) == round(
            r.value, d
        )
        if math.isnan(r.ci_low):
            assert interval == ""
        else:
            assert interval == f"{_fr(r.ci_low, d)}{N}–{N}{_fr(r.ci_high, d)}]"
        assert cells.Effectif == (_fr(r.numerator, 0) if m["count_based"] else "")
        assert parse_fr_number(cells.France.rstrip("%€‰")) == round(r.value_france, d)


def test_category_table_in_the_order_of_its_labels(nord):
    table = category_table(nord, "care_spending_per_capita", ITEM_LABELS)
    assert list(table.columns) == ["Catégorie", "Territoire", "Hautes-Brumes", REGION, "France"]
    assert table.values.tolist() == [
        ["Soins de ville", f"644{N}€", f"641{N}€", f"593{N}€", f"555{N}€"],
        ["Médicaments", f"425{N}€", f"423{N}€", f"397{N}€", f"370{N}€"],
        ["Hôpital", f"972{N}€", f"969{N}€", f"889{N}€", f"832{N}€"],
        ["Autres (dispositifs, transports…)", f"107{N}€", f"106{N}€", f"99{N}€", f"92{N}€"],
        ["Total", f"2{T}147{N}€", f"2{T}139{N}€", f"1{T}978{N}€", f"1{T}850{N}€"],
    ]


def test_category_table_without_labels_sorts_categories_and_names_the_total(nord):
    table = category_table(nord, "equipment_elderly_rate")
    assert table.values.tolist() == [
        ["EHPAD", f"76,6{N}‰", f"72,3{N}‰", f"94,9{N}‰", f"97,0{N}‰"],
        ["Résidence autonomie", f"16,5{N}‰", f"14,7{N}‰", f"16,9{N}‰", f"18,0{N}‰"],
        ["SSIAD", f"16,3{N}‰", f"14,5{N}‰", f"16,7{N}‰", f"19,5{N}‰"],
        ["Total", f"109,4{N}‰", f"101,6{N}‰", f"128,5{N}‰", f"134,5{N}‰"],
    ]


def test_category_table_keeps_the_latest_period_and_hides_masked_values(nord, vallons):
    # CSS has six years: one line, 2023
    assert category_table(nord, "css_rate", CSS_PARTS).values.tolist() == [
        ["Ensemble des bénéficiaires", f"13,5{N}%", f"13,2{N}%", f"11,4{N}%", f"9,1{N}%"]
    ]
    assert category_table(vallons, "css_rate").values.tolist() == [["Total", "–", f"10,2{N}%", f"11,4{N}%", f"9,1{N}%"]]


CSV_COLUMNS = [
    "territoire",
    "nom",
    "indicateur",
    "libelle",
    "sexe",
    "categorie",
    "periode",
    "unite",
    "valeur",
    "ic95_bas",
    "ic95_haut",
    "valeur_departement",
    "valeur_region",
    "valeur_france",
    "effectif",
    "denominateur",
    "methode",
    "niveau_valeur",
    "ecart_departement",
    "ecart_region",
    "ecart_france",
    "secret_statistique",
]


def test_csv_table_rows_are_rounded_as_displayed(nord, raw):
    csv = csv_table(nord)
    assert list(csv.columns) == CSV_COLUMNS
    assert (
        len(csv) == (raw.territory_code == "TS-NORD").sum() == 64 + 82 + 15 + 22
    )  # + health (17), primary care (18), social (19)
    icm = csv[(csv.indicateur == "mortality_icm") & (csv.sexe == "ensemble")].iloc[0]
    assert icm.drop(["methode"]).tolist() == [
        "TS-NORD",
        "Territoire de santé des Brumes du Nord",
        "mortality_icm",
        "Indice comparatif de mortalité (ICM)",
        "ensemble",
        "total",
        "2019-2023",
        "indice (France = 100)",
        122.0,
        120.0,
        124.0,
        122.0,
        110.0,
        100.0,
        "10443",
        "8551,08",
        "territoire",
        "pas de différence significative",
        "supérieur",
        "supérieur",
        "",
    ]
    css = csv[(csv.indicateur == "css_rate") & (csv.periode == "2023")].iloc[0]
    assert (css.valeur, css.ic95_bas, css.ic95_haut, css.valeur_france) == (13.5, 13.3, 13.6, 9.1)
    assert (css.effectif, css.denominateur) == ("23194", "172383")
    spending = csv[(csv.indicateur == "care_spending_per_capita") & (csv.categorie == "autres")].iloc[0]
    assert spending.valeur == 107.0 and np.isnan(spending.ic95_bas) and spending.effectif == "18385640,56"


def test_csv_values_are_the_parquet_values_rounded(nord, raw):
    meta = indicator_metadata()
    mine = raw[raw.territory_code == "TS-NORD"]
    csv = csv_table(nord)
    decimals = mine.indicator.map(lambda i: meta[i]["decimals"]).to_numpy()
    for src, dst in (("value", "valeur"), ("ci_low", "ic95_bas"), ("value_france", "valeur_france")):
        hidden = mine.small_count.to_numpy() & (src != "value_france")  # masked rows: no figure
        expected = [round(v, int(d)) if v == v and not h else np.nan for v, d, h in zip(mine[src], decimals, hidden)]
        np.testing.assert_array_equal(csv[dst].to_numpy(float), np.array(expected, dtype=float))


def test_csv_table_of_masked_rows(vallons):
    csv = csv_table(vallons)
    masked = csv[csv.secret_statistique != ""]
    assert len(masked) == 62 and set(masked.secret_statistique) == {MASKED}  # 27 before issues 17 and 19
    assert set(masked.effectif) == {f"<{N}11"} and masked.valeur.isna().all() and masked.ic95_haut.isna().all()
    assert set(masked.ecart_france) == {"non calculable"}
    icm = masked[(masked.indicateur == "mortality_icm") & (masked.sexe == "ensemble")].iloc[0]
    assert (icm.denominateur, icm.valeur_departement, icm.valeur_region) == ("10,36", 92.0, 110.0)
    shown = csv[csv.secret_statistique == ""]
    assert not shown.effectif.str.startswith("<").any()


def test_csv_export_is_excel_ready(nord):
    export = csv_export(nord)
    assert export.text.startswith("\ufeffterritoire;nom;indicateur;")
    lines = export.text[1:].split("\n")
    assert lines[0] == ";".join(CSV_COLUMNS) and lines[-1] == "" and len(lines) == 64 + 82 + 15 + 22 + 2
    icm = next(x for x in lines if ";mortality_icm;" in x and ";ensemble;" in x)
    assert icm.startswith(
        "TS-NORD;Territoire de santé des Brumes du Nord;mortality_icm;Indice comparatif de mortalité (ICM);ensemble;"
        "total;2019-2023;indice (France = 100);122,0;120,0;124,0;122,0;110,0;100,0;10443;8551,08;"
    )
    assert (export.rows, export.title) == (
        64 + 82 + 15 + 22,
        "Diagnostic de santé – Territoire de santé des Brumes du Nord",
    )
    bundle, meta = export._repr_mimebundle_()
    assert bundle["text/csv"] == export.text
    assert bundle["text/plain"] == "Fichier CSV du rapport : 183 lignes (écrit par run_all.py)"
    assert meta == {"text/csv": {"report_title": export.title}}


def test_methods_table_has_every_indicator_and_the_territory_years(nord):
    meta = indicator_metadata()
    plain = methods_table()
    assert list(plain.columns) == [
        "Famille",
        "Indicateur",
        "Définition",
        "Numérateur",
        "Dénominateur",
        "Unité",
        "Méthode",
        "Source",
    ]
    assert plain["Indicateur"].tolist() == [m["label"] for m in meta.values()]
    table = methods_table(nord).set_index("Indicateur")
    assert list(table.columns) == [
        "Famille",
        "Définition",
        "Numérateur",
        "Dénominateur",
        "Unité",
        "Années",
        "Méthode",
        "Source",
    ]
    assert table.loc["Population", "Dénominateur"] == "–"  # no denominator in metadata
    assert table.loc["Population", "Années"] == "2023"
    assert table.loc["Indice comparatif de mortalité (ICM)", "Années"] == "2019-2023"
    assert table.loc["Bénéficiaires de la CSS (ex CMU-C)", "Années"] == "2018 à 2023"
    assert table.loc["ICM sur trois ans glissants", "Années"] == "2018-2020 à 2021-2023"
    assert table.loc["Indice comparatif de mortalité (ICM)", "Unité"] == "indice (France = 100)"


def test_methods_table_marks_indicators_absent_from_the_territory(demo_tables):
    ind = demo_tables["indicators"]
    tables = _tables_with(
        demo_tables, indicators=ind[~((ind.territory_code == "TS-NORD") & (ind.indicator == "css_rate"))]
    )
    table = methods_table(load_territory("TS-NORD", tables=tables)).set_index("Indicateur")
    assert table.loc["Bénéficiaires de la CSS (ex CMU-C)", "Années"] == "–"


def test_header_names_the_territory_its_comparators_and_the_rule(nord, demo_tables):
    html = report.header_html(nord, "01/02/2025")
    assert html.startswith(
        '<header class="report-header"><p class="kind">Territoire de santé</p>'
        "<h1>Territoire de santé des Brumes du Nord</h1>"
        f'<p class="facts">62 communes · 172{T}383 habitants au 1er janvier 2023 · comparé à : Hautes-Brumes, '
        f"{REGION} et France</p>"
        '<p class="facts">Données : mortalité 2019-2023, CSS 2023, dépenses et équipement 2023 · document généré le '
        "01/02/2025</p>"
    )
    assert html.endswith("Secret statistique : aucun effectif de 1 à 10 n&#39;est publié.</p></header>")
    # a département is not compared with itself
    dep = report.header_html(load_territory("DEP-961", tables=demo_tables), "01/02/2025")
    assert f"comparé à : {REGION} et France</p>" in dep


def test_notes_of_the_methods_annex(nord, demo_tables):
    assert report.disclosure_note(nord).startswith(
        '<div class="note"><p><strong>Secret statistique</strong> : aucun effectif de 1 à 10 n&#39;est publié ;'
    )
    assert "une année isolée compte moins de 11 décès).</p></div>" in report.disclosure_note(nord)
    assert report.deaths_basis_note(nord) == (
        '<div class="note"><p>Les décès sont comptés au domicile des personnes décédées '
        "(commune de résidence).</p></div>"
    )
    tables = _tables_with(demo_tables, sources=demo_tables["sources"].assign(deaths_basis="lieu de décès"))
    place = report.deaths_basis_note(load_territory("TS-NORD", tables=tables))
    assert place.startswith('<div class="note warning"><p>Attention : les décès sont comptés là où ils ont eu lieu')
    sources = report.sources_note(nord)
    assert "la population de la France au 1er janvier de la dernière année de la période (deux sexes)" in sources
    assert '<a href="TS-NORD.csv">TS-NORD.csv</a>' in sources


def test_targets_of_a_contract(demo_tables, nord):
    assert report.targets_html(nord) == ""  # no contract, no target
    vallons = report.targets_html(load_territory("CLS-VALLONS", tables=demo_tables))
    assert vallons == "<h2>Suivi des objectifs</h2><p>Contrat local de santé (CLS), en cours d&#39;élaboration.</p>"
    brumes = report.targets_html(load_territory("CLS-BRUMES", tables=demo_tables))
    assert brumes.startswith(
        "<h2>Suivi des objectifs</h2><p>Contrat local de santé (CLS), signé, du 01/06/2021 au 31/05/2026.</p>"
        '<div class="table-wrap"><table class="data"><caption>Objectifs du contrat</caption>'
    )
    assert (
        "<tr><td>Bénéficiaires de la CSS (ex CMU-C)</td>"
        "<td>2018 : 8,6 ; 2019 : 8,8 ; 2020 : 8,8 ; 2021 : 9,0 ; 2022 : 10,1 ; 2023 : 10,3</td>"
        f"<td>2018 : 8,6{N}% [8,0{N}–{N}9,2]</td><td>2023 : 10,3{N}% [9,6{N}–{N}10,9]</td>"
        "<td>baisse (2025)</td><td>+1,7</td><td>en recul</td></tr>"
    ) in brumes
    assert "<td>115 (2026)</td><td>+1</td><td>pas d&#39;évolution significative</td>" in brumes


def test_contract_text():
    c = pd.Series({"contract": "CLSM", "status": "signé", "start": "2022-03-01", "end": ""})
    assert contract_text(c) == "Conseil local de santé mentale (CLSM), signé, du 01/03/2022"
    c = pd.Series({"contract": "CPOM", "status": "échu", "start": "", "end": "2020-12-31"})
    assert contract_text(c) == "Contrat pluriannuel d'objectifs et de moyens (CPOM), échu au 31/12/2020"


def test_establishments_table(demo_tables):
    t = load_territory("200096003", tables=demo_tables)
    assert report.establishments_table(t).values.tolist() == [
        [
            "Foyer De Vie Falville-Sur-Nacre",
            "Falville-sur-Nacre",
            "adultes handicapés",
            "Foyer de vie",
            "960000188",
            "31",
        ]
    ]
    nacre = report.establishments_table(load_territory("ASV-NACRE", tables=demo_tables))
    places = demo_tables["finess_places"]
    mine = places[places.commune.isin(["96301", "96302"])]
    assert len(nacre) == len(mine) == 49
    assert sum(int(p.replace(T, "")) for p in nacre["Places installées"]) == mine.places.sum()
