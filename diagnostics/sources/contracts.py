"""Territorial contracts and their targets (suivi des CLS, CLSM, ASV, CPOM), two plain files an ARS
officer edits in a spreadsheet:

``contrats.csv`` — ``territoire;contrat;statut;debut;fin``: one line per contract; ``contrat`` CLS,
CLSM, ASV or CPOM; ``statut`` signé, en cours d'élaboration, intention or échu; dates JJ/MM/AAAA
(``debut`` and ``fin`` may be empty before signature).

``objectifs.csv`` — ``territoire;indicateur;periode_reference;cible;echeance``: one line per
indicator followed; ``cible`` is a value in the indicator's unit (``9,5`` for 9,5 %) or a direction,
``baisse`` or ``hausse``; ``echeance`` the year by which it should be reached.

Both are checked against the territories and the computed indicators; each error names the line.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import first_bad, read_delimited

CONTRACT_COLUMNS = ["territoire", "contrat", "statut", "debut", "fin"]
TARGET_COLUMNS = ["territoire", "indicateur", "periode_reference", "cible", "echeance"]
CONTRACT_TYPES = ["CLS", "CLSM", "ASV", "CPOM"]
STATUSES = ["signé", "en cours d'élaboration", "intention", "échu"]
DIRECTIONS = ["baisse", "hausse"]
SCALE_FACTOR = 5  # a target more than 5 times above or below the baseline is on another scale (0,08 for 8 %)


def _date(text: str, path: Path, line: int, column: str) -> dt.date | None:
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RawDataError(path, f"date « {text} » : JJ/MM/AAAA attendue", line=line, column=column)


def _check_territories(df: pd.DataFrame, path: Path, territories: set[str]) -> None:
    unknown = ~df["territoire"].isin(territories)
    if unknown.any():
        line = first_bad(unknown)
        raise RawDataError(path, f"territoire « {df['territoire'].iloc[line - 2]} » inconnu (absent de territoires.csv)",
                           line=line, column="territoire")


def read_contracts(path: Path, territories: set[str]) -> pd.DataFrame:
    """territory_code, contract, status, start, end (dates as ISO text, "" when absent)."""
    df = read_delimited(path, CONTRACT_COLUMNS)
    _check_territories(df, path, territories)
    for column, allowed in (("contrat", CONTRACT_TYPES), ("statut", STATUSES)):
        bad = ~df[column].isin(allowed)
        if bad.any():
            line = first_bad(bad)
            raise RawDataError(path, f"valeur « {df[column].iloc[line - 2]} » inattendue ; valeurs acceptées : {', '.join(allowed)}",
                               line=line, column=column)
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        start, end = _date(r.debut, path, i, "debut"), _date(r.fin, path, i, "fin")
        if start and end and end < start:
            raise RawDataError(path, f"fin ({r.fin}) antérieure au début ({r.debut})", line=i, column="fin")
        if r.statut in ("signé", "échu") and not start:
            raise RawDataError(path, f"contrat {r.statut} sans date de début", line=i, column="debut")
        rows.append((r.territoire, r.contrat, r.statut, start.isoformat() if start else "", end.isoformat() if end else ""))
    return pd.DataFrame(rows, columns=["territory_code", "contract", "status", "start", "end"])


def _period_end(period: str) -> int:
    return int(str(period).split("-")[-1])


def read_targets(path: Path, territories: set[str], indicators: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """territory_code, indicator, baseline_period, target (NaN for a direction), direction (-1, +1), due_year.

    ``indicators``: the computed rows (both sexes, total), to check that the baseline period exists
    and that a target value is on the indicator's scale."""
    df = read_delimited(path, TARGET_COLUMNS)
    _check_territories(df, path, territories)
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        if r.indicateur not in metadata:
            raise RawDataError(path, f"indicateur « {r.indicateur} » inconnu ; identifiants : voir l'annexe des méthodes ou "
                                     "metadata.yaml (ex. mortality_icm_trend, css_rate)", line=i, column="indicateur")
        mine = indicators[(indicators.territory_code == r.territoire) & (indicators.indicator == r.indicateur)]
        base = mine[mine.period.astype(str) == r.periode_reference]
        if base.empty:
            periods = ", ".join(sorted(mine.period.astype(str).unique())) or "aucune"
            raise RawDataError(path, f"période de référence « {r.periode_reference} » absente pour {r.indicateur} ; périodes "
                                     f"disponibles : {periods}", line=i, column="periode_reference")
        try:
            due = int(r.echeance)
        except ValueError:
            raise RawDataError(path, f"échéance « {r.echeance} » : année AAAA attendue", line=i, column="echeance") from None
        if due < _period_end(r.periode_reference):
            raise RawDataError(path, f"échéance {due} antérieure à la fin de la période de référence ({r.periode_reference})",
                               line=i, column="echeance")
        target, direction = _target(r.cible, float(base.value.iloc[0]), metadata[r.indicateur], path, i)
        rows.append((r.territoire, r.indicateur, r.periode_reference, target, direction, due))
    out = pd.DataFrame(rows, columns=["territory_code", "indicator", "baseline_period", "target", "direction", "due_year"])
    dup = out.duplicated(["territory_code", "indicator"])
    if dup.any():
        raise RawDataError(path, "objectif en double pour ce territoire et cet indicateur", line=first_bad(dup))
    return out


def _target(text: str, baseline: float, meta: dict, path: Path, line: int) -> tuple[float, int]:
    if text.lower() in DIRECTIONS:
        return float("nan"), -1 if text.lower() == "baisse" else 1
    try:
        target = float(text.replace(",", ".").replace("%", "").strip())
    except ValueError:
        raise RawDataError(path, f"cible « {text} » : une valeur (ex. 9,5) ou baisse / hausse attendue", line=line,
                           column="cible") from None
    shown = f"{baseline:.{meta['decimals']}f}".replace(".", ",")
    if target < 0 or (meta["unit"] == "%" and target > 100) or \
            (baseline > 0 and not baseline / SCALE_FACTOR <= target <= baseline * SCALE_FACTOR):
        raise RawDataError(path, f"cible {text} hors d'échelle : la valeur de référence est {shown} ({meta['unit']}) ; la cible "
                                 "s'écrit dans la même unité (9,5 pour 9,5 %)", line=line, column="cible")
    if target == baseline:
        raise RawDataError(path, f"cible {text} égale à la valeur de référence : indiquez une valeur à atteindre ou baisse / hausse",
                           line=line, column="cible")
    return target, -1 if target < baseline else 1
