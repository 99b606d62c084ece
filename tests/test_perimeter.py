"""An ad hoc perimeter (issue 20): its members checked, its figures those of the build, its name harmless."""

import numpy as np
import pandas as pd
import pytest

from diagnostics.formatting import spreadsheet_safe
from diagnostics.indicators.icm_power import icm_power_table, icm_power_values
from diagnostics.methods.differencing import differencing_suppression, nested_territories
from diagnostics.reporting import report
from diagnostics.reporting.perimeter import all_tables, perimeter_tables, perimeter_territory
from diagnostics.reporting.power_note import power_sentence_of
from diagnostics.territories.perimeter import (
    PerimeterError,
    perimeter_communes,
    perimeter_slug,
    territories_csv_line,
)


@pytest.fixture(scope="module")
def tables(demo_processed):
    return all_tables(demo_processed)


def _rows(indicators, code):
    return indicators[indicators["territory_code"] == code].drop(columns="territory_code").reset_index(drop=True)


@pytest.mark.parametrize("code, members", [("CLS-BRUMES", None), ("200096003", "EPCI:200096003")])
def test_perimeter_equal_to_a_built_territory_has_identical_figures(tables, code, members):
    terr = tables["territories"]
    members = members or ",".join(terr.loc[terr["territory_code"] == code, "commune"])
    p = perimeter_tables(members, "Copie", tables=tables)
    assert p.notices == []  # the same communes: nothing to recover by difference
    built, adhoc = _rows(tables["indicators"], code), _rows(p.tables["indicators"], p.code)
    assert len(built) > 100
    pd.testing.assert_frame_equal(built, adhoc, check_dtype=False)
    icm = adhoc[(adhoc.indicator == "mortality_icm") & (adhoc.sex == "ensemble")].iloc[-1]
    same = built[(built.indicator == "mortality_icm") & (built.sex == "ensemble")].iloc[-1]
    assert icm.value == pytest.approx(same.value)


def test_families_computed_in_two_parts_give_the_perimeter_of_one_pass(demo_processed, tables):
    from diagnostics.indicators.compute import FAMILIES, HALVES, indicator_frames
    from diagnostics.reporting.perimeter import perimeter_frames

    assert sorted(HALVES[0] + HALVES[1]) == sorted(FAMILIES) and len(set(FAMILIES)) == 9
    members = "EPCI:200096003,96301"
    whole = perimeter_tables(members, "Deux parts", tables=tables)
    mortality = perimeter_frames(members, "Deux parts", demo_processed, HALVES[0])
    others = perimeter_frames(members, "Deux parts", demo_processed, HALVES[1])
    assert {"mortality_icm", "life_expectancy_0"} <= set(pd.concat(mortality)["indicator"])
    assert "mortality_icm" not in set(pd.concat(others)["indicator"])
    parts = perimeter_tables(members, "Deux parts", tables=tables, frames=others + mortality)  # any order
    pd.testing.assert_frame_equal(parts.tables["indicators"], whole.tables["indicators"])
    assert len(_rows(parts.tables["indicators"], parts.code)) > 100
    with pytest.raises(ValueError, match="familles d'indicateurs inconnues : mortalite"):
        indicator_frames(tables, families=("mortalite",))


def test_a_perimeter_offered_ahead_is_taken_once_and_only_for_unchanged_tables(demo_processed, tmp_path):
    import shutil

    from diagnostics.reporting import perimeter as module

    folder = tmp_path / "processed"
    shutil.copytree(demo_processed, folder)
    members = "EPCI:200096003"
    computed = module.perimeter_tables(members, "Falroche", folder)
    module.offer_perimeter(computed, members, "Falroche", folder)
    assert module.perimeter_tables(members, "Falroche", folder) is computed  # what run_all.py computed ahead
    again = module.perimeter_tables(members, "Falroche", folder)  # taken once: computed anew
    assert again is not computed
    pd.testing.assert_frame_equal(again.tables["indicators"], computed.tables["indicators"])
    module.offer_perimeter(computed, members, "Falroche", folder)
    (folder / "css.parquet").touch()  # a table rewritten since: the offered perimeter is not used
    assert module.perimeter_tables(members, "Falroche", folder) is not computed
    assert module._PREPARED == {}
    module.offer_perimeter(computed, members, "Falroche", folder)
    assert module.perimeter_tables(members, "Autre nom", folder).name == "Autre nom"
    unnamed = module.perimeter_tables(members, None, folder)
    module.offer_perimeter(unnamed, members, "", folder)  # the command's empty --nom and the notebook's None agree
    assert module.perimeter_tables(members, None, folder) is unnamed and unnamed.name == "Périmètre à la demande"


def test_other_territories_are_not_recomputed_and_tables_are_not_modified(tables):
    before = len(tables["indicators"])
    p = perimeter_tables("96301,96302,96303", "Trois communes", tables=tables)
    assert len(tables["indicators"]) == before
    added = p.tables["indicators"].iloc[before:]
    assert set(added["territory_code"]) == {"trois-communes"}
    assert p.tables["territories"].query("territory_code == 'trois-communes'")["commune"].tolist() == [
        "96301",
        "96302",
        "96303",
    ]
    # its power row added to the build's (the report's sentence), from its own expected deaths
    power = p.tables["icm_power"]
    assert len(power) == len(tables["icm_power"]) + 1
    row = power[power["territory_code"] == "trois-communes"].iloc[0]
    icm = added[(added["indicator"] == "mortality_icm") & (added["sex"] == "ensemble")].iloc[-1]
    assert row["expected"] == icm["denominator"] and row["years"] == 5
    assert row["excess"] == icm_power(icm["denominator"], 5)["excess"]


def test_a_folder_built_before_the_power_table_is_said_before_anything_runs(demo_processed, tmp_path, capsys):
    import shutil

    from diagnostics.pipeline.cli import main

    folder = tmp_path / "processed"
    shutil.copytree(demo_processed, folder)
    (folder / "icm_power.parquet").unlink()
    out = tmp_path / "reports"
    assert main(["--processed", str(folder), "-o", str(out), "--communes", "96301,96302", "--nom", "X"]) == 2
    assert "table(s) icm_power absente(s) ; lancez d'abord « python run_all.py »" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(FileNotFoundError, match="icm_power"):
        perimeter_tables("96301,96302", "X", folder)
    comparer = ["--processed", str(folder), "-o", str(out), "--comparer", "A=96301,96302", "B=96303,96304"]
    assert main(comparer) == 2
    assert "table(s) icm_power absente(s)" in capsys.readouterr().err


def test_perimeter_one_commune_short_of_a_published_territory_is_masked_by_difference(tables):
    terr = tables["territories"]
    cls = terr.loc[terr["territory_code"] == "CLS-BRUMES", "commune"].tolist()
    p = perimeter_tables(cls[:-1], "CLS moins une commune", tables=tables)
    assert len(p.notices) == 1 and "CLS du Pays des Hautes-Brumes (1 commune(s) d'écart)" in p.notices[0]
    ind = p.tables["indicators"]
    mine = ind[ind["territory_code"] == p.code].set_index(["indicator", "sex", "category", "period"])
    built = ind[ind["territory_code"] == "CLS-BRUMES"].set_index(["indicator", "sex", "category", "period"])
    gap = (mine["numerator"] - built["numerator"].reindex(mine.index)).abs()
    risky = (gap > 0) & (gap < 11) & mine.index.get_level_values("indicator").isin(["mortality_icm", "population"])
    assert risky.any() and mine.loc[risky[risky].index, "small_count"].all()
    published = p.tables["published"]
    assert (
        published.loc[published["territory_code"] == p.code].loc[lambda d: d["small_count"], "numerator"].isna().all()
    )


def test_differencing_on_constructed_cases():
    assert nested_territories({"a", "b"}, {"T": {"a", "b", "c"}, "U": {"a", "b"}, "V": {"a", "d"}}) == {"T": {"c"}}
    assert nested_territories({"a", "b", "c"}, {"T": {"a"}}) == {"T": {"b", "c"}}
    key = {"sex": "ensemble", "category": "total", "period": "2019-2023"}
    mine = pd.DataFrame(
        [
            {"indicator": "deaths", "numerator": 100, "small_count": False, **key},
            {"indicator": "births", "numerator": 50, "small_count": False, **key},
            {"indicator": "euros", "numerator": 1000, "small_count": False, **key},
            {"indicator": "tiny", "numerator": 3, "small_count": True, **key},
        ]
    )
    other = pd.DataFrame(
        [
            {"indicator": "deaths", "numerator": 104, **key},  # 4 deaths in the difference
            {"indicator": "births", "numerator": 61, **key},  # 11: publishable
            {"indicator": "euros", "numerator": 1003, **key},
            {"indicator": "tiny", "numerator": 3, **key},
        ]
    )
    small = differencing_suppression(mine, other, 11, count_based={"deaths", "births", "tiny"})
    assert small.tolist() == [True, False, False, True]
    assert differencing_suppression(mine, other, 11).tolist() == [True, False, True, True]
    assert differencing_suppression(mine, other.iloc[:0], 11).tolist() == [False, False, False, True]


def _communes():
    return pd.DataFrame(
        {
            "commune": ["96001", "96002", "96003", "97001"],
            "departement_code": ["960"] * 3 + ["970"],
            "region_code": ["96"] * 3 + ["97"],
            "epci_code": ["E1", "E1", "E2", "E3"],
        }
    )


def test_members_and_shorthands():
    assert perimeter_communes("96003, EPCI:E1", _communes(), "96") == ["96003", "96001", "96002"]
    assert perimeter_communes(["96001;96003"], _communes()) == ["96001", "96003"]
    assert perimeter_communes("DEP:960", _communes(), "96") == ["96001", "96002", "96003"]


@pytest.mark.parametrize(
    "members, message",
    [
        ("", "périmètre vide"),
        (" , ", "périmètre vide"),
        ("96001,99999", "élément n° 2 « 99999 » : ni une commune connue"),
        ("96001,EPCI:NOPE", "élément n° 2 « EPCI:NOPE »"),
        ("96001,96002,96001", "citée(s) deux fois (directement ou par un raccourci) : 96001"),
        ("96002,EPCI:E1", "citée(s) deux fois (directement ou par un raccourci) : 96002"),
        ("96001,97001", "hors de la région des rapports (96) : 97001"),
    ],
)
def test_bad_lists_are_refused_in_french(members, message):
    with pytest.raises(PerimeterError, match=None) as exc:
        perimeter_communes(members, _communes(), "96")
    assert message in str(exc.value)


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Périmètre de l'Étang", "perimetre-de-l-etang"),
        ('<script>alert("x")</script>', "script-alert-x-script"),
        ("../../etc/passwd", "etc-passwd"),
        ('=HYPERLINK("http://x")', "hyperlink-http-x"),
        ("@SUM(A1)", "sum-a1"),
        ("index", "index-perimetre"),
        ("CLS-BRUMES", "cls-brumes"),
        ("«»", "perimetre"),
    ],
)
def test_hostile_names_give_safe_slugs(name, slug):
    assert perimeter_slug(name) == slug


def test_slug_of_an_existing_code_or_empty_name():
    assert perimeter_slug("Trois", taken={"trois"}) == "trois-perimetre"
    with pytest.raises(PerimeterError, match="nom du périmètre obligatoire"):
        perimeter_slug("  ")


def test_territories_csv_line_quotes_what_the_reader_would_split():
    assert territories_csv_line("x", 'A;B "C"', "96001,EPCI:E1") == 'X;"A;B ""C""";territoire de projet;96001 EPCI:E1'


def test_spreadsheet_safe():
    assert [spreadsheet_safe(v) for v in ("=1+1", "+33", "-cmd", "@x", "\tx", "ok", "-3,5", "+12", "–")] == [
        "'=1+1",
        "+33",
        "'-cmd",
        "'@x",
        "'\tx",
        "ok",
        "-3,5",
        "+12",
        "–",
    ]
    assert spreadsheet_safe(-3.5) == -3.5


def test_hostile_name_is_escaped_in_html_and_neutralised_in_csv(tables):
    name = '=cmd|"/C calc"!A0 <img src=x onerror=alert(1)>'
    t, p = perimeter_territory("96301,96302", name, tables=tables)
    html = report.header_html(t, "01/01/2026")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    csv = report.csv_export(t).text
    lines = csv.splitlines()
    assert len(lines) > 50
    assert all(line.split(";")[1].startswith("\"'=cmd") for line in lines[1:])
    assert p.code == "cmd-c-calc-a0-img-src-x-onerror-alert-1"


def test_every_csv_cell_of_a_report_is_spreadsheet_safe():
    table = pd.DataFrame({"a": ["=x", "y"], "@b": [1.5, -2.0]})
    assert report.csv_text(table).splitlines() == ["a;'@b", "'=x;1,5", "y;-2,0"]


def icm_power(expected: float, years: int) -> dict:
    return {k: float(v) for k, v in icm_power_values(expected, years).items()}


def power_sentence(expected: float, years: int) -> str:
    return power_sentence_of(icm_power(expected, years), years)


def test_power_sentence_by_hand():
    """E = 20: 30 deaths are needed for an excess, at most 11 for a deficit (test_power). The exact Poisson
    power reaches 80 % at μ = 34,486 (P(Poisson(μ) ≥ 30) = 0,8), ICM 172,4, and at μ = 9,031
    (P(Poisson(μ) ≤ 11) = 0,8), ICM 45,2 → « au moins 73 % » above, « 55 % » below (rounded up: « au moins »)."""
    from scipy import stats as sps

    p = icm_power(20.0, 5)
    assert p["excess"] == pytest.approx(72.43, abs=0.01) and p["deficit"] == pytest.approx(54.85, abs=0.01)
    assert sps.poisson.sf(29, 20 * (100 + p["excess"]) / 100) == pytest.approx(0.8, abs=1e-9)
    assert sps.poisson.cdf(11, 20 * (100 - p["deficit"]) / 100) == pytest.approx(0.8, abs=1e-9)
    text = power_sentence(20.0, 5)
    assert text.startswith(
        "Sur ce périmètre, seul un écart de mortalité d'au moins 73\u00a0% au-dessus du niveau "
        "de la France peut être mis en évidence (ou d'au moins 55\u00a0% au-dessous)"
    )
    assert "avec 20 décès attendus en 5 an(s)" in text
    # 4 expected deaths a year: 10 % needs ≈ (1,96 + 0,84)² / 0,1² ≈ 800 expected, i.e. far beyond 50 years
    assert "Même 50 années cumulées ne suffiraient pas" in text
    assert "aucune sous-mortalité" in power_sentence(3.0, 5)


def test_power_table_of_the_build(tables):
    pt = icm_power_table(
        tables["indicators"][tables["indicators"]["territory_code"].isin(["CLS-BRUMES", "CLS-VALLONS"])]
    )
    assert pt["territory_code"].tolist() == ["CLS-BRUMES", "CLS-VALLONS"]
    assert (pt["excess"] > 0).all() and np.isfinite(pt.loc[0, "deficit"])
    assert pt.loc[1, "excess"] > pt.loc[0, "excess"]  # the 158-inhabitant CLS sees only a larger gap
    # the build's table holds the same numbers for every area with an ICM, the report's sentence among them
    built = tables["icm_power"].set_index("territory_code")
    for row in pt.itertuples():
        assert built.loc[row.territory_code, "excess"] == row.excess and built.loc[row.territory_code, "years"] == 5
        by_hand = icm_power(row.expected, 5)
        assert by_hand["years_excess"] == built.loc[row.territory_code, "years_excess"] or np.isnan(
            by_hand["years_excess"]
        )
    assert set(tables["territories"]["territory_code"]) <= set(built.index) | {"FRANCE"}


@pytest.mark.parametrize("members", [[""], ["96301,99999"], ["96301,96301"]])
def test_cli_bad_list_exits_2_and_writes_nothing(demo_processed, tmp_path, capsys, members):
    from diagnostics.pipeline.cli import main

    out = tmp_path / "reports"
    assert main(["--processed", str(demo_processed), "-o", str(out), "--communes", *members, "--nom", "X"]) == 2
    assert "Erreur : " in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.slow
def test_cli_builds_the_perimeter_report_alone(demo_processed, tmp_path, capsys, monkeypatch):
    from diagnostics.pipeline.cli import main
    from diagnostics.reporting import perimeter as module

    offered, offer = [], module.offer_perimeter
    monkeypatch.setattr(module, "offer_perimeter", lambda p, *a: offered.append(p) or offer(p, *a))
    out = tmp_path / "reports"
    name = '=Nacre <b>"ouest"</b>/..'
    assert (
        main(
            [
                "--processed",
                str(demo_processed),
                "-o",
                str(out),
                "--communes",
                "96301,96302",
                "EPCI:200096000",
                "--nom",
                name,
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["nacre-b-ouest-b.csv", "nacre-b-ouest-b.html"]  # no index
    printed = capsys.readouterr().out
    line = 'NACRE-B-OUEST-B;"=Nacre <b>""ouest""</b>/..";territoire de projet;96301 96302 EPCI:200096000'
    assert line in printed
    html = (out / "nacre-b-ouest-b.html").read_text()
    assert '<b>"ouest"' not in html and "Nacre &lt;b&gt;" in html
    assert "Périmètre à la demande (21 communes)" in html
    assert "Sur ce périmètre, seul un écart de mortalité d&#39;au moins" in html
    # computed ahead in a child process, then taken by the notebook's own call
    assert len(offered) == 1 and offered[0].name == name and module._PREPARED == {}
    rows = (out / "nacre-b-ouest-b.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].split(";")[1].startswith("\"'=Nacre")


def test_overview_lists_the_territories_too_small_for_20_percent(tables):
    from diagnostics.reporting.power_note import underpowered_html

    html = underpowered_html(tables)
    assert "C&#39;est le cas de 1 territoire(s) : CLS des Hauts-Vallons (10 décès attendus" in html
    assert "CLS du Pays des Hautes-Brumes" not in html


def test_a_report_reads_its_power_and_loads_no_scipy(demo_processed):
    """The power sentence comes from the build's icm_power table: the report process never imports scipy
    (≈ 0,13 s of a one-territory report), and the sentence is the one computed from E by hand."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from diagnostics.pipeline.worker import import_report_modules\n"
        "import diagnostics.reporting.perimeter\n"
        "import_report_modules()\n"
        "from diagnostics.reporting.territory import load_territory\n"
        "from diagnostics.reporting.power_note import power_html\n"
        f"t = load_territory('CLS-BRUMES', {str(demo_processed)!r})\n"
        "print(power_html(t))\n"
        "print('scipy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.rstrip().endswith("False")
    expected = all_tables(demo_processed)["icm_power"].set_index("territory_code").loc["CLS-BRUMES", "expected"]
    assert power_sentence(expected, 5).replace("'", "&#39;") in out
