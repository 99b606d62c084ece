"""Readers of the official files as published (INSEE, FINESS, CNAM), with their real quirks."""

from pathlib import Path

import pandas as pd
import pytest

from diagnostics.demo.official_writers import (
    appartenance_workbook,
    census_long_csv,
    death_record,
    estimated_population_workbook,
)
from diagnostics.sources import RawDataError
from diagnostics.sources.census_population import read_census_population
from diagnostics.sources.commune_changes import read_cog_movements, resolve_aliases
from diagnostics.sources.estimated_population import read_estimated_population
from diagnostics.sources.geography import read_geography
from diagnostics.sources.insee_deaths import aggregate_death_files

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "formats" / "samples"


# --- INSEE estimations de population (estim-pop-dep-sexe-aq) -------------------------------------


def _estimates(years=(2021, 2020)):
    rows = []
    for year in years:
        for level, code, scale in [("DEP", "01", 1), ("DEP", "2A", 2), ("DEP", "971", 3), ("FRANCE", "FRANCE", 100)]:
            for sex in ("M", "F"):
                for i, band in enumerate(
                    [
                        "00-04",
                        "05-09",
                        "10-14",
                        "15-19",
                        "20-24",
                        "25-29",
                        "30-34",
                        "35-39",
                        "40-44",
                        "45-49",
                        "50-54",
                        "55-59",
                        "60-64",
                        "65-69",
                        "70-74",
                        "75-79",
                        "80-84",
                        "85-89",
                        "90-94",
                        "95+",
                    ]
                ):
                    rows.append((level, code, year, sex, band, float(scale * (100 + i + (sex == "F")) + year - 2020)))
    return pd.DataFrame(rows, columns=["level", "code", "year", "sex", "age_band", "population"])


def test_estimated_population_workbook_read_by_position(tmp_path):
    p = tmp_path / "estim-pop-dep-sexe-aq-1975-2021.xlsx"
    expected = _estimates()
    estimated_population_workbook(p, expected, {"01": "Ain", "2A": "Corse-du-Sud", "971": "Guadeloupe"})
    df = read_estimated_population(p)
    assert sorted(df["code"].unique()) == ["01", "2A", "971", "FRANCE"]  # 971 stored as a number in the sheet
    merged = df.merge(expected, on=["level", "code", "year", "sex", "age_band"], suffixes=("", "_expected"))
    assert len(merged) == len(expected) == len(df)
    assert (merged["population"] == merged["population_expected"]).all()
    assert (
        df.loc[(df.code == "2A") & (df.year == 2021) & (df.sex == "F") & (df.age_band == "95+"), "population"].item()
        == 2 * 120 + 1
    )


def test_estimated_population_total_mismatch_names_sheet_row_and_column(tmp_path):
    import openpyxl

    p = tmp_path / "estim-pop-dep-sexe-aq-1975-2021.xlsx"
    estimated_population_workbook(p, _estimates(), {})
    wb = openpyxl.load_workbook(p)
    wb["2020"]["E7"] = 999  # 2A, both sexes, 10-14: not read, reported
    wb.save(p)
    warnings = read_estimated_population(p).attrs["warnings"]
    assert (
        len(warnings) == 1
        and "ligne 7, colonne « E » : feuille « 2020 » : ensemble « 999 » ≠ hommes + femmes (410)" in warnings[0]
    )
    wb["2020"]["Z7"] = 999  # 2A, men, 10-14: read, so the men's total no longer adds up
    wb.save(p)
    with pytest.raises(RawDataError, match=r"ligne 7, colonne « AR » : feuille « 2020 » : la somme des tranches d'âge"):
        read_estimated_population(p)
    wb["2020"]["Z7"] = "n.d."
    wb.save(p)
    with pytest.raises(RawDataError, match=r"ligne 7, colonne « Z » : feuille « 2020 » : effectif « n.d. »"):
        read_estimated_population(p)


def test_a_csv_renamed_xlsx_is_refused_clearly(tmp_path):
    p = tmp_path / "estim-pop-dep-sexe-aq-1975-2021.xlsx"
    p.write_text("Départements;Ensemble\n01;3\n")
    with pytest.raises(RawDataError, match="n'est pas un classeur Excel .xlsx lisible"):
        read_estimated_population(p)


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/formats/samples absent")
def test_real_insee_estimates_workbook():
    df = read_estimated_population(SAMPLES / "insee_population" / "estim-pop-dep-sexe-aq-1975-2021_3sheets.xlsx")
    totals = df.groupby(["year", "level"])["population"].sum()
    assert totals[(2021, "FRANCE")] == totals[(2021, "DEP")] == 67_407_241  # INSEE, 1 January 2021 (provisional)
    assert df[df.level == "DEP"]["code"].nunique() == 101
    assert {"2A", "2B", "971", "976", "01"} <= set(df["code"])
    ain = df[(df.code == "01") & (df.year == 2021)]
    assert ain["population"].sum() == 662_244
    assert ain[(ain.sex == "M") & (ain.age_band == "00-04")]["population"].item() == 20_056
    correze = df[(df.code == "19") & (df.year == 2021) & (df.age_band == "65-69")]
    assert correze["population"].sum() == 8_535 + 9_366  # the both-sexes cell says 1: not used
    assert any("ligne 24, colonne « P » : feuille « 2021 » : ensemble « 1 »" in w for w in df.attrs["warnings"])


# --- INSEE fichier des personnes décédées ---------------------------------------------------------


def _deaths_dir(tmp_path, files: dict[str, list[str]], encoding="utf-8"):
    for name, lines in files.items():
        (tmp_path / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return [tmp_path / n for n in files]


def test_deaths_file_ages_unknown_dates_places_and_duplicates(tmp_path):
    r = death_record
    paths = _deaths_dir(
        tmp_path,
        {
            "deces-2021.txt": [
                r("DUPONT*JEAN PIERRE/", 1, "19500000", "01004", "20200701", "01004", "12"),  # born mid-1950: 70
                r("MARTIN*ÉLISE/", 2, "19810600", "99352", "20210614", "2A004", "7", "", "ALGERIE")
                + "déchets après 176",  # born 15 June: 39
                r("ROUX*LÉON/", 1, "00000000", "75056", "20210101", "75056", "8"),  # unknown age
                r("SMITH*JOHN/", 1, "19600101", "99404", "20210301", "99404", "9"),  # died abroad
                r("BERNARD*ANNE/", 2, "19300315", "97411", "20210314", "97411", "10"),  # day before her 91st birthday
            ],
            "deces-2020.txt": [
                r("DUPONT*JEAN/", 1, "19510101", "01004", "20200701", "01004", "12"),  # corrected in the 2021 file
                r("PETIT*LUC/", 1, "20200101", "01004", "20200101", "01004", "13"),  # died on his birth day: age 0
            ],
        },
    )
    df, summary = aggregate_death_files(paths)
    got = {(x.commune, x.year, x.sex, x.age_band): x.deaths for x in df.itertuples()}
    assert got == {
        ("01004", 2020, "M", "70-74"): 1,
        ("01004", 2020, "M", "00-04"): 1,
        ("2A004", 2021, "F", "35-39"): 1,
        ("97411", 2021, "F", "90-94"): 1,
    }
    assert (summary.records, summary.duplicates, summary.unknown_age, summary.abroad, summary.kept) == (7, 1, 1, 1, 4)
    assert summary.files == ["deces-2021.txt", "deces-2020.txt"]


def test_records_under_opposition_are_left_out(tmp_path):
    from diagnostics.sources.insee_deaths import read_death_oppositions

    r = death_record
    paths = _deaths_dir(
        tmp_path,
        {
            "deces-2021.txt": [
                r("A*B/", 1, "19500101", "01004", "20210301", "01004", "12"),
                r("C*D/", 2, "19400101", "01004", "20210302", "01004", "13"),
                r("E*F/", 2, "19400101", "2A004", "20210303", "2A004", "A14"),
            ]
        },
    )
    opp = tmp_path / "fichier-opposition-deces.csv"
    opp.write_text(
        "Date de décès;Code du lieu de décès;Numéro d'acte de décès\n02/03/2021;1004;13\n20210303;2A004;A14\n"
        "20210303;2A004;99\n",
        encoding="utf-8",
    )
    from diagnostics.sources.catalog import identify

    assert identify(opp).key == "death_oppositions"
    df, summary = aggregate_death_files(paths, oppositions=read_death_oppositions(opp))
    assert df["deaths"].sum() == 1 and df["sex"].tolist() == ["M"] and summary.oppositions == 2
    opp.write_text("Date de décès;Code du lieu de décès;Numéro d'acte de décès\n2021-13;01004;13\n", encoding="utf-8")
    with pytest.raises(
        RawDataError, match="ligne 2, colonne « Date de décès » : « 2021-13 » : date AAAAMMJJ ou JJ/MM/AAAA attendu"
    ):
        read_death_oppositions(opp)


def test_deaths_file_in_latin1_reads_the_same(tmp_path):
    lines = [death_record("ÉLOÏSE*ÇA/", 2, "19400210", "01004", "20200209", "01004", "1", "Béziers", "")]
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    a, _ = aggregate_death_files(_deaths_dir(tmp_path / "a", {"deces-2020.txt": lines}, "utf-8"))
    b, summary = aggregate_death_files(_deaths_dir(tmp_path / "b", {"deces-2020.txt": lines}, "latin-1"))
    assert a.equals(b) and a["age_band"].tolist() == ["75-79"] and summary.encodings == {"latin-1"}


@pytest.mark.parametrize(
    "line, column, fragment",
    [
        (
            death_record("X*Y/", 1, "19500101", "01004", "20200101", "01004", "1")[:150],
            None,
            "ligne tronquée : 150 caractères",
        ),
        (death_record("X*Y/", 3, "19500101", "01004", "20200101", "01004", "1"), "81 (sexe)", "sexe « 3 »"),
        (
            death_record("X*Y/", 1, "1950A101", "01004", "20200101", "01004", "1"),
            "82-89 (date de naissance)",
            "date AAAAMMJJ attendue",
        ),
        (
            death_record("X*Y/", 1, "19501301", "01004", "20200101", "01004", "1"),
            "82-89 (date de naissance)",
            "date impossible « 19501301 »",
        ),
        (
            death_record("X*Y/", 1, "19500101", "01004", "19400101", "01004", "1"),
            "155-162 (date de décès)",
            "antérieure à la date de naissance",
        ),
    ],
)
def test_deaths_file_errors_name_the_line(tmp_path, line, column, fragment):
    ok = death_record("A*B/", 1, "19500101", "01004", "20200101", "01004", "2")
    paths = _deaths_dir(tmp_path, {"deces-2020.txt": [ok, ok.replace("20200101", "20200102"), line]})
    with pytest.raises(RawDataError) as err:
        aggregate_death_files(paths)
    msg = str(err.value)
    assert "deces-2020.txt, ligne 3" in msg and fragment in msg
    if column:
        assert f"colonne « {column} »" in msg


def test_deaths_file_invalid_records_can_be_set_aside(tmp_path):
    bad = death_record("X*Y/", 1, "19501301", "01004", "20200101", "01004", "1")
    ok = death_record("A*B/", 2, "19500101", "01004", "20200101", "01004", "2")
    from diagnostics.sources.manifest import OPTIONS

    with pytest.raises(RawDataError) as err:  # the message names the manifest option that exists
        aggregate_death_files(_deaths_dir(tmp_path, {"deces-2020.txt": [bad, ok]}))
    assert 'invalid_death_records = "ignorer"' in str(err.value) and "invalid_death_records" in OPTIONS
    df, summary = aggregate_death_files(_deaths_dir(tmp_path, {"deces-2020.txt": [bad, ok]}), skip_invalid=True)
    assert df["deaths"].sum() == 1 and summary.kept == 1


def test_deaths_years_filter_and_name_of_files(tmp_path):
    lines = [death_record("A*B/", 2, "19500101", "01004", f"{y}0101", "01004", str(y)) for y in (2018, 2019, 2020)]
    df, summary = aggregate_death_files(_deaths_dir(tmp_path, {"deces-2020-m01.txt": lines}), years={2019, 2020})
    assert sorted(df["year"]) == [2019, 2020] and summary.outside_years == 1
    (tmp_path / "deces2020.txt").write_text(lines[0])
    with pytest.raises(RawDataError, match="nom de fichier inattendu"):
        aggregate_death_files([tmp_path / "deces2020.txt"])


# --- Table d'appartenance, commune changes, census ------------------------------------------------

COMMUNES = pd.DataFrame(
    {
        "commune": ["01001", "2A004", "13055", "97411"],
        "commune_name": ["L'Abergement", "Ajaccio", "Marseille", "Saint-Denis"],
        "departement_code": ["01", "2A", "13", "974"],
        "region_code": ["84", "94", "93", "04"],
        "epci_code": ["200069193", "242010056", "200054807", None],
    }
)


def test_appartenance_workbook_with_arrondissements(tmp_path):
    p = tmp_path / "table-appartenance-geo-communes-2024.xlsx"
    arm = pd.DataFrame(
        {"alias": ["13201", "13202"], "name": ["Marseille 1er", "Marseille 2e"], "commune": ["13055", "13055"]}
    )
    appartenance_workbook(p, COMMUNES, arm)
    communes, aliases = read_geography(p)
    assert communes["commune"].tolist() == ["01001", "2A004", "13055", "97411"]
    assert communes.set_index("commune").loc["2A004", "departement_name"] == "Corse-du-Sud"
    assert communes.set_index("commune").loc["97411", "region_name"] == "La Réunion"
    assert pd.isna(communes.set_index("commune").loc["97411", "epci_code"])  # ZZZZZZZZZ: no EPCI
    assert dict(zip(aliases["alias"], aliases["commune"])) == {"13201": "13055", "13202": "13055"}


def test_damaged_csv_reexport_of_the_appartenance_table(tmp_path):
    p = tmp_path / "table-appartenance-geo-communes-2024.csv"
    p.write_bytes(
        "CODGEO;LIBGEO;DEP;REG;EPCI;NATURE_EPCI\r\n1001;L'Abergement-Clémenciat;1;84;200069193;CC\r\n"
        "2A004;Ajaccio;2A;94;242010056;CA\r\n97411;Saint-Denis;974;4;ZZZZZZZZZ;ZZ\r\n".encode("cp1252")
    )
    communes, _ = read_geography(p)
    assert communes["commune"].tolist() == ["01001", "2A004", "97411"]
    assert communes["departement_code"].tolist() == ["01", "2A", "974"]
    assert communes["region_code"].tolist() == ["84", "94", "04"]
    assert communes["commune_name"][0] == "L'Abergement-Clémenciat"
    assert communes["departement_name"].tolist() == ["Ain", "Corse-du-Sud", "La Réunion"]


def test_cog_movements_follow_chains_to_the_current_code(tmp_path):
    p = tmp_path / "v_mvt_commune_2024.csv"
    p.write_text(
        "MOD,DATE_EFF,TYPECOM_AV,COM_AV,TNCC_AV,NCC_AV,NCCENR_AV,LIBELLE_AV,TYPECOM_AP,COM_AP,TNCC_AP,NCC_AP,NCCENR_AP,LIBELLE_AP\n"
        "32,2016-01-01,COM,01015,0,A,A,A,COM,01015,0,B,B,B\n"
        "32,2016-01-01,COM,01340,0,C,C,C,COM,01015,0,B,B,B\n"
        "32,2019-01-01,COM,01015,0,B,B,B,COM,01033,0,D,D,D\n"
        "10,2019-01-01,COM,01050,0,E,E,E,COM,01050,0,F,F,F\n"
        "21,2020-01-01,COM,01033,0,D,D,D,COM,01099,0,G,G,G\n"
    )
    mapping = resolve_aliases(read_cog_movements(p), current={"01033", "01050", "01099"})
    assert mapping == {"01015": "01033", "01340": "01033"}


def test_census_long_file_summed_to_five_year_bands(tmp_path):
    census = pd.DataFrame(
        {
            "commune": ["01001"] * 4 + ["2A004"],
            "sex": ["M", "M", "M", "F", "F"],
            "age": [0, 4, 5, 100, 97],
            "population": [1.5, 2.25, 3.0, 0.4, 7.0],
        }
    )
    p = tmp_path / "BTT_TD_POP1B_2021.csv"
    census_long_csv(p, census)
    df = read_census_population(p)
    got = {(r.commune, r.sex, r.age_band): round(r.population, 5) for r in df.itertuples()}
    assert got == {
        ("01001", "M", "00-04"): 3.75,
        ("01001", "M", "05-09"): 3.0,
        ("01001", "F", "95+"): 0.4,
        ("2A004", "F", "95+"): 7.0,
    }
    assert set(df["census_year"]) == {2021}


def test_ars_commune_to_territory_mapping(tmp_path):
    from diagnostics.sources.territory_definitions import read_commune_territory_mapping

    communes = pd.DataFrame({"commune": ["01001", "01002", "2A004"]})
    p = tmp_path / "territoires_de_sante.csv"
    p.write_text("commune;code_territoire;nom_territoire\n1001;TS1;Bresse\n01002;TS1;Bresse\n2A004;TS2;Corse\n")
    df = read_commune_territory_mapping(p, communes)
    assert df.groupby("territory_code")["commune"].apply(list).to_dict() == {
        "TS1": ["01001", "01002"],
        "TS2": ["2A004"],
    }
    assert set(df["kind"]) == {"territoire de santé"}
    p.write_text("commune;code_territoire;nom_territoire\n01001;TS1;Bresse\n01003;TS1;Bresse\n")
    with pytest.raises(RawDataError, match=r"ligne 3, colonne « commune » : commune « 01003 » absente de la table"):
        read_commune_territory_mapping(p, communes)
    p.write_text("commune;code_territoire;nom_territoire\n01001;TS1;Bresse\n01002;TS1;Dombes\n")
    with pytest.raises(
        RawDataError, match=r"ligne 2, colonne « nom_territoire » : territoire « TS1 » : plusieurs noms"
    ):
        read_commune_territory_mapping(p, communes)
