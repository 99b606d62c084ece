"""Annuaire santé (RPPS) extraction: real layout read into practitioners by commune, profession and mode;
every bad input stopped with file, line and column."""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from diagnostics.sources import RawDataError
from diagnostics.sources.rpps import PRIMARY_CARE_SECTORS, SOURCE_INFO, extraction_date, read_rpps_activities

FIXTURE = Path(__file__).parent / "fixtures" / "rpps" / "PS_LibreAcces_Personne_activite_202402120843.txt"
NAME = FIXTURE.name
# file lines of the fixture (header = 1)
GP_TWO_SITES, GP_HOSPITAL, CARDIOLOGIST, NURSE, NURSE_NO_COMMUNE, NURSE_POSTAL_ONLY = 2, 5, 6, 7, 8, 9
AUDIOPROTHESIST, GP_LIBERAL_AND_SALARIED = 16, 18

EXPECTED = [
    ("25047", "general_practitioner", "liberal", 0.5),  # GP with two cabinets: half here …
    ("25056", "general_practitioner", "liberal", 0.5),  # GP liberal in her cabinet and salaried in a centre de santé
    ("25056", "general_practitioner", "salaried", 0.5),
    ("25056", "specialist", "liberal", 1.0),  # cardiologist (SM04)
    ("25056", "midwife", "liberal", 1.0),
    ("25056", "pharmacist", "liberal", 1.0),
    ("25056", "pharmacist", "salaried", 1.0),
    ("25411", "nurse", "liberal", 2.0),  # one with a commune code, one found by her postal code
    ("25434", "general_practitioner", "liberal", 0.5),  # … half there (two savoir-faire lines at this cabinet)
    ("25434", "dentist", "liberal", 1.0),
    ("25462", "general_practitioner", "salaried", 1.0),  # SM53 salaried at the hospital
    ("25462", "physiotherapist", "liberal", 1.0),
]


def records(df):
    return [(r.commune, r.profession, r.mode, r.practitioners) for r in df.itertuples()]


def lines():
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, rows: list[str], encoding="utf-8") -> Path:
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    return path


def edited(tmp_path, line: int, column: str, value: str) -> Path:
    rows = lines()
    header = rows[0].split("|")
    fields = rows[line - 1].split("|")
    fields[header.index(column)] = value
    rows[line - 1] = "|".join(fields)
    return write_lines(tmp_path / NAME, rows)


def test_real_layout_read_into_shares_by_commune_profession_and_mode():
    df = read_rpps_activities(FIXTURE)
    assert list(df.columns) == ["commune", "year", "profession", "mode", "practitioners"]
    assert records(df) == EXPECTED
    assert set(df["year"]) == {2024}  # from the file name …_202402120843.txt
    # Σ practitioners = distinct practitioners with a located activity: 3 GPs, 1 specialist, 2 nurses,
    # 1 physiotherapist, 1 dentist, 1 midwife, 2 pharmacists
    assert df["practitioners"].sum() == pytest.approx(11.0)
    assert df.groupby("profession")["practitioners"].sum().to_dict() == {
        "dentist": 1.0,
        "general_practitioner": 3.0,
        "midwife": 1.0,
        "nurse": 2.0,
        "pharmacist": 2.0,
        "physiotherapist": 1.0,
        "specialist": 1.0,
    }


def test_lines_not_counted_are_reported_with_their_reason_and_count():
    attrs = read_rpps_activities(FIXTURE).attrs
    assert attrs["skipped"] == [
        {"reason": "étudiants (catégorie professionnelle E)", "lines": 1, "practitioners": 1},
        {"reason": "sans mode d'exercice (aucune activité déclarée)", "lines": 1, "practitioners": 1},
        {"reason": "exercice bénévole", "lines": 1, "practitioners": 1},
        {"reason": "médecins sans spécialité ordinale", "lines": 1, "practitioners": 1},
    ]
    # a nurse whose postal code (25999) matches no commune, a cardiologist at a FINESS site without address
    assert attrs["unlocated"] == [
        {"profession": "nurse", "departement_code": "25", "practitioners": 1},
        {"profession": "specialist", "departement_code": "inconnu", "practitioners": 1},
    ]
    assert attrs["warnings"] == [
        "2 praticien(s) sans commune d'exercice (ni code commune, ni numéro FINESS, ni code postal "
        "univoque) non comptés : infirmiers 1, médecins spécialistes 1"
    ]
    details = attrs["details"]
    assert details[0] == f"{NAME} : 21 lignes, extraction du 12/02/2024, encodage utf-8"
    assert "1 ligne(s) d'autres professions non retenues (codes 26)" in details
    assert (
        "commune d'exercice des lignes retenues : code commune 13, numéro FINESS 0, code postal 1, inconnue 2"
        in details
    )
    assert any(d.startswith("13 praticiens distincts (par profession) retenus, dont 2 sans commune") for d in details)
    assert attrs["extraction_date"] == "2024-02-12"


def test_finess_table_locates_a_site_known_only_by_its_finess_number():
    finess = pd.DataFrame({"finess_et": ["250006954", "250000700"], "commune": ["25056", "25462"]})
    df = read_rpps_activities(FIXTURE, finess_communes=finess)
    assert ("25056", "specialist", "salaried", 1.0) in records(df)
    assert df["practitioners"].sum() == pytest.approx(12.0)
    assert df.attrs["unlocated"] == [{"profession": "nurse", "departement_code": "25", "practitioners": 1}]


def test_postal_code_is_used_only_when_it_points_to_one_commune():
    # La Poste: 25500 is shared by Morteau and Les Fins → the nurse known by her postal code only is not placed
    poste = pd.DataFrame({"postal_code": ["25500", "25500"], "commune": ["25411", "25237"]})
    df = read_rpps_activities(FIXTURE, postal_communes=poste)
    assert ("25411", "nurse", "liberal", 1.0) in records(df)
    assert {"profession": "nurse", "departement_code": "25", "practitioners": 2} in df.attrs["unlocated"]


def test_blocks_encodings_and_zip_give_the_same_table(tmp_path):
    expected = read_rpps_activities(FIXTURE)
    small_blocks = read_rpps_activities(FIXTURE, block_bytes=300)
    latin1 = read_rpps_activities(write_lines(tmp_path / NAME, lines(), encoding="latin-1"))
    archive = tmp_path / "PS_LibreAcces_202402120942.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIXTURE, NAME)
        zf.writestr("PS_LibreAcces_Dipl_AutExerc_202402120843.txt", "Type d'identifiant PP|\n")
    zipped = read_rpps_activities(archive)
    for df in (small_blocks, latin1, zipped):
        pd.testing.assert_frame_equal(df, expected)
    assert latin1.attrs["details"][0].endswith("encodage latin-1")
    assert zipped.attrs["extraction_date"] == "2024-02-12"


def test_year_from_option_and_a_file_name_without_date(tmp_path):
    renamed = write_lines(tmp_path / "ps-libreacces-personne-activite.txt", lines())
    with pytest.raises(RawDataError, match="année de l'extraction introuvable dans le nom du fichier"):
        read_rpps_activities(renamed)
    assert set(read_rpps_activities(renamed, year=2023)["year"]) == {2023}
    assert extraction_date("PS_LibreAcces_Personne_activite_202402120843.txt").isoformat() == "2024-02-12"


def test_sectors_option_keeps_primary_care_settings_only():
    df = read_rpps_activities(FIXTURE, sectors=PRIMARY_CARE_SECTORS)
    got = records(df)
    assert ("25462", "general_practitioner", "salaried", 1.0) not in got  # hospital (SA01)
    assert ("25056", "general_practitioner", "salaried", 0.5) in got  # centre de santé (SA05)
    assert not (df["profession"] == "pharmacist").any()  # lines without a sector
    # the hospital GP and cardiologist (SA01), the two pharmacists (no sector)
    assert {"reason": "secteur d'activité non retenu", "lines": 4, "practitioners": 4} in df.attrs["skipped"]


def without_savoir_faire(rows):
    header = rows[0].split("|")
    drop = {
        header.index(c)
        for c in ("Code type savoir-faire", "Libellé type savoir-faire", "Code savoir-faire", "Libellé savoir-faire")
    }
    return ["|".join(f for i, f in enumerate(r.split("|")) if i not in drop) for r in rows]


def savoir_faire_file(rows):
    header = rows[0].split("|")
    keep = [
        header.index(c)
        for c in (
            "Type d'identifiant PP",
            "Identifiant PP",
            "Identification nationale PP",
            "Code profession",
            "Code type savoir-faire",
            "Code savoir-faire",
        )
    ]
    return ["|".join(r.split("|")[i] for i in keep) + "|" for r in rows]


def test_savoir_faire_taken_from_the_separate_file_when_the_extraction_has_none(tmp_path):
    rows = lines()
    activities = write_lines(tmp_path / NAME, without_savoir_faire(rows))
    with pytest.raises(RawDataError, match="PS_LibreAcces_SavoirFaire_….txt ; placez ce fichier à côté"):
        read_rpps_activities(activities)
    savoir_faire = write_lines(tmp_path / "PS_LibreAcces_SavoirFaire_202402120843.txt", savoir_faire_file(rows))
    assert records(read_rpps_activities(activities)) == EXPECTED
    archive = tmp_path / "PS_LibreAcces_202402120942.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(activities, NAME)
        zf.write(savoir_faire, savoir_faire.name)
    assert records(read_rpps_activities(archive)) == EXPECTED
    sf_rows = savoir_faire_file(rows)
    other_id = write_lines(
        tmp_path / "sf.txt", [sf_rows[0].replace("Identification nationale PP", "Id PP")] + sf_rows[1:]
    )
    with pytest.raises(RawDataError, match="ligne 1 : colonne « Identification nationale PP » absente"):
        read_rpps_activities(activities, savoir_faire=other_id)


def test_columns_added_by_newer_extractions_are_ignored(tmp_path):
    rows = lines()
    rows = [rows[0] + "Code rôle|Libellé rôle|Code genre activité|Libellé genre activité|"] + [
        r + "||||" for r in rows[1:]
    ]
    assert records(read_rpps_activities(write_lines(tmp_path / NAME, rows))) == EXPECTED


@pytest.mark.parametrize(
    "line, column, value, fragment",
    [
        (CARDIOLOGIST, "Code profession", "1O", "valeur « 1O » : code profession à 2 chiffres attendu"),
        (
            NURSE,
            "Code mode exercice",
            "X",
            "valeur « X » : mode d'exercice attendu : L (libéral), S (salarié), B (bénévole)",
        ),
        (GP_HOSPITAL, "Code commune (coord. structure)", "2546", "valeur « 2546 » : code commune INSEE attendu"),
        (
            GP_LIBERAL_AND_SALARIED,
            "Code catégorie professionnelle",
            "Z",
            "valeur « Z » : catégorie professionnelle attendue",
        ),
        (NURSE_NO_COMMUNE, "Identification nationale PP", "", "identifiant du professionnel vide"),
    ],
)
def test_bad_values_name_file_line_and_column(tmp_path, line, column, value, fragment):
    path = edited(tmp_path, line, column, value)
    for block_bytes in (1 << 24, 400):  # the same line whichever block it falls in
        with pytest.raises(RawDataError) as err:
            read_rpps_activities(path, block_bytes=block_bytes)
        assert str(err.value).startswith(f"{path}, ligne {line}, colonne « {column} » : {fragment}")


def test_other_professions_are_not_checked_beyond_their_code(tmp_path):
    path = edited(tmp_path, AUDIOPROTHESIST, "Code mode exercice", "X")
    assert records(read_rpps_activities(path)) == EXPECTED


def test_a_line_with_a_missing_field_is_located(tmp_path):
    rows = lines()
    rows[NURSE_POSTAL_ONLY - 1] = rows[NURSE_POSTAL_ONLY - 1][:-1]  # trailing « | » lost
    path = write_lines(tmp_path / NAME, rows)
    for block_bytes in (1 << 24, 500):
        with pytest.raises(RawDataError) as err:
            read_rpps_activities(path, block_bytes=block_bytes)
        assert str(err.value) == (
            f"{path}, ligne {NURSE_POSTAL_ONLY} : 52 champs au lieu de 53 (séparateur « | », chaque "
            "ligne se termine par « | »)"
        )


def test_non_utf8_bytes_after_a_utf8_header_are_located(tmp_path):
    rows = [r.encode("utf-8") for r in lines()]
    rows[NURSE - 1] = rows[NURSE - 1].replace(b"|25411|", b"|2541\xe9|")
    path = tmp_path / NAME
    path.write_bytes(b"\n".join(rows) + b"\n")
    with pytest.raises(RawDataError) as err:
        read_rpps_activities(path)
    assert str(err.value) == (
        f"{path}, ligne {NURSE} : octets non UTF-8 alors que l'en-tête est en UTF-8 (mélange "
        "d'encodages ?) ; réenregistrez le fichier en UTF-8"
    )


def test_header_problems_are_explained(tmp_path):
    rows = lines()
    semicolons = write_lines(tmp_path / NAME, [r.replace("|", ";") for r in rows])
    with pytest.raises(
        RawDataError, match=r"ligne 1 : séparateur « \| » attendu \(le fichier semble séparé par « ; »\)"
    ):
        read_rpps_activities(semicolons)
    renamed = write_lines(tmp_path / NAME, [rows[0].replace("Code profession|", "Profession|")] + rows[1:])
    with pytest.raises(RawDataError, match=r"ligne 1 : colonne\(s\) manquante\(s\) : Code profession ; est-ce bien"):
        read_rpps_activities(renamed)
    empty = tmp_path / "PS_LibreAcces_Personne_activite_202402120843_vide.txt"
    empty.write_text("")
    with pytest.raises(RawDataError, match="le fichier est vide"):
        read_rpps_activities(empty)
    with pytest.raises(RawDataError, match="aucune ligne de données"):
        read_rpps_activities(write_lines(tmp_path / NAME, rows[:1]))
    with pytest.raises(RawDataError, match="fichier introuvable"):
        read_rpps_activities(tmp_path / "absent.txt")


def test_source_info_recognises_the_file_by_name_and_header():
    import fnmatch

    info = {s["key"]: s for s in SOURCE_INFO}
    assert any(fnmatch.fnmatch(NAME.lower(), p) for p in info["rpps"]["patterns"])
    assert set(info["rpps"]["header"]) <= set(lines()[0].split("|"))
    assert any(
        fnmatch.fnmatch("ps_libreacces_savoirfaire_202402120843.txt", p) for p in info["rpps_savoir_faire"]["patterns"]
    )


def test_a_physician_with_general_practice_and_another_specialty_counts_as_a_gp(tmp_path):
    rows = lines()
    second = rows[CARDIOLOGIST - 1].replace("|SM04|Cardiologie et maladies vasculaires|", "|SM54|Médecine Générale|")
    df = read_rpps_activities(write_lines(tmp_path / NAME, rows[:CARDIOLOGIST] + [second] + rows[CARDIOLOGIST:]))
    got = records(df)
    assert ("25056", "general_practitioner", "liberal", 1.5) in got  # 0.5 (the GP of two settings) + 1
    assert not ((df["profession"] == "specialist") & (df["commune"] == "25056")).any()
    assert (
        "1 médecin(s) ayant une spécialité ordinale de médecine générale et une autre : comptés généralistes"
        in df.attrs["details"]
    )
