"""The section « Contexte social et inégalités de santé » on demo territories: cells, sentences and figures
checked against the processed tables; estimates flagged, secret quintiles and territories without FDep said;
the synthesis line, the FDep's weights in the methods annex, the regional overview's gradient."""

import base64
import re

import pytest

from diagnostics.reporting import social_overview
from diagnostics.reporting import social_section as s
from diagnostics.reporting.territory import load_territory

N, T = "\u00a0", "\u202f"


@pytest.fixture(scope="module")
def nord(demo_tables):
    return load_territory("TS-NORD", tables=demo_tables)


@pytest.fixture(scope="module")
def vallons(demo_tables):
    return load_territory("CLS-VALLONS", tables=demo_tables)


def _svg(html: str) -> str:
    return base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)).decode("utf-8")


def _alt(html: str) -> str:
    return re.search(r'alt="([^"]*)"', html).group(1)


def _value(t, indicator, code=None, category="total"):
    return t.value_row(indicator, category=category, code=code)


def test_context_table_cells_with_source_vintage_and_the_estimate_flagged(nord):
    table = s.context_table(nord).set_index("Indicateur")
    assert list(table.index) == [
        "Taux de chômage des 15-64 ans",
        "Taux de pauvreté",
        "Niveau de vie médian",
        "Part des ouvriers parmi les actifs",
        "Part des sans diplôme (15 ans ou plus non scolarisés)",
        "Part des bacheliers (15 ans ou plus non scolarisés)",
        "Part des familles monoparentales",
        "Part des 80 ans ou plus vivant seuls",
    ]
    unemployment = _value(nord, "unemployment_rate")
    assert table.loc["Taux de chômage des 15-64 ans"].tolist() == [
        "Recensement 2021 (enquêtes 2019-2023)",
        f"{unemployment.value:.1f}{N}% [{unemployment.ci_low:.1f}{N}–{N}{unemployment.ci_high:.1f}]".replace(".", ","),
        f"17,5{N}%",
        f"13,1{N}%",
        f"12,5{N}%",
        "significativement pire",
    ]
    # the median of three EPCI is an estimate (*), their poverty rate an exact aggregate (no star)
    assert table.loc["Niveau de vie médian", "Territoire"] == f"20{T}130{N}€{N}*"
    assert table.loc["Taux de pauvreté", "Territoire"] == f"21,2{N}%"
    assert table.loc["Niveau de vie médian", "France"] == f"22{T}400{N}€"
    notes = s.context_notes(nord)
    assert "Niveau de vie médian (*) : Filosofi 2021, moyenne des médianes de 3 EPCI" in notes
    assert "Taux de pauvreté : Filosofi 2021, taux de pauvreté de 3 EPCI agrégé" in notes


def test_plain_sentences_say_the_reading(nord):
    assert s.context_sentence(nord, "unemployment_rate") == (
        f"Taux de chômage des 15-64 ans : 18,2{N}%, significativement au-dessus de la France (12,5{N}%)."
    )
    assert (
        s.context_sentence(nord, "poverty_rate")
        == f"Taux de pauvreté : 21,2{N}%, 6,7 points au-dessus de la France (14,5{N}%)."
    )
    assert s.context_sentence(nord, "median_income") == (
        f"Niveau de vie médian (estimation) : 20{T}130{N}€, 10{N}% au-dessous de la France (22{T}400{N}€)."
    )


def test_a_territory_of_secret_communes_has_no_income_and_says_why(vallons):
    table = s.context_table(vallons)
    assert "Niveau de vie médian" not in set(table["Indicateur"]) and "Taux de pauvreté" not in set(table["Indicateur"])
    notes = s.context_notes(vallons)
    assert (
        "Niveau de vie médian : non disponible pour ce territoire (aucune de ses 4 communes n&#39;a de valeur publiée"
        in notes
    )
    html = s.deprivation_html(vallons)
    assert "Aucune des 4 communes du territoire n&#39;a d&#39;indice FDep" in html
    assert (
        "4 communes de CLS des Hauts-Vallons selon leur quintile de défavorisation : Sans FDep (secret statistique) : 4"
        in html
    )
    assert s.synthesis_html(vallons).count("Défavorisation sociale") == 1  # 0 % in Q5 and in Q1, said


def test_quintile_chart_and_map_show_the_parquet_figures(nord, demo_tables):
    chart = s.quintile_chart(nord)
    shares = s.quintile_shares(nord, "TS-NORD")
    assert shares == [pytest.approx(_value(nord, f"share_population_fdep_q{k}").value) for k in range(1, 6)]
    assert sum(shares) == pytest.approx(100 - 0.0, abs=1.0)  # one small commune without FDep
    alt = _alt(chart)
    assert alt.startswith("Répartition de la population selon le quintile de défavorisation (FDep) de sa commune. ")
    assert f"Territoire de santé des Brumes du Nord : Q1 3{N}%, Q2 3{N}%, Q3 3{N}%, Q4 24{N}%, Q5 67{N}%" in alt
    assert f"Région de Val-Brumeux (fictive) : Q1 20{N}%, Q2 20{N}%, Q3 20{N}%, Q4 15{N}%, Q5 25{N}%" in alt
    deprivation = demo_tables["deprivation"].set_index("commune").loc[nord.communes]
    counts = deprivation["quintile"].value_counts(dropna=False)
    alt = _alt(s.deprivation_map(nord))
    for k in range(1, 6):
        assert f"{s.QUINTILE_NAMES[k]} : {counts.get(k, 0)}" in alt or counts.get(k, 0) == 0
    assert f"Sans FDep (secret statistique) : {int(deprivation['quintile'].isna().sum())}" in alt
    assert alt.startswith(f"Carte des {len(nord.communes)} communes de Territoire de santé des Brumes du Nord")


def test_gradient_chart_draws_the_published_quintiles_only(nord, demo_tables):
    ind = nord.all_indicators
    areas = [("TS-NORD", "T", 0), ("DEP-961", "D", 1), ("REG-96", "R", 2)]
    html = s.gradient_chart(ind, areas, "mortality_icm", "Mortalité générale")
    alt = _alt(html)
    assert "T :" not in alt  # its quintiles are masked (secret statistique): not drawn
    region = s.gradient_rows(ind, "REG-96", "mortality_icm")
    assert len(region) == 5 and not region.small_count.any()
    for r in region.itertuples():
        assert f"Q{r.quintile} {round(r.value):.0f} [" in alt.split("R :")[1]
    svg = _svg(html)
    assert svg.count('class="interval"') == 10  # five quintiles, two areas
    assert 'class="france"' in svg and "Q5" in svg and "(plus défavorisé)" in svg
    assert s.gradient_chart(ind, [("TS-NORD", "T", 0)], "premature_mortality_icm", "x") == ""


def test_gradient_table_sentences_and_notes(nord):
    html = s.gradient_html(nord)
    sii = _value(nord, "mortality_icm_sii")
    rii = _value(nord, "mortality_icm_rii")
    assert sii.value > 0 and rii.value > 1 and not sii.small_count
    assert (
        f"Mortalité générale : rapport entre l&#39;extrémité la plus défavorisée de la population et la moins "
        f"défavorisée (indice relatif) de {rii.value:.2f} ".replace(".", ",")
        in html
    )
    table = s.gradient_table(nord.all_indicators, [("TS-NORD", "T")])
    assert table["Indice de pente (SII)"].iloc[0] == (
        f"{sii.value:.1f} [{sii.ci_low:.1f}{N}–{N}{sii.ci_high:.1f}] points d'ICM".replace(".", ",")
    )
    le_sii = _value(nord, "life_expectancy_0_sii")
    assert le_sii.ci_low > 0  # the demo's deprived communes die younger
    assert table["Indice de pente (SII)"].iloc[2] == (
        f"{le_sii.value:.1f} [{le_sii.ci_low:.1f}{N}–{N}{le_sii.ci_high:.1f}] ans".replace(".", ",")
    )
    assert table["Lecture"].tolist() == ["mortalité significativement plus élevée chez les plus défavorisés"] * 2 + [
        "espérance de vie significativement plus courte chez les plus défavorisés"
    ]
    assert (
        f"{le_sii.value:.1f} an(s) [{le_sii.ci_low:.1f}{N}–{N}{le_sii.ci_high:.1f}] de moins pour ".replace(".", ",")
        in html
    )
    assert "les valeurs par quintile du territoire ne sont pas publiées (secret statistique" in html


def test_a_territory_without_the_five_quintiles_says_why(demo_tables):
    brumes = load_territory("CLS-BRUMES", tables=demo_tables)
    html = s.gradient_html(brumes)
    assert "gradient non calculé pour le territoire, ses communes ne couvrent pas les cinq quintiles" in html
    assert "Région de Val-Brumeux (fictive) :" in _alt(html)  # the région's gradient is shown instead


def test_synthesis_line_and_methods_note(nord, demo_tables):
    line = s.synthesis_html(nord)
    assert line == (
        '<ul class="key-messages"><li class="msg repere"><strong>Défavorisation sociale :</strong> '
        f"67{N}% des habitants vivent dans une commune du cinquième le plus défavorisé de la région "
        f"(indice FDep ; 20{N}% attendus), 3{N}% dans le cinquième le moins défavorisé. Taux de chômage des 15-64 "
        f"ans 18,2{N}% (France 12,5{N}%) ; taux de pauvreté 21,2{N}% (France 14,5{N}%).</li></ul>"
    )
    note = s.fdep_methods_html(nord)
    model = demo_tables["deprivation_model"]
    for r in model.itertuples():
        sign, loading = "+" if r.weight > 0 else "−", "+" if r.loading > 0 else "−"
        assert (
            f"{r.label} {sign}{abs(r.weight):.2f} (corrélation {loading}{abs(r.loading):.2f})".replace(".", ",") in note
        )
    assert f"Elle résume {round(100 * model.explained_variance.iloc[0]):.0f}{N}% de leur variance" in note
    assert "27 communes (0 habitants) sans FDep" not in note and "27 communes sans FDep car une donnée manque" in note


def test_the_overview_gives_the_gradient_and_the_territories_too_small(demo_tables):
    html = social_overview.regional_gradient_html(demo_tables)
    assert html.count("<figure") == 3  # ICM, premature ICM, life expectancy
    assert "Gradient non mesuré (territoire trop petit) : " in html
    assert "CLS des Hauts-Vallons : aucune de ses communes n&#39;a d&#39;indice FDep" in html
    assert "ASV de l&#39;agglomération de Nacre : ses communes ne couvrent pas les cinq quintiles" in html
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert {"Région de Val-Brumeux (fictive)", "Hautes-Brumes", "Territoire de santé des Brumes du Nord"} <= set(cells)
    assert "nan" not in html and f"38,2 [33,7{N}–{N}42,6] points d&#39;ICM" in cells  # the région's SII
    assert f"4,5 [3,9{N}–{N}5,1] ans" in cells  # 4,5 years of life expectancy between the ends of the région
