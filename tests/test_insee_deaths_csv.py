"""The INSEE deaths file's CSV edition gives the fixed-width edition's records, so both share one aggregation.

Fixtures (tests/fixtures/insee_deces_csv): ``Deces_2023_M01.csv`` (CSV edition: BOM, CRLF, every field
quoted, a name holding an escaped quote, accented and Vietnamese names) and ``deces-2023-m01.txt``, the
same nine fictional records in the fixed-width layout; ``broken/`` holds one defect per file.
"""

import fnmatch
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics.sources import RawDataError, insee_deaths
from diagnostics.sources.insee_deaths_csv import (
    HEADER,
    READ,
    SOURCE_INFO,
    _LineNumbers,
    _read_columns,
    file_order_key,
    is_csv_edition,
    parse_csv_edition,
    read_and_parse,
)

FIXTURES = Path(__file__).parent / "fixtures" / "insee_deces_csv"
CSV, TXT = FIXTURES / "Deces_2023_M01.csv", FIXTURES / "deces-2023-m01.txt"
RECORD_KEYS = {"key", "place", "year", "sex", "age", "invalid", "encoding", "unterminated", "lines"}
SCALARS = {"encoding", "unterminated", "lines"}


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() == RECORD_KEYS
    for k in RECORD_KEYS - SCALARS:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), k
    assert a["encoding"] == b["encoding"] and a["unterminated"] == b["unterminated"]


def test_both_editions_give_identical_records():
    csv, txt = read_and_parse(CSV), read_and_parse(TXT)
    _same(csv, txt)
    assert csv["encoding"] == "utf-8"
    # ages: 93 (born 12/04/1929, died 09/01/2023), 87 (born « 19350000 »: 1 July), 75 (« 19470030 »),
    # 104 (died « 20230100 »: the 15th)
    assert csv["age"].tolist() == [93, 83, 69, 87, 75, 104, 87, 0, 93]
    assert csv["year"].tolist() == [2023, 2023, 2022, 2023, 2023, 2023, 2023, 2023, 2023]
    assert csv["sex"].tolist() == [1, 1, 0, 0, 0, 1, 0, 1, 1]
    assert not csv["invalid"].any()
    assert csv["key"][0] == csv["key"][8] and len(set(csv["key"].tolist())) == 8  # the exact duplicate has the same key
    places = csv["place"].view(np.uint8).reshape(-1, 8)[:, :5]  # five bytes packed in one integer
    assert [places[i].tobytes().decode() for i in (0, 3, 6)] == ["01004", "2A004", "99350"]


def test_latin1_files_give_identical_records(tmp_path):
    def latin1(src: Path, name: str) -> Path:
        text = src.read_bytes().decode("utf-8-sig")
        dst = tmp_path / name
        dst.write_bytes(text.encode("latin-1", "replace"))  # « NGUYỄN » loses its « Ễ » in both editions alike
        return dst

    csv, txt = read_and_parse(latin1(CSV, "Deces_2023_M01.csv")), read_and_parse(latin1(TXT, "deces-2023-m01.txt"))
    _same(csv, txt)
    assert csv["encoding"] == "latin-1"
    _same(csv | {"encoding": "utf-8"}, read_and_parse(CSV))  # same deaths whatever the encoding


def test_names_are_never_read():
    raw = CSV.read_bytes()
    table = _read_columns(CSV, raw, _LineNumbers(raw))
    assert table.column_names == list(READ) and "nomprenom" not in table.column_names
    records = parse_csv_edition(CSV, raw)
    assert all(
        isinstance(v, (str, bool, int)) or v.dtype.kind in "biu" for v in records.values()
    )  # no text but the encoding


def test_recognised_by_content_whatever_the_name(tmp_path):
    renamed = tmp_path / "telechargement-insee.txt"
    shutil.copy(CSV, renamed)
    assert is_csv_edition(renamed.read_bytes()) and not is_csv_edition(TXT.read_bytes())
    _same(read_and_parse(renamed), read_and_parse(TXT))
    header = {c.strip().strip('"') for c in CSV.read_bytes().decode("utf-8-sig").splitlines()[0].split(";")}
    assert set(SOURCE_INFO["insee_deaths_csv"]["header"]) == set(HEADER) <= header  # how the catalog recognises a file


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Deces_2020.csv", (2020, 99)),
        ("deces_2020.csv", (2020, 99)),
        ("deces-1975.csv", (1975, 99)),
        ("deces-2020-m01.csv", (2020, 1)),
        ("Deces_2020_M02.csv", (2020, 2)),
        ("Deces_2023_M07.csv", (2023, 7)),
        ("deces-2021.txt", (2021, 99)),
        ("deces-2021-m03.txt", (2021, 3)),
        ("deces-2021-t2.txt", (2021, 52)),
    ],
)
def test_file_order_key_from_insee_names(name, expected):
    assert file_order_key(Path(name)) == expected
    patterns = SOURCE_INFO["insee_deaths_csv"]["patterns"]
    assert any(fnmatch.fnmatch(name.lower(), p) for p in patterns) == name.endswith(".csv")


def test_file_order_key_from_content_when_renamed(tmp_path):
    renamed = tmp_path / "export.csv"
    shutil.copy(CSV, renamed)
    assert file_order_key(renamed) == (2023, 1)  # 8 of 9 deaths in January 2023, one late record of December 2022
    other = tmp_path / "autre.csv"
    other.write_text("a;b\n1;2\n")
    with pytest.raises(RawDataError, match="ni fichier des personnes décédées"):
        file_order_key(other)


@pytest.fixture
def csv_plugged(monkeypatch):
    """aggregate_death_files with the CSV edition plugged in as insee_deaths.py should do it (see the report)."""
    monkeypatch.setattr(insee_deaths, "_read_and_parse", read_and_parse)
    monkeypatch.setattr(insee_deaths, "file_order_key", file_order_key)


def test_one_aggregation_for_both_editions(tmp_path, csv_plugged):
    from_csv, s_csv = insee_deaths.aggregate_death_files([CSV])
    from_txt, s_txt = insee_deaths.aggregate_death_files([TXT])
    pd.testing.assert_frame_equal(from_csv, from_txt)
    assert (s_csv.records, s_csv.duplicates, s_csv.abroad, s_csv.kept) == (9, 1, 1, 7)
    got = {(r.commune, r.year, r.sex, r.age_band): r.deaths for r in from_csv.itertuples()}
    assert got == {
        ("01004", 2023, "F", "90-94"): 1,
        ("01004", 2023, "F", "80-84"): 1,
        ("01015", 2022, "M", "65-69"): 1,
        ("2A004", 2023, "M", "85-89"): 1,
        ("75056", 2023, "M", "75-79"): 1,
        ("97411", 2023, "F", "95+"): 1,
        ("13205", 2023, "F", "00-04"): 1,
    }
    both, s_both = insee_deaths.aggregate_death_files([CSV, TXT])  # the same deaths in both editions: counted once
    keys = ["commune", "year", "sex", "age_band"]
    pd.testing.assert_frame_equal(
        both.sort_values(keys, ignore_index=True), from_csv.sort_values(keys, ignore_index=True)
    )
    assert (s_both.records, s_both.duplicates, s_both.kept) == (18, 10, 7)


def test_oppositions_remove_csv_records(tmp_path, csv_plugged):
    opp = tmp_path / "fichier-opposition-deces.csv"
    opp.write_text(
        "Date de décès;Code du lieu de décès;Numéro d'acte de décès\n20230103;2A004;3-553\n16/01/2023;01004;14\n",
        encoding="utf-8",
    )
    table, summary = insee_deaths.aggregate_death_files([CSV], oppositions=insee_deaths.read_death_oppositions(opp))
    assert summary.oppositions == 2 and summary.kept == 5 and table["deaths"].sum() == 5
    assert ("2A004", "M") not in set(zip(table["commune"], table["sex"]))


@pytest.mark.parametrize(
    "name, line, column, fragment",
    [
        ("colonne_manquante.csv", 1, None, "colonne(s) manquante(s) : actedeces"),
        ("champ_manquant.csv", 4, None, "8 champ(s) au lieu de 9"),
        ("sexe.csv", 4, "sexe", "sexe « 3 » : 1 (masculin) ou 2 (féminin) attendu"),
        ("sexe_vide.csv", 4, "sexe", "sexe 1 (masculin) ou 2 (féminin) attendu"),
        ("date_non_numerique.csv", 4, "datenaiss", "« 1935A101 » : date AAAAMMJJ attendue"),
        ("date_courte.csv", 4, "datedeces", "« 2023011 » : date AAAAMMJJ attendue (8 chiffres"),
        ("date_impossible.csv", 4, "datenaiss", "date impossible « 19350231 »"),
        ("deces_avant_naissance.csv", 4, "datedeces", "date de décès antérieure à la date de naissance"),
        ("lieu_sans_zero.csv", 4, "lieudeces", "« 1004 » : code commune ou pays à 5 caractères attendu"),
    ],
)
def test_errors_name_file_line_column_and_expected(name, line, column, fragment):
    path = FIXTURES / "broken" / name
    with pytest.raises(RawDataError) as err:
        read_and_parse(path)
    e = err.value
    assert (e.path, e.line, e.column) == (path, line, column)
    assert fragment in e.problem and str(path) in str(e)


@pytest.mark.parametrize(
    "name",
    [
        "sexe.csv",
        "sexe_vide.csv",
        "date_non_numerique.csv",
        "date_courte.csv",
        "date_impossible.csv",
        "deces_avant_naissance.csv",
        "lieu_sans_zero.csv",
    ],
)
def test_invalid_records_can_be_set_aside(name):
    records = read_and_parse(FIXTURES / "broken" / name, skip_invalid=True)
    assert records["invalid"].tolist() == [False, False, True]
    assert records["age"].tolist()[:2] == [83, 69] and records["age"][2] == -1


def test_line_numbers_skip_blank_lines_like_the_fixed_width_reader(tmp_path):
    lines = (FIXTURES / "broken" / "sexe.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "Deces_2023.csv"
    path.write_text("\n".join(lines[:2] + ["", ""] + lines[2:]) + "\n", encoding="utf-8")  # LF, two blank lines
    with pytest.raises(RawDataError) as err:
        read_and_parse(path)
    assert err.value.line == 6


def test_eight_digit_dates_read_as_integers():
    from diagnostics.sources.insee_deaths_csv import _eight_digits

    raw = b"20230109193500001935A10199999999/0000000:00000000000000 "
    value, ok = _eight_digits(np.frombuffer(raw, dtype=np.uint8).reshape(-1, 8))
    assert ok.tolist() == [True, True, False, True, False, False, False]  # « / » and « : » border the digits
    assert value[ok].tolist() == [20230109, 19350000, 99999999]
