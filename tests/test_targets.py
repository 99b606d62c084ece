"""Target statuses on constructed cases at the edges, and the contract files' checks."""

import math

import pandas as pd
import pytest

from diagnostics.indicators import targets
from diagnostics.sources.contracts import read_contracts, read_targets
from diagnostics.sources.errors import RawDataError


def row(period, value, half_width):
    return pd.Series({"period": period, "value": value, "ci_low": value - half_width, "ci_high": value + half_width})


# se of each = half_width / 1.96; with two half widths of 1.96 the se of the difference is √2 = 1.414:
# a change of 2.77 (z = 1.96) is the edge of significance
EDGE = 1.959964 * math.sqrt(2)


@pytest.mark.parametrize(
    "latest_value, target, direction, status",
    [
        (10 - EDGE - 0.01, float("nan"), -1, targets.REACHED),  # « baisse », just significant
        (10 - EDGE + 0.01, float("nan"), -1, targets.NO_CHANGE),  # just not significant
        (10 + EDGE + 0.01, float("nan"), -1, targets.SETBACK),  # significant, the wrong way
        (10 - EDGE - 0.01, 5.0, -1, targets.PROGRESS),  # significant towards 5, not there yet
        (5.0, 5.0, -1, targets.REACHED),  # exactly the target
        (9.5, 9.6, -1, targets.REACHED),  # reached even without significance
        (10 + EDGE - 0.01, 14.0, 1, targets.NO_CHANGE),  # « hausse » towards 14, not significant
        (10 + EDGE + 0.01, 14.0, 1, targets.PROGRESS),
    ],
)
def test_status_at_the_edges(latest_value, target, direction, status):
    base = row("2018", 10.0, 1.959964)
    latest = row("2023", latest_value, 1.959964)
    assert targets.target_status(base, latest, target, direction) == status


def test_overlapping_or_masked_periods_are_not_compared():
    series = pd.DataFrame(
        [dict(row(p, 100 + i, 5)) for i, p in enumerate(["2018-2020", "2019-2021", "2020-2022", "2021-2023"])]
    )
    assert targets.latest_independent(series, "2018-2020").period == "2021-2023"
    assert targets.latest_independent(series, "2019-2021") is None  # 2021-2023 shares 2021
    assert targets.target_status(row("2018", 10, 1), None, float("nan"), -1) == targets.NOT_YET
    masked = row("2023", float("nan"), float("nan"))
    assert targets.target_status(row("2018", 10, 1), masked, float("nan"), -1) == targets.NOT_COMPUTABLE


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_lines_are_checked(tmp_path):
    ok = read_contracts(
        _write(
            tmp_path,
            "contrats.csv",
            "territoire;contrat;statut;debut;fin\nT;CLS;signé;01/06/2021;31/05/2026\nU;ASV;intention;;\n",
        ),
        {"T", "U"},
    )
    assert ok.to_dict("records")[0] == {
        "territory_code": "T",
        "contract": "CLS",
        "status": "signé",
        "start": "2021-06-01",
        "end": "2026-05-31",
    }
    for body, fragment in [
        ("X;CLS;signé;01/06/2021;31/05/2026", "ligne 2, colonne « territoire » : territoire « X » inconnu"),
        (
            "T;CLS;signé;01/06/2021;31/05/2020",
            "ligne 2, colonne « fin » : fin (31/05/2020) antérieure au début (01/06/2021)",
        ),
        ("T;CLS;validé;01/06/2021;", "ligne 2, colonne « statut » : valeur « validé » inattendue"),
        ("T;CLS;signé;2021;", "ligne 2, colonne « debut » : date « 2021 » : JJ/MM/AAAA attendue"),
    ]:
        with pytest.raises(RawDataError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            read_contracts(
                _write(tmp_path, "contrats.csv", "territoire;contrat;statut;debut;fin\n" + body + "\n"), {"T"}
            )


def test_target_lines_are_checked(tmp_path):
    ind = pd.DataFrame(
        {"territory_code": "T", "indicator": "css_rate", "period": ["2018", "2023"], "value": [8.2, 9.0]}
    )
    meta = {"css_rate": {"unit": "%", "decimals": 1}}
    head = "territoire;indicateur;periode_reference;cible;echeance\n"
    ok = read_targets(_write(tmp_path, "objectifs.csv", head + "T;css_rate;2018;7,5;2026\n"), {"T"}, ind, meta)
    assert ok.iloc[0][["target", "direction", "due_year"]].tolist() == [7.5, -1, 2026]
    for body, fragment in [
        ("T;css_taux;2018;7,5;2026", "ligne 2, colonne « indicateur » : indicateur « css_taux » inconnu"),
        (
            "T;css_rate;2018;0,075;2026",
            "ligne 2, colonne « cible » : cible 0,075 hors d'échelle : la valeur de référence est 8,2 (%)",
        ),
        (
            "T;css_rate;2016;baisse;2026",
            "ligne 2, colonne « periode_reference » : période de référence « 2016 » absente",
        ),
        (
            "T;css_rate;2018;baisse;2017",
            "ligne 2, colonne « echeance » : échéance 2017 antérieure à la fin de la période",
        ),
    ]:
        with pytest.raises(RawDataError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            read_targets(_write(tmp_path, "objectifs.csv", head + body + "\n"), {"T"}, ind, meta)


def test_the_demo_contract_follow_up_section(demo_processed):
    """CLS des Pays des Hautes-Brumes: CSS 8,6 % [8,0 – 9,2] in 2018 → 10,3 % [9,6 – 10,9] in 2023 against a
    target « baisse »: a significant rise, « en recul »; ICM 130 (2018-2020) → 131 (2021-2023), target 115:
    « pas d'évolution significative » (2019-2021 and 2020-2022 share years with the baseline)."""
    import html
    import re

    from diagnostics.reporting import report
    from diagnostics.reporting.territory import load_territory

    section = html.unescape(report.targets_html(load_territory("CLS-BRUMES", demo_processed)))
    rows = re.findall(r"<tr>(.*?)</tr>", section)
    cells = [re.findall(r"<td>(.*?)</td>", r) for r in rows[1:]]
    assert cells[0][2:] == [
        "2018 : 8,6\u00a0% [8,0\u00a0–\u00a09,2]",
        "2023 : 10,3\u00a0% [9,6\u00a0–\u00a010,9]",
        "baisse (2025)",
        "+1,7",
        "en recul",
    ]
    assert cells[1][2:] == [
        "2018-2020 : 130 [117\u00a0–\u00a0144]",
        "2021-2023 : 131 [118\u00a0–\u00a0145]",
        "115 (2026)",
        "+1",
        "pas d'évolution significative",
    ]
    assert "Contrat local de santé (CLS), signé, du 01/06/2021 au 31/05/2026." in section
    assert report.targets_html(load_territory("TS-NORD", demo_processed)) == ""  # no contract, no section
