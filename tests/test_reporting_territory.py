"""Territory: loading by code (and refusing an unknown one), comparators, value_row, the build's threshold."""

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.reporting.territory import (
    TABLES,
    Territory,
    area_names,
    latest_period,
    load_tables,
    load_territory,
    published_indicators,
)

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
REGION = "Région de Val-Brumeux (fictive)"


@pytest.fixture(scope="module")
def raw(demo_processed):
    return pd.read_parquet(demo_processed / "indicators.parquet")


@pytest.fixture(scope="module")
def nord(demo_tables):
    return load_territory("TS-NORD", tables=demo_tables)


def _raw_row(raw, code, indicator, period, sex="ensemble", category="total"):
    d = raw[
        (raw.territory_code == code)
        & (raw.indicator == indicator)
        & (raw.sex == sex)
        & (raw.category == category)
        & (raw.period == period)
    ]
    assert len(d) == 1
    return d.iloc[0]


def test_unknown_code_is_refused_with_the_available_codes(demo_tables):
    with pytest.raises(KeyError) as e:
        load_territory("TS-OUEST", tables=demo_tables)
    # the région is not reported, so it is not offered
    assert e.value.args[0] == f"territoire « TS-OUEST » inconnu ; territoires disponibles : {', '.join(REPORTED)}"


def test_unknown_code_is_refused_when_loading_from_a_folder(demo_processed):
    with pytest.raises(KeyError, match="territoire « 96 » inconnu ; territoires disponibles : 200096003, "):
        load_territory("96", demo_processed)


def test_identity_of_a_territory(nord, demo_tables):
    terr = demo_tables["territories"]
    assert (nord.code, nord.name, nord.kind) == (
        "TS-NORD",
        "Territoire de santé des Brumes du Nord",
        "territoire de santé",
    )
    assert (nord.departement_code, nord.departement_name) == ("DEP-961", "Hautes-Brumes")
    assert (nord.region_code, nord.region_name) == ("REG-96", REGION)
    assert nord.communes == sorted(terr.loc[terr.territory_code == "TS-NORD", "commune"])
    assert len(nord.communes) == 62 and nord.communes[0] == "96101"
    assert load_territory("CLS-VALLONS", tables=demo_tables).communes == ["96240", "96294", "96296", "96298"]


def test_indicators_are_the_publishable_rows_of_the_territory(nord, demo_tables, raw):
    assert set(nord.indicators.territory_code) == {"TS-NORD"}
    assert (
        len(nord.indicators) == (raw.territory_code == "TS-NORD").sum() == 64 + 82 + 15 + 22
    )  # + health (17), primary care (18), social (19)
    assert len(nord.all_indicators) == len(raw)
    # the families before primary care, for the territories and comparators before bassins de vie and zones
    # d'emploi
    older = raw[
        ~raw.indicator.map(indicator_metadata()).str["family"].isin(["primary_care", "health_status", "social"])
    ]
    assert (~older.territory_code.str.startswith(("BV-", "ZE-"))).sum() == 960
    vallons = load_territory("CLS-VALLONS", tables=demo_tables)
    masked = vallons.indicators[vallons.indicators.small_count]
    assert len(masked) == 62  # 27 before issues 17 and 19
    assert masked[["numerator", "value", "ci_low", "ci_high"]].isna().all().all()
    assert set(masked.sig_france) == {"non calculable"}
    assert masked.denominator.notna().all()  # populations are public


def test_comparator_codes(nord, demo_tables):
    assert nord.comparator_codes == ["DEP-961", "REG-96", "FRANCE"]
    assert load_territory("200096013", tables=demo_tables).comparator_codes == ["DEP-963", "REG-96", "FRANCE"]


def test_comparator_codes_skip_missing_comparators(nord):
    from dataclasses import replace

    assert replace(nord, departement_code="").comparator_codes == ["REG-96", "FRANCE"]
    assert replace(nord, departement_code=None, region_code="").comparator_codes == ["FRANCE"]


def test_a_departement_is_not_its_own_comparator(demo_tables):
    assert load_territory("DEP-961", tables=demo_tables).comparator_codes == ["REG-96", "FRANCE"]


def test_value_row_is_the_latest_period_by_default(nord, raw):
    row = nord.value_row("css_rate")
    assert row.period == "2023"
    assert row.value == _raw_row(raw, "TS-NORD", "css_rate", "2023").value == pytest.approx(13.454923, abs=1e-6)
    trend = nord.value_row("mortality_icm_trend")
    assert trend.period == "2021-2023"


def test_value_row_of_a_given_period_sex_category_and_area(nord, raw):
    assert nord.value_row("css_rate", period="2019").value == _raw_row(raw, "TS-NORD", "css_rate", "2019").value
    assert nord.value_row("css_rate", period="2019").value == pytest.approx(12.068079, abs=1e-6)
    men = nord.value_row("mortality_icm", sex="hommes")
    assert (men.sex, men.numerator) == ("hommes", 5368)
    ehpad = nord.value_row("equipment_elderly_rate", category="EHPAD")
    assert ehpad.numerator == 1455 and ehpad.value == pytest.approx(76.619273, abs=1e-6)
    dep = nord.value_row("mortality_icm", code="DEP-961")
    assert dep.territory_code == "DEP-961" and dep.value == pytest.approx(
        nord.value_row("mortality_icm").value_departement
    )
    assert nord.value_row("mortality_icm", code="FRANCE").value == pytest.approx(100.0)


def test_value_row_is_none_when_there_is_no_such_row(nord):
    assert nord.value_row("css_rate", period="1990") is None
    assert nord.value_row("css_rate", sex="hommes") is None
    assert nord.value_row("mortality_icm", category="EHPAD") is None
    assert nord.value_row("no_such_indicator") is None
    assert nord.value_row("mortality_icm", code="XX") is None


def test_value_row_of_a_masked_row_has_no_value(demo_tables):
    vallons = load_territory("CLS-VALLONS", tables=demo_tables)
    row = vallons.value_row("mortality_icm")
    assert bool(row.small_count) and np.isnan(row.value) and np.isnan(row.numerator)
    assert row.denominator == pytest.approx(10.356286, abs=1e-6)


def test_threshold_is_read_from_the_tables(nord, demo_tables):
    assert nord.threshold == 11
    tables = dict(demo_tables, sources=demo_tables["sources"].assign(disclosure_threshold=5))
    assert load_territory("TS-NORD", tables=tables).threshold == 5


def test_tables_without_a_threshold_are_refused(demo_tables):
    tables = dict(demo_tables, sources=demo_tables["sources"].drop(columns="disclosure_threshold"))
    with pytest.raises(
        KeyError, match="ne disent pas leur seuil du secret statistique.*relancez « python run_all.py »"
    ):
        load_territory("TS-NORD", tables=tables)


def test_area_names_and_latest_period(nord, demo_tables):
    names = area_names(demo_tables)
    assert names["FRANCE"] == "France" and names["REG-96"] == REGION and names["DEP-962"] == "Val-d'Ombrelune"
    assert nord.area_name("TS-SUD") == "Territoire de santé Ombrelune-Sud"
    assert latest_period(nord.indicators, "css_rate") == "2023"
    assert latest_period(nord.indicators, "mortality_icm_trend") == "2021-2023"


def test_published_indicators_without_the_cached_copy_masks_too(demo_tables):
    bare = {k: v for k, v in demo_tables.items() if k != "published"}
    pub = published_indicators(bare)
    assert pub.loc[pub.small_count, "value"].isna().all()
    assert pub.equals(demo_tables["published"])


def test_load_tables_reads_every_table_once_while_unchanged(demo_processed, tmp_path):
    folder = tmp_path / "processed"
    shutil.copytree(demo_processed, folder)
    first = load_tables(folder)
    assert set(first) == set(TABLES) | {"published"}
    assert load_tables(folder)["indicators"] is first["indicators"]
    # a rebuilt table (new size and time) is read again
    sources = first["sources"].assign(disclosure_threshold=7, extra="x")
    sources.to_parquet(folder / "sources.parquet")
    stat = (folder / "sources.parquet").stat()
    os.utime(folder / "sources.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = load_tables(folder)
    assert again["sources"] is not first["sources"]
    assert load_territory("TS-NORD", tables=again).threshold == 7


def test_load_tables_names_the_missing_tables(demo_processed, tmp_path):
    folder = tmp_path / "processed"
    shutil.copytree(demo_processed, folder)
    (folder / "contracts.parquet").unlink()
    (folder / "targets.parquet").unlink()
    with pytest.raises(FileNotFoundError) as e:
        load_tables(folder)
    assert str(e.value) == (f"{folder} : table(s) contracts, targets absente(s) ; lancez d'abord « python run_all.py »")


def test_territory_repr_leaves_the_frames_out(nord):
    text = repr(nord)
    assert "TS-NORD" in text and "threshold=11" in text and "DataFrame" not in text and "indicators=" not in text
    assert isinstance(nord, Territory)


def test_read_table_is_read_parquet_with_columns_in_one_piece(demo_processed, tmp_path):
    from diagnostics.reporting.territory import read_table

    for path in sorted(demo_processed.glob("*.parquet")):
        expected = pd.read_parquet(path)
        got = read_table(path)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert list(got.dtypes) == list(expected.dtypes)
    # 300 000 rows: the reader gives the columns in pieces of 131 072 rows; read_table in one
    big = pd.DataFrame({"territory_code": [f"T{i % 1250:04d}" for i in range(300_000)], "value": np.arange(300_000.0)})
    big.to_parquet(tmp_path / "big.parquet", index=False)
    pieces = pd.read_parquet(tmp_path / "big.parquet")["territory_code"].array
    whole = read_table(tmp_path / "big.parquet")["territory_code"].array
    assert pieces._pa_array.num_chunks > 1 and whole._pa_array.num_chunks == 1


def test_area_rows_are_the_rows_of_one_area_in_table_order(demo_tables):
    from diagnostics.reporting.territory import area_rows, derived

    ind = published_indicators(demo_tables)
    for code in ("CLS-BRUMES", "DEP-961", "FRANCE"):
        pd.testing.assert_frame_equal(area_rows(ind, code), ind[ind["territory_code"] == code])
    assert area_rows(ind, "INCONNU").empty and list(area_rows(ind, "INCONNU").columns) == list(ind.columns)
    calls = []
    assert derived(ind, "n", lambda: calls.append(1) or len(ind)) == len(ind)
    assert derived(ind, "n", lambda: calls.append(1) or 0) == len(ind) and calls == [1]  # once per frame
    other = ind.copy()
    assert derived(other, "n", lambda: -1) == -1  # another frame (tables read again): derived anew
    assert derived(ind, "n", lambda: 0) == len(ind)  # the first frame's kept while it lives
    from diagnostics.reporting import territory

    del other
    derived(ind, "m", lambda: 1)
    assert {name for _, name in territory._DERIVED} >= {"n", "m"} and len(territory._DERIVED) == len(
        {k for k in territory._DERIVED if territory._DERIVED[k][0]() is not None}
    )  # nothing derived from a frame that is gone
