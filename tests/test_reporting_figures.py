"""The report's figures on demo territories: an <img> with an SVG data URI, an alt text that names
each value shown (checked against indicators.parquet), the caption."""

import base64
import html
import re

import numpy as np
import pandas as pd
import pytest
from report_text import page_channels

from diagnostics.indicators.metadata import headline_indicators, indicator_metadata
from diagnostics.reporting import figures
from diagnostics.reporting.territory import load_territory

N, T = "\u00a0", "\u202f"
MASKED = "non calculable (effectif trop faible)"
NORD = "Territoire de santé des Brumes du Nord"
REGION = "Région de Val-Brumeux (fictive)"
FIGURES = [
    "spine",
    "pyramid",
    "mortality_by_sex",
    "region_ranking",
    "css_trend",
    "icm_trend",
    "spending_by_item",
    "equipment_by_family",
    "region_map",
    "establishments_map",
]
WIDE = {"spine", "mortality_by_sex", "region_ranking"}


def _fr(v, d=0):
    """An independent French rendering, to check the texts against the parquet numbers."""
    return f"{v:,.{d}f}".replace(",", T).replace(".", ",")


def _figure(page):
    """(svg text, alt, caption, wide) of a figure fragment."""
    m = re.fullmatch(
        r'<figure( class="wide")?><div class="figure-frame"><img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
        r'alt="([^"]*)"/></div>(?:<figcaption>(.*?)</figcaption>)?</figure>',
        page,
        flags=re.S,
    )
    assert m, page[:200]
    svg = base64.b64decode(m.group(2)).decode("utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    return svg, html.unescape(m.group(3)), html.unescape(m.group(4) or ""), bool(m.group(1))


@pytest.fixture(scope="module")
def raw(demo_processed):
    return pd.read_parquet(demo_processed / "indicators.parquet")


@pytest.fixture(scope="module")
def territories(demo_tables):
    return {c: load_territory(c, tables=demo_tables) for c in ("TS-NORD", "CLS-VALLONS", "DEP-961", "ASV-NACRE")}


@pytest.fixture(scope="module")
def drawn(territories):
    """Each figure of each territory, drawn once for the module."""
    cache = {}

    def get(name, code="TS-NORD"):
        if (name, code) not in cache:
            cache[name, code] = getattr(figures, name)(territories[code])
        return cache[name, code]

    return get


def _raw(raw, code, indicator, sex="ensemble", category="total", period=None):
    d = raw[(raw.territory_code == code) & (raw.indicator == indicator) & (raw.sex == sex) & (raw.category == category)]
    d = d.sort_values("period")
    return d.iloc[-1] if period is None else d[d.period == period].iloc[0]


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_an_embedded_svg_with_alt_text_and_caption(drawn, name):
    svg, alt, caption, wide = _figure(drawn(name))
    assert len(alt) > 40 and len(caption) > 40
    assert wide == (name in WIDE)
    assert "<text" in svg  # real text, not paths: searchable and sharp


def test_spine_alt_names_every_headline_value(drawn):
    svg, alt, caption, _ = _figure(drawn("spine"))
    assert alt == (
        "Graphique de synthèse. "
        "Indice comparatif de mortalité (ICM) : 122 (France 100), significativement pire que la France ; "
        f"Taux standardisé de mortalité : 1{T}160 (France 941), significativement pire que la France ; "
        "ICM prématuré (< 65 ans) : 133 (France 100), significativement pire que la France ; "
        "Taux standardisé de mortalité prématurée (< 65 ans) : 248 (France 183), "
        "significativement pire que la France ; "
        f"Bénéficiaires de la CSS (ex CMU-C) : 13,5{N}% (France 9,1{N}%), significativement pire que la France ; "
        f"Part des 75 ans et plus : 11,0{N}% (France 10,3{N}%), significativement supérieur (ni meilleur ni pire) ; "
        f"Dépense de soins remboursée par habitant : 2{T}147{N}€ (France 1{T}850{N}€), "
        "non testé (données exhaustives) ; "
        "Indice de dépense à âge égal : 113 (France 100), non testé (données exhaustives) ; "
        f"Équipement pour personnes âgées : 109,4{N}‰ (France 134,5{N}‰), non testé (données exhaustives) ; "
        f"Équipement pour enfants handicapés : 10,7{N}‰ (France 9,3{N}‰), non testé (données exhaustives) ; "
        f"Équipement pour adultes handicapés : 9,8{N}‰ (France 8,1{N}‰), non testé (données exhaustives) ; "
        # issue 17
        "Espérance de vie à la naissance : 80,5 (France 83,1), significativement pire que la France ; "
        "Mortalité évitable (avant 75 ans) : 246 (France 179), significativement pire que la France ; "
        "ICM – Maladies cardio-neuro-vasculaires : 158 (France 100), significativement pire que la France ; "
        "Médecins généralistes libéraux : 94 (France 95), non testé (données exhaustives) ; "
        "Accessibilité aux médecins généralistes (APL) : 93 (France 95), non testé (données exhaustives) ; "
        f"Taux de chômage des 15-64 ans : 18,2{N}% (France 12,5{N}%), significativement pire que la France ; "
        f"Taux de pauvreté : 21,2{N}% (France 14,5{N}%), non testé (données exhaustives)"
    )
    assert caption.startswith(
        "Chaque ligne compare le territoire (symbole coloré, et l'écart en toutes lettres à droite)"
    )
    text = page_channels(drawn("spine"))["svg"]
    for label in (
        "Indice comparatif de mortalité (ICM) 122 100 pire",
        f"13,5{N}% 9,1{N}% pire",
        "Part des 75 ans et plus 11,0",
    ):
        assert label in text


@pytest.mark.parametrize("code", ["TS-NORD", "CLS-VALLONS", "DEP-961"])
def test_spine_values_are_the_parquet_values(drawn, raw, code):
    meta = indicator_metadata()
    _, alt, _, _ = _figure(drawn("spine", code))
    suffix = {"%": f"{N}%", "€ par habitant": f"{N}€", "places pour 1 000": f"{N}‰"}
    for ind in headline_indicators():
        if not ((raw.territory_code == code) & (raw.indicator == ind)).any():  # Filosofi secret: no poverty rate
            assert f"{meta[ind]['label']} :" not in alt and ind == "poverty_rate" and code == "CLS-VALLONS"
            continue
        r, m = _raw(raw, code, ind), meta[ind]
        shown = "–" if r.small_count or r.value != r.value else _fr(r.value, m["decimals"]) + suffix.get(m["unit"], "")
        france = _fr(r.value_france, m["decimals"]) + suffix.get(m["unit"], "")
        assert f"{m['label']} : {shown} (France {france}), " in alt


def test_spine_of_masked_values_says_not_computable(drawn, territories):
    rows = figures.spine_rows(territories["CLS-VALLONS"]).set_index("label")
    icm = rows.loc["Indice comparatif de mortalité (ICM)"]
    assert (icm.value_text, icm.judgement) == ("–", "non calculable") and np.isnan(icm.pos_value)
    _, alt, _, _ = _figure(drawn("spine", "CLS-VALLONS"))
    assert "Indice comparatif de mortalité (ICM) : – (France 100), non calculable (effectif trop faible) ;" in alt
    # ICM, DSR, DSR < 65, CSS; issue 17: life expectancy, avoidable mortality, cardio ICM; issue 19: unemployment
    assert page_channels(drawn("spine", "CLS-VALLONS"))["svg"].count(MASKED) == 8


def test_spine_positions_centre_france_and_scale_on_the_farthest_area(territories, raw, demo_tables):
    rows = figures.spine_rows(territories["TS-NORD"]).set_index("label")
    icm = rows.loc["Indice comparatif de mortalité (ICM)"]
    terr = demo_tables["territories"]
    codes = terr.loc[terr.reported & (terr.region_code == "REG-96"), "territory_code"].unique()
    peers = np.array(
        [
            v
            for c in codes
            if (v := _raw(raw, c, "mortality_icm").value) == v and not _raw(raw, c, "mortality_icm").small_count
        ]
    )
    assert len(peers) == 12  # 13 reported, CLS-VALLONS masked
    own = _raw(raw, "TS-NORD", "mortality_icm")
    spread = np.abs(np.concatenate([peers, [own.value, own.value_region, own.value_departement]]) - 100).max()

    def pos(v):
        return 0.5 + (v - 100) / spread * 0.48

    assert icm.pos_value == pytest.approx(pos(own.value))
    assert icm.pos_region == pytest.approx(pos(own.value_region))
    assert icm.pos_departement == pytest.approx(pos(own.value_departement))
    assert (icm.pos_min, icm.pos_max) == (pytest.approx(pos(peers.min())), pytest.approx(pos(peers.max())))
    assert icm.pos_q1 == pytest.approx(pos(np.quantile(peers, 0.25)))
    assert icm.pos_q3 == pytest.approx(pos(np.quantile(peers, 0.75)))
    assert icm.pos_max == pytest.approx(0.98)  # CLS-BRUMES, the farthest from France
    # every position within the drawing area, France in its middle
    numbers = rows[["pos_value", "pos_region", "pos_departement", "pos_min", "pos_max"]].to_numpy(float)
    assert np.nanmin(numbers) >= 0.02 - 1e-9 and np.nanmax(numbers) <= 0.98 + 1e-9


def test_spine_row_of_a_departemental_value(demo_tables):
    ind = demo_tables["indicators"].copy()
    ind.loc[(ind.territory_code == "TS-NORD") & (ind.indicator == "css_rate"), "level"] = "département"
    tables = {k: v for k, v in demo_tables.items() if k != "published"} | {"indicators": ind}
    rows = figures.spine_rows(load_territory("TS-NORD", tables=tables))
    assert "Bénéficiaires de la CSS (ex CMU-C) (valeur départementale)" in set(rows.label)


def test_pyramid_alt_gives_the_share_of_the_75_and_over(drawn, demo_tables, raw):
    _, alt, caption, _ = _figure(drawn("pyramid"))
    pop = demo_tables["population"]
    terr = demo_tables["territories"]
    local = pop[(pop.year == 2023) & pop.commune.isin(terr.loc[terr.territory_code == "TS-NORD", "commune"])]
    share = (
        local.loc[local.age_band.isin(["75-79", "80-84", "85-89", "90-94", "95+"]), "population"].sum()
        / local["population"].sum()
    )
    assert share * 100 == pytest.approx(_raw(raw, "TS-NORD", "share_75_plus").value)
    assert alt == (
        f"Pyramide des âges 2023 de {NORD} comparée à celle de la France ; {_fr(share * 100, 1)}{N}% des habitants "
        "ont 75 ans ou plus."
    )
    assert _fr(share * 100, 1) == "11,0"
    assert caption == f"Pyramide des âges au 1er janvier 2023 (barres : {NORD} ; trait : France)."


def test_mortality_by_sex_alt_names_each_interval(drawn, raw):
    _, alt, caption, _ = _figure(drawn("mortality_by_sex"))
    title = (
        f"Indice comparatif de mortalité (ICM) par sexe, {NORD}, département et région, avec intervalles de "
        "confiance à 95 %"
    )
    parts = []
    for sex, sex_label in (("ensemble", "Ensemble"), ("hommes", "Hommes"), ("femmes", "Femmes")):
        for code, name in (("TS-NORD", NORD), ("DEP-961", "Hautes-Brumes"), ("REG-96", REGION)):
            r = _raw(raw, code, "mortality_icm", sex=sex)
            parts.append(f"{sex_label} – {name} : {_fr(r.value)} [{_fr(r.ci_low)}{N}–{N}{_fr(r.ci_high)}]")
    assert alt == f"{title}. " + " ; ".join(parts)
    assert parts[0] == f"Ensemble – {NORD} : 122 [120{N}–{N}124]"
    assert caption == title + " (trait pointillé : France)."


def test_mortality_by_sex_of_a_masked_territory_and_of_a_departement(drawn):
    _, alt, _, _ = _figure(drawn("mortality_by_sex", "CLS-VALLONS"))
    for sex in ("Ensemble", "Hommes", "Femmes"):
        assert f"{sex} – CLS des Hauts-Vallons : {MASKED} ;" in alt
    assert f"Ensemble – Val-d'Ombrelune : 92 [90{N}–{N}94]" in alt
    # a département is not drawn twice
    _, alt, _, _ = _figure(drawn("mortality_by_sex", "DEP-961"))
    assert alt.count("Hautes-Brumes :") == 3 and alt.count(f"{REGION} :") == 3


def test_region_ranking_lists_every_territory_from_highest_to_masked(drawn, raw, demo_tables):
    _, alt, caption, _ = _figure(drawn("region_ranking"))
    title = "Indice comparatif de mortalité (ICM) des territoires de la région, avec intervalles de confiance à 95 %"
    names = demo_tables["territories"].drop_duplicates("territory_code").set_index("territory_code")["territory_name"]
    terr = demo_tables["territories"]
    codes = terr.loc[terr.reported, "territory_code"].unique()
    rows = [_raw(raw, c, "mortality_icm") for c in codes]
    shown = sorted((r for r in rows if not r.small_count), key=lambda r: -r.value)
    parts = [f"{names[r.territory_code]} : {_fr(r.value)} [{_fr(r.ci_low)}{N}–{N}{_fr(r.ci_high)}]" for r in shown]
    parts += [f"{names[r.territory_code]} : {MASKED}" for r in rows if r.small_count]
    assert alt == f"{title}. " + " ; ".join(parts)
    assert len(parts) == 13 and parts[-1] == f"CLS des Hauts-Vallons : {MASKED}"
    assert caption == f"{title} ; {NORD} en gras."
    assert f"▶ {NORD}" in page_channels(drawn("region_ranking"))["svg"]


def test_ranking_rows_keep_the_extremes_and_the_neighbours_of_a_large_region():
    df = pd.DataFrame({"label": [f"T{i}" for i in range(40)], "value": np.arange(40.0)[::-1]})
    shown, note = figures.ranking_rows(df, "T20")
    assert list(shown.index) == list(range(10)) + list(range(15, 26)) + list(range(30, 40))
    assert note == (
        " ; 31 des 40 territoires : les 10 plus élevés, les 10 plus bas et les voisins de T20 dans le classement"
    )
    shown, _ = figures.ranking_rows(df, "T2")  # near the top: no duplicates
    assert list(shown.index) == list(range(10)) + list(range(30, 40))
    small, note = figures.ranking_rows(df.iloc[:31], "T20")
    assert small.equals(df.iloc[:31]) and note == ""


def test_css_trend_alt_gives_every_year(drawn, raw):
    _, alt, caption, _ = _figure(drawn("css_trend"))
    years = [_raw(raw, "TS-NORD", "css_rate", period=str(y)) for y in range(2018, 2024)]
    assert alt == "Évolution de la part de bénéficiaires de la CSS (ex CMU-C). " + " ; ".join(
        f"{r.period} : {_fr(r.value, 1)}{N}%" for r in years
    )
    assert alt.endswith(f"2023 : 13,5{N}%")
    assert caption.startswith("Part de la population couverte par la CMU-C puis la CSS, au 31 décembre")


def test_css_trend_alt_of_masked_years_says_not_computable(drawn):
    _, alt, _, _ = _figure(drawn("css_trend", "CLS-VALLONS"))
    assert "2018 : non calculable" in alt


def test_icm_trend_alt_gives_every_period(drawn, raw):
    _, alt, caption, _ = _figure(drawn("icm_trend"))
    periods = ["2018-2020", "2019-2021", "2020-2022", "2021-2023"]
    rows = [_raw(raw, "TS-NORD", "mortality_icm_trend", period=p) for p in periods]
    assert alt == "Évolution de l'indice comparatif de mortalité sur trois ans glissants. " + " ; ".join(
        f"{r.period.replace('-', '–')} : {_fr(r.value)} [{_fr(r.ci_low)}{N}–{N}{_fr(r.ci_high)}]" for r in rows
    )
    assert caption.startswith("Indice comparatif de mortalité par périodes de trois ans glissantes (France = 100")
    assert "2018–2020" in page_channels(drawn("icm_trend"))["svg"]  # period labels as ticks
    _, masked, _, _ = _figure(drawn("icm_trend", "CLS-VALLONS"))
    assert masked.endswith(
        "2018–2020 : non calculable ; 2019–2021 : non calculable ; 2020–2022 : non calculable ; "
        "2021–2023 : non calculable"
    )


def test_icm_trend_is_left_out_without_rows(demo_tables):
    ind = demo_tables["indicators"]
    tables = {k: v for k, v in demo_tables.items() if k != "published"} | {
        "indicators": ind[ind.indicator != "mortality_icm_trend"]
    }
    assert figures.icm_trend(load_territory("TS-NORD", tables=tables)) == ""


def test_spending_by_item_alt_gives_every_item(drawn, raw):
    _, alt, caption, _ = _figure(drawn("spending_by_item"))
    items = {
        "autres": "Autres (dispositifs, transports…)",
        "hopital": "Hôpital",
        "medicaments": "Médicaments",
        "soins_de_ville": "Soins de ville",
    }
    assert alt == "Dépense remboursée par habitant et par poste. " + " ; ".join(
        f"{label} : {_fr(_raw(raw, 'TS-NORD', 'care_spending_per_capita', category=c).value)}{N}€"
        for c, label in items.items()
    )
    assert "Total" not in alt
    assert caption == "Dépense remboursée par habitant, par poste de soins (montants bruts, non ajustés sur l'âge)."


def test_equipment_by_family_alt_gives_every_family(drawn, raw):
    _, alt, _, _ = _figure(drawn("equipment_by_family"))
    families = [
        ("Personnes âgées", "equipment_elderly_rate"),
        ("Enfance handicapée", "equipment_disabled_children_rate"),
        ("Adultes handicapés", "equipment_disabled_adults_rate"),
    ]
    assert alt == "Taux d'équipement médico-social. " + " ; ".join(
        f"{label} : {_fr(_raw(raw, 'TS-NORD', ind).value, 1)}{N}‰" for label, ind in families
    )
    assert alt.endswith(f"Adultes handicapés : 9,8{N}‰")


def test_region_map_of_the_territories_of_the_same_kind(drawn, raw):
    _, alt, caption, _ = _figure(drawn("region_map"))
    names = {
        "TS-CENTRE": "Territoire de santé Centre-Ombrelune",
        "TS-LITTORAL": "Territoire de santé Nacre-Littoral",
        "TS-NORD": NORD,
        "TS-SUD": "Territoire de santé Ombrelune-Sud",
    }
    reading = {
        "supérieur": "significativement pire que la France",
        "inférieur": "significativement meilleur que la France",
    }
    parts = []
    for code, name in names.items():
        r = _raw(raw, code, "mortality_icm")
        parts.append(f"{name} : {_fr(r.value)}, {reading[r.sig_france]}")
    assert alt == (
        "Carte des territoires de santé de la région selon l'indicateur « Indice comparatif de mortalité (ICM) » "
        "comparé à la France. " + " ; ".join(parts)
    )
    assert caption == (
        "Indice comparatif de mortalité (ICM) des territoires de santé de la région, comparé(e) à la France ; "
        f"contour noir : {NORD}."
    )
    assert (
        "Indice comparatif de mortalité (ICM), 2019-2023" in page_channels(drawn("region_map"))["svg"]
    )  # legend title


def test_region_map_of_a_masked_area_and_of_the_departements(drawn):
    _, alt, _, _ = _figure(drawn("region_map", "CLS-VALLONS"))
    assert alt.endswith(
        "CLS du Pays des Hautes-Brumes : 131, significativement pire que la France ; "
        "CLS des Hauts-Vallons : –, non calculable (effectif trop faible)"
    )
    # the only ASV of the région: the map shows the départements
    _, alt, caption, _ = _figure(drawn("region_map", "ASV-NACRE"))
    assert alt.startswith("Carte des départements de la région selon l'indicateur")
    assert "Hautes-Brumes : 122, significativement pire que la France ; Val-d'Ombrelune : 92," in alt
    assert caption.endswith("contour noir : ASV de l'agglomération de Nacre.")


def test_map_areas_and_their_limit(territories, monkeypatch):
    assert figures._map_areas(territories["TS-NORD"]) == (
        ["TS-NORD", "TS-CENTRE", "TS-SUD", "TS-LITTORAL"],
        "territoire de santé",
    )
    assert figures._map_areas(territories["ASV-NACRE"]) == (["DEP-961", "DEP-962", "DEP-963"], "département")
    # too many for one map: those of the territory's département, here only itself, so the départements
    monkeypatch.setattr(figures, "MAP_MAX_AREAS", 3)
    assert figures._map_areas(territories["TS-NORD"]) == (["DEP-961", "DEP-962", "DEP-963"], "département")


def test_region_map_without_own_outline_outlines_the_departement(demo_tables):
    shapes = demo_tables["territory_shapes"]
    tables = dict(demo_tables, territory_shapes=shapes[shapes.territory_code != "TS-NORD"])
    page = figures.region_map(load_territory("TS-NORD", tables=tables))
    _, alt, caption, _ = _figure(page)
    assert caption.endswith(f"contour noir : Hautes-Brumes (département de {NORD}).")
    assert NORD not in alt  # no outline, not on the map


def test_maps_without_any_outline_say_so(demo_tables):
    tables = dict(demo_tables, territory_shapes=demo_tables["territory_shapes"].iloc[:0])
    t = load_territory("TS-NORD", tables=tables)
    assert figures.region_map(t) == (
        '<p class="note">Carte non disponible : aucun fond de carte (contours des communes ou des départements) '
        "n&#39;a été fourni avec les données.</p>"
    )
    assert figures.establishments_map(t) == ""


def test_establishments_map_alt_counts_each_family(drawn, demo_tables, territories):
    _, alt, caption, _ = _figure(drawn("establishments_map"))
    # the families of finess_categories.csv (DREES), by FINESS category
    families = {
        "personnes âgées": ["500", "202", "354", "209", "207"],
        "enfance handicapée": ["183", "186", "188", "192", "194", "195", "182"],
        "adultes handicapés": ["255", "437", "246", "252", "382", "445", "446"],
    }
    places = demo_tables["finess_places"]
    mine = places[places.commune.isin(territories["TS-NORD"].communes) & (places.places > 0) & places.lon.notna()]
    family = mine.category.map({c: f for f, cats in families.items() for c in cats})
    mine, family = mine[family.notna()], family[family.notna()]
    counts = ", ".join(
        f"{f} : {(family == f).sum()} établissement(s), {_fr(mine.places[family == f].sum())} places"
        for f in ("personnes âgées", "enfance handicapée", "adultes handicapés")
    )
    assert alt == f"Carte des établissements médico-sociaux de {NORD} ({counts})."
    assert counts.startswith(f"personnes âgées : 32 établissement(s), 2{T}077 places")
    assert caption.startswith("Établissements médico-sociaux du territoire (FINESS, coordonnées géocodées)")


def test_establishments_map_is_left_out_without_establishments_or_coordinates(drawn, demo_tables):
    assert drawn("establishments_map", "CLS-VALLONS") == ""  # no establishment in its communes
    tables = dict(demo_tables, finess_places=demo_tables["finess_places"].drop(columns=["lon", "lat"]))
    assert figures.establishments_map(load_territory("TS-NORD", tables=tables)) == ""
