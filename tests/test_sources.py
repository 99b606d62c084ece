"""Readers: real layouts read right, bad input stopped with file, line and column."""

import re

import pytest

from diagnostics.sources import RawDataError, read_raw_tables
from diagnostics.sources.deaths import read_residence_deaths
from diagnostics.sources.finess import (
    finess_places_by_establishment,
    insee_commune_code,
    read_finess_establishments,
    read_finess_installed_places,
)
from diagnostics.sources.geography import read_communes
from diagnostics.sources.population import read_commune_population
from diagnostics.sources.territory_definitions import read_territory_definitions


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_population_file_read_with_year_from_name_and_insee_sex_codes(tmp_path):
    p = write(
        tmp_path / "population_communes_sexe_age5_2021.csv",
        "NIVGEO;CODGEO;LIBGEO;SEXE;AGE5;NB\nCOM;01004;Ambérieu;1;00-04;412\nCOM;2A004;Ajaccio;2;95+;37.5\n",
    )
    df = read_commune_population([p])
    assert df.to_dict("records") == [
        {"commune": "01004", "year": 2021, "sex": "M", "age_band": "00-04", "population": 412.0},
        {"commune": "2A004", "year": 2021, "sex": "F", "age_band": "95+", "population": 37.5},
    ]


@pytest.mark.parametrize(
    "body, line, column, fragment",
    [
        ("COM;1001;X;1;00-04;3\n", 2, "CODGEO", "code commune INSEE invalide « 1001 »"),
        ("COM;01004;X;3;00-04;3\n", 2, "SEXE", "valeur « 3 » inattendue"),
        ("COM;01004;X;1;00-05;3\n", 2, "AGE5", "valeur « 00-05 » inattendue"),
        ("COM;01004;X;1;00-04;3\nCOM;01004;X;1;05-09;douze\n", 3, "NB", "valeur « douze »"),
        ("COM;01004;X;1;00-04;-4\n", 2, "NB", "positif ou nul"),
    ],
)
def test_population_errors_name_file_line_and_column(tmp_path, body, line, column, fragment):
    p = write(tmp_path / "population_communes_sexe_age5_2021.csv", "NIVGEO;CODGEO;LIBGEO;SEXE;AGE5;NB\n" + body)
    with pytest.raises(RawDataError) as err:
        read_commune_population([p])
    msg = str(err.value)
    assert str(p) in msg and f"ligne {line}" in msg and f"colonne « {column} »" in msg and fragment in msg


def test_wrong_separator_and_missing_column_are_explained(tmp_path):
    p = write(tmp_path / "deces.csv", "commune,annee,sexe,classe_age,deces\n01004,2020,M,00-04,1\n")
    with pytest.raises(
        RawDataError, match=r"ligne 1 : séparateur « ; » attendu \(le fichier semble séparé par « , »\)"
    ):
        read_residence_deaths(p)
    p = write(tmp_path / "deces2.csv", "commune;annee;sexe;age;deces\n01004;2020;M;00-04;1\n")
    with pytest.raises(RawDataError, match="colonne\\(s\\) manquante\\(s\\) : classe_age"):
        read_residence_deaths(p)


def test_fractional_deaths_and_duplicates_are_refused(tmp_path):
    head = "commune;annee;sexe;classe_age;deces\n"
    p = write(tmp_path / "d.csv", head + "01004;2020;M;00-04;1.5\n")
    with pytest.raises(RawDataError, match="ligne 2, colonne « deces » : valeur « 1.5 » : un entier"):
        read_residence_deaths(p)
    p = write(tmp_path / "d2.csv", head + "01004;2020;M;00-04;1\n01004;2020;M;00-04;2\n")
    with pytest.raises(RawDataError, match="ligne 3 : ligne en double"):
        read_residence_deaths(p)


def test_empty_file(tmp_path):
    p = write(tmp_path / "d.csv", "")
    with pytest.raises(RawDataError, match="le fichier est vide"):
        read_residence_deaths(p)


def test_latin1_file_is_decoded(tmp_path):
    p = write(
        tmp_path / "communes.csv",
        "CODGEO;LIBGEO;DEP;LIBDEP;REG;LIBREG;EPCI;LIBEPCI\n"
        "01004;Ambérieu-en-Bugey;01;Ain;84;Auvergne-Rhône-Alpes;240100883;CC de la Plaine\n",
        "latin-1",
    )
    assert read_communes(p).loc[0, "commune_name"] == "Ambérieu-en-Bugey"


FINESS_ET = (
    'structureet;010000024;010000016;EHPAD LES TILLEULS;"EHPAD ""LES TILLEULS""; BOURG";;;12;R;DES LILAS;;;'
    "004;01;AIN;01500 AMBERIEU EN BUGEY;;;500;Etablissement d'hébergement pour personnes âgées dépendantes;"
    "4401;EHPA;;;;;;;2001-01-01;2001-01-01;2023-06-30;;\n"
)


def test_finess_establishments_quoted_fields_latin1_and_overseas_codes(tmp_path):
    text = (
        "finess;etalab;2.0;2024-01-10\n"
        + FINESS_ET
        + FINESS_ET.replace("010000024", "9D0000001").replace(";004;01;", ";411;9D;")
    )
    p = write(tmp_path / "etalab-cs1100507-stock-20240110-0336.csv", text, "latin-1")
    df = read_finess_establishments(p)
    assert list(df["commune"]) == ["01004", "97411"]
    assert df.loc[0, "name"] == 'EHPAD "LES TILLEULS"; BOURG'
    assert df.loc[0, "category"] == "500"
    assert insee_commune_code("2A", "004") == "2A004"


def test_finess_geolocalisation_lines_projected_in_their_own_crs(tmp_path):
    geo = (
        "geolocalisation;010000024;872500.0;6575000.0;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 "
        "(Métropole);2023-06-30\n"
        "geolocalisation;9D0000001;340000.0;7680000.0;1,ATLASANTE,96,BAN,EPSG:2975 RGR92 / UTM 40S "
        "(Réunion);2023-06-30\n"
    )
    text = (
        "finess;etalab;2.0;2024-01-10\n"
        + FINESS_ET
        + FINESS_ET.replace("010000024", "9D0000001").replace(";004;01;", ";411;9D;")
        + geo
    )
    df = read_finess_establishments(
        write(tmp_path / "etalab-cs1100507-stock-20240110-0336.csv", text, "latin-1")
    ).set_index("finess_et")
    assert 5.2 < df.loc["010000024", "lon"] < 5.4 and 46.1 < df.loc["010000024", "lat"] < 46.3  # Ambérieu, Ain
    assert 55.2 < df.loc["9D0000001", "lon"] < 55.9 and -21.4 < df.loc["9D0000001", "lat"] < -20.8  # La Réunion
    bad = text.replace("872500.0", "872 500")
    with pytest.raises(
        RawDataError, match=r"ligne 4, colonne « 3-4 » : coordonnées « 872 500 ; 6575000.0 » : nombres attendus"
    ):
        read_finess_establishments(write(tmp_path / "b.csv", bad, "latin-1"))


def test_finess_short_line_names_the_line(tmp_path):
    p = write(tmp_path / "e.csv", "finess;etalab;2.0;2024-01-10\n" + FINESS_ET + "structureet;010000032;0100;X\n")
    with pytest.raises(RawDataError, match=r"ligne 3 : 4 champs au lieu de 32"):
        read_finess_establishments(p)


def test_finess_installed_places_skip_suppressed_installations(tmp_path):
    def eq(et, places, suppressed):
        f = (
            ["equipementsocial", et, "924", "Accueil", "11", "HC", "711", "PA", "1", str(places)]
            + [""] * 5
            + [suppressed]
            + [""] * 12
        )
        return ";".join(f) + "\n"

    p = write(
        tmp_path / "q.csv",
        "finess;etalab;2.0;2024-01-10\n"
        + eq("010000024", 80, "N")
        + eq("010000024", 12, "N")
        + eq("010000024", 30, "O")
        + eq("010000099", 5, "N"),
    )
    places = read_finess_installed_places(p)
    assert dict(zip(places.finess_et, places.places)) == {"010000024": 92, "010000099": 5}
    et = write(tmp_path / "e.csv", "finess;etalab;2.0;2024-01-10\n" + FINESS_ET)
    joined = finess_places_by_establishment(read_finess_establishments(et), places)
    assert joined.loc[0, "places"] == 92


def test_territory_definitions_expand_shorthands_and_refuse_unknown_communes(tmp_path, demo_tables):
    communes = demo_tables["communes"]
    p = write(
        tmp_path / "territoires.csv", "code;nom;type;communes\nA;Alpha;CLS;96101 96102\nB;Beta;EPCI;EPCI:200096003\n"
    )
    t = read_territory_definitions(p, communes)
    assert list(t[t.territory_code == "A"].commune) == ["96101", "96102"]
    assert set(t[t.territory_code == "B"].commune) == set(communes[communes.epci_code == "200096003"].commune)
    p = write(tmp_path / "t2.csv", "code;nom;type;communes\nA;Alpha;CLS;96101 99999\n")
    with pytest.raises(
        RawDataError, match=r"ligne 2, colonne « communes » : territoire « A » : « 99999 » n'est ni une commune connue"
    ):
        read_territory_definitions(p, communes)
    p = write(tmp_path / "t3.csv", "code;nom;type;communes\nA;Alpha;CLS;96101 96101\n")
    with pytest.raises(RawDataError, match="citée\\(s\\) deux fois : 96101"):
        read_territory_definitions(p, communes)


def test_demo_raw_folder_is_complete_and_a_missing_file_is_named(raw_copy):
    assert read_raw_tables(raw_copy)["population"]["year"].nunique() == 6
    (raw_copy / "css" / "beneficiaires_css.csv").unlink()
    with pytest.raises(
        RawDataError,
        match=r"fichier manquant : Bénéficiaires de la Complémentaire santé solidaire \(beneficiaires_css\*.csv\)",
    ):
        read_raw_tables(raw_copy)


def test_demo_totals(demo_tables):
    pop = demo_tables["population"]
    assert 250 <= pop.commune.nunique() <= 400
    assert pop.year.nunique() >= 6
    assert demo_tables["deaths"].year.nunique() >= 6
    terr = demo_tables["territories"]
    kinds = terr[terr.reported].drop_duplicates("territory_code").kind.value_counts()
    assert 8 <= kinds.sum() <= 15
    assert {"département", "territoire de santé", "EPCI", "contrat local de santé"} <= set(kinds.index)


def test_territory_types_are_known_abbreviated_or_declared(tmp_path, demo_tables):
    from diagnostics.sources.manifest import read_manifest

    communes = demo_tables["communes"]
    p = write(
        tmp_path / "territoires.csv",
        "code;nom;type;communes\nA;Alpha;CLS;96101\nB;Beta;epci;EPCI:200096003\n"
        "C;Gamma;;96102\nD;Delta;Territoire opérationnel de proximité;96103\n",
    )
    with pytest.raises(
        RawDataError,
        match=r"ligne 5, colonne « type » : type de territoire « Territoire opérationnel de "
        r"proximité » inconnu ; types connus : département, territoire de santé",
    ):
        read_territory_definitions(p, communes)
    (tmp_path / "sources.toml").write_text(
        '[options]\nterritory_types = ["territoire opérationnel de proximité"]\n', encoding="utf-8"
    )
    declared = read_manifest(tmp_path).options["territory_types"]
    kinds = (
        read_territory_definitions(p, communes, declared)
        .drop_duplicates("territory_code")
        .set_index("territory_code")["kind"]
    )
    assert kinds.to_dict() == {
        "A": "contrat local de santé",
        "B": "EPCI",
        "C": "territoire",
        "D": "territoire opérationnel de proximité",
    }
    (tmp_path / "sources.toml").write_text('[options]\nterritory_types = [""]\n', encoding="utf-8")
    with pytest.raises(RawDataError, match="option « territory_types » : liste de noms de types attendue"):
        read_manifest(tmp_path)


def test_skipped_and_unmatched_finess_lines_are_counted_for_the_check(tmp_path):
    from diagnostics.sources.coherence import check_places_of_known_establishments
    from diagnostics.sources.tables import collected_warnings

    def eq(et, places, suppressed):
        f = (
            ["equipementsocial", et, "924", "Accueil", "11", "HC", "711", "PA", "1", str(places)]
            + [""] * 5
            + [suppressed]
            + [""] * 12
        )
        return ";".join(f) + "\n"

    p = write(
        tmp_path / "q.csv",
        "finess;etalab;2.0;2024-01-10\n"
        + eq("010000024", 80, "N")
        + eq("010000024", 30, "O")
        + eq("010000099", 5, "N"),
    )
    places = read_finess_installed_places(p)
    assert places.attrs["details"] == ["3 installations, dont 1 supprimée(s) (indicateur « O ») non comptée(s)"]
    et = read_finess_establishments(write(tmp_path / "e.csv", "finess;etalab;2.0;2024-01-10\n" + FINESS_ET))
    with collected_warnings() as found:
        check_places_of_known_establishments(et, places, p)
    assert found == [
        f"{p}, ligne 4 : 5 place(s) installée(s) de 1 établissement(s) absent(s) de l'extraction des établissements "
        "(ex. 010000099) : non comptée(s) ; les deux extractions sont-elles de la même date ?"
    ]
    with pytest.raises(
        RawDataError, match=r"ligne 3, colonne « 1 » : type d'enregistrement « equipementsocia » inconnu"
    ):
        read_finess_installed_places(
            write(
                tmp_path / "r.csv",
                "finess;etalab;2.0;2024-01-10\n"
                + eq("010000024", 80, "N")
                + eq("010000025", 8, "N").replace("equipementsocial", "equipementsocia"),
            )
        )


def test_a_file_cut_inside_its_last_line_is_read_with_a_warning(tmp_path):
    from diagnostics.sources.tables import collected_warnings

    p = write(
        tmp_path / "population_communes_sexe_age5_2021.csv", "NIVGEO;CODGEO;LIBGEO;SEXE;AGE5;NB\nCOM;01004;A;1;00-04;41"
    )
    with collected_warnings() as found:
        assert read_commune_population([p])["population"].tolist() == [41.0]
    assert found == [
        f"{p}, ligne 2 : la dernière ligne ne se termine pas par un saut de ligne : le fichier est peut-être "
        "tronqué (téléchargement interrompu ?) ; vérifiez cette ligne"
    ]
    for body, fragment in [
        ("COM;01004;A;1;00-04;41;\n", "ligne 2 : 7 champ(s) au lieu de 6"),
        ("COM;01004;A;1;00-04\n", "ligne 2 : 5 champ(s) au lieu de 6"),
        ("COM;01004;A;1;00-04;41\n\nCOM;01004;A;1;05-09;3\n", "ligne 3 : ligne vide au milieu des données"),
        ("COM;01004;A;1;00-04;inf\n", "ligne 2, colonne « NB » : valeur « inf » : un nombre positif"),
        ("COM;0١004;A;1;00-04;4\n", "code commune INSEE invalide « 0١004 »"),
        ("", "aucune ligne de données sous l'en-tête"),
    ]:
        with pytest.raises(RawDataError, match=re.escape(fragment)):
            read_commune_population([write(p, "NIVGEO;CODGEO;LIBGEO;SEXE;AGE5;NB\n" + body)])
