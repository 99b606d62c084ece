"""Territorial contracts and their targets (suivi des CLS, CLSM, ASV, CPOM), two plain files an ARS
officer edits in a spreadsheet:

``contrats.csv`` — ``territoire;contrat;statut;debut;fin``: one line per contract; ``contrat`` CLS,
CLSM, ASV or CPOM; ``statut`` signé, en cours d'élaboration, intention or échu; dates JJ/MM/AAAA
(``debut`` and ``fin`` may be empty before signature).

``objectifs.csv`` — ``territoire;indicateur;periode_reference;cible;echeance``: one line per
indicator followed; ``cible`` is a value in the indicator's unit (``9,5`` for 9,5 %) or a direction,
``baisse`` or ``hausse``; ``echeance`` the year by which it should be reached.

Both are checked against the territories and the computed indicators; each error names the line.
What needs no indicator (:func:`read_contracts`, :func:`read_target_lines`) is checked with the other
raw files by ``--check``; the baseline of a target is checked once the indicators are computed
(:func:`check_targets`, which ``--check`` runs too).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import check_unique, first_bad, read_delimited

CONTRACT_COLUMNS = ["territoire", "contrat", "statut", "debut", "fin"]
TARGET_COLUMNS = ["territoire", "indicateur", "periode_reference", "cible", "echeance"]
CONTRACT_TYPES = ["CLS", "CLSM", "ASV", "CPOM"]
STATUSES = ["signé", "en cours d'élaboration", "intention", "échu"]
DIRECTIONS = ["baisse", "hausse"]
SCALE_FACTOR = 5  # a target more than 5 times above or below the baseline is on another scale (0,08 for 8 %)
PERIOD = re.compile(r"^([0-9]{4})(?:-([0-9]{4}))?\Z")  # 2018 or 2018-2020
YEAR = re.compile(r"^[0-9]{4}\Z")
NUMBER = re.compile(r"^[0-9]+(?:[.,][0-9]+)?\Z")


def _date(text: str, path: Path, line: int, column: str) -> dt.date | None:
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RawDataError(path, f"date « {text} » : JJ/MM/AAAA attendue", line=line, column=column)


def _check_territories(df: pd.DataFrame, path: Path, territories: set[str] | None) -> None:
    """Every territory known (``territories`` None: not known yet, checked later)."""
    if territories is None:
        return
    unknown = ~df["territoire"].isin(territories)
    if unknown.any():
        line = first_bad(unknown)
        raise RawDataError(
            path,
            f"territoire « {df['territoire'].iloc[line - 2]} » inconnu (absent de territoires.csv)",
            line=line,
            column="territoire",
        )


def read_contracts(path: Path, territories: set[str] | None) -> pd.DataFrame:
    """territory_code, contract, status, start, end (dates as ISO text, "" when absent)."""
    df = read_delimited(path, CONTRACT_COLUMNS)
    check_unique(df, CONTRACT_COLUMNS, path)
    _check_territories(df, path, territories)
    for column, allowed in (("contrat", CONTRACT_TYPES), ("statut", STATUSES)):
        bad = ~df[column].isin(allowed)
        if bad.any():
            line = first_bad(bad)
            raise RawDataError(
                path,
                f"valeur « {df[column].iloc[line - 2]} » inattendue ; valeurs acceptées : {', '.join(allowed)}",
                line=line,
                column=column,
            )
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        start, end = _date(r.debut, path, i, "debut"), _date(r.fin, path, i, "fin")
        if start and end and end < start:
            raise RawDataError(path, f"fin ({r.fin}) antérieure au début ({r.debut})", line=i, column="fin")
        if r.statut in ("signé", "échu") and not start:
            raise RawDataError(path, f"contrat {r.statut} sans date de début", line=i, column="debut")
        rows.append(
            (r.territoire, r.contrat, r.statut, start.isoformat() if start else "", end.isoformat() if end else "")
        )
    return pd.DataFrame(rows, columns=["territory_code", "contract", "status", "start", "end"])


def read_target_lines(path: Path, territories: set[str] | None, metadata: dict) -> pd.DataFrame:
    """The targets as written, checked without the indicators: line, territory_code, indicator,
    baseline_period, cible (text), target (NaN for a direction), direction (-1, +1; 0 until compared
    with the baseline), due_year."""
    df = read_delimited(path, TARGET_COLUMNS)
    _check_territories(df, path, territories)
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        if r.indicateur not in metadata:
            raise RawDataError(
                path,
                f"indicateur « {r.indicateur} » inconnu ; identifiants : voir l'annexe des méthodes ou "
                "metadata.yaml (ex. mortality_icm_trend, css_rate)",
                line=i,
                column="indicateur",
            )
        period = PERIOD.match(r.periode_reference)
        if not period or (period.group(2) and period.group(2) < period.group(1)):
            raise RawDataError(
                path,
                f"période de référence « {r.periode_reference} » : AAAA ou AAAA-AAAA attendue (ex. 2018, 2018-2020)",
                line=i,
                column="periode_reference",
            )
        if not YEAR.match(r.echeance):
            raise RawDataError(path, f"échéance « {r.echeance} » : année AAAA attendue", line=i, column="echeance")
        due = int(r.echeance)
        if due < _period_end(r.periode_reference):
            raise RawDataError(
                path,
                f"échéance {due} antérieure à la fin de la période de référence ({r.periode_reference})",
                line=i,
                column="echeance",
            )
        target, direction = _target_value(r.cible, metadata[r.indicateur], path, i)
        rows.append((i, r.territoire, r.indicateur, r.periode_reference, r.cible, target, direction, due))
    out = pd.DataFrame(
        rows,
        columns=["line", "territory_code", "indicator", "baseline_period", "cible", "target", "direction", "due_year"],
    )
    dup = out.duplicated(["territory_code", "indicator"])
    if dup.any():
        raise RawDataError(path, "objectif en double pour ce territoire et cet indicateur", line=first_bad(dup))
    return out


def check_targets(lines: pd.DataFrame, path: Path, indicators: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """territory_code, indicator, baseline_period, target, direction, due_year: each target's baseline
    period exists among the computed ``indicators`` (both sexes, total) and its value is on the
    indicator's scale; the direction of a value target is set by its baseline."""
    rows = []
    for r in lines.itertuples(index=False):
        mine = indicators[(indicators.territory_code == r.territory_code) & (indicators.indicator == r.indicator)]
        base = mine[mine.period.astype(str) == r.baseline_period]
        if base.empty:
            periods = ", ".join(sorted(mine.period.astype(str).unique())) or "aucune"
            raise RawDataError(
                path,
                f"période de référence « {r.baseline_period} » absente pour {r.indicator} ; périodes "
                f"disponibles : {periods}",
                line=r.line,
                column="periode_reference",
            )
        direction = (
            r.direction
            if r.direction
            else _direction(r.cible, r.target, float(base.value.iloc[0]), metadata[r.indicator], path, r.line)
        )
        rows.append((r.territory_code, r.indicator, r.baseline_period, r.target, direction, r.due_year))
    return pd.DataFrame(
        rows, columns=["territory_code", "indicator", "baseline_period", "target", "direction", "due_year"]
    )


def read_targets(path: Path, territories: set[str], indicators: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """territory_code, indicator, baseline_period, target (NaN for a direction), direction (-1, +1), due_year.

    ``indicators``: the computed rows (both sexes, total), to check that the baseline period exists
    and that a target value is on the indicator's scale."""
    return check_targets(read_target_lines(path, territories, metadata), path, indicators, metadata)


def _period_end(period: str) -> int:
    return int(str(period).split("-")[-1])


def _target_value(text: str, meta: dict, path: Path, line: int) -> tuple[float, int]:
    """(value, 0) for a value target, (NaN, -1 or +1) for a direction."""
    if text.lower() in DIRECTIONS:
        return float("nan"), -1 if text.lower() == "baisse" else 1
    number = text.replace("%", "").strip()
    if not NUMBER.match(number):
        raise RawDataError(
            path, f"cible « {text} » : une valeur (ex. 9,5) ou baisse / hausse attendue", line=line, column="cible"
        )
    target = float(number.replace(",", "."))
    if meta["unit"] == "%" and target > 100:
        raise RawDataError(
            path,
            f"cible {text} hors d'échelle : un pourcentage s'écrit de 0 à 100 (9,5 pour 9,5 %)",
            line=line,
            column="cible",
        )
    return target, 0


def _direction(text: str, target: float, baseline: float, meta: dict, path: Path, line: int) -> int:
    """-1 or +1: a value target below or above its baseline, on the same scale."""
    shown = f"{baseline:.{meta['decimals']}f}".replace(".", ",")
    if baseline > 0 and not baseline / SCALE_FACTOR <= target <= baseline * SCALE_FACTOR:
        raise RawDataError(
            path,
            f"cible {text} hors d'échelle : la valeur de référence est {shown} ({meta['unit']}) ; la cible "
            "s'écrit dans la même unité (9,5 pour 9,5 %)",
            line=line,
            column="cible",
        )
    if target == baseline:
        raise RawDataError(
            path,
            f"cible {text} égale à la valeur de référence : indiquez une valeur à atteindre ou baisse / hausse",
            line=line,
            column="cible",
        )
    return -1 if target < baseline else 1
