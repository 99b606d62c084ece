"""Bénéficiaires de la Complémentaire santé solidaire (CSS, ex CMU-C until November 2019).

No open territorial file exists: the tidy layout recommended to users is
``territoire_type;territoire_code;annee;nb_beneficiaires_css`` with territoire_type ``COM``
(commune code), ``DEP`` (département code, when only département figures are available: smaller
territories then get their département's value, flagged « valeur départementale ») or ``FRANCE``
(national total), counts on 31 December. Two optional columns split the total between the free
CSS and the CSS with a financial contribution: ``nb_css_gratuite;nb_css_participation``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import (
    COMMUNE_CODE,
    DEPARTEMENT_CODE,
    calendar_years,
    check_allowed,
    check_unique,
    counts,
    first_bad,
    read_delimited,
    restore_leading_zeros,
)

COLUMNS = ["territoire_type", "territoire_code", "annee", "nb_beneficiaires_css"]
SPLIT = ["nb_css_gratuite", "nb_css_participation"]
CODE_FORMATS = {
    "COM": (COMMUNE_CODE, "code commune INSEE invalide", 5),
    "DEP": (DEPARTEMENT_CODE, "code de département invalide (attendu 01, 2A, 971…)", 2),
}


def read_css_beneficiaries(path: Path) -> pd.DataFrame:
    """level (``COM``/``DEP``/``FRANCE``), code, year, beneficiaries, and free / with_contribution when given."""
    df = read_delimited(path, COLUMNS, optional=SPLIT)
    check_allowed(df, "territoire_type", ["COM", "DEP", "FRANCE"], path)
    for level, (pattern, problem, width) in CODE_FORMATS.items():
        rows = df["territoire_type"] == level
        df.loc[rows, "territoire_code"] = restore_leading_zeros(df.loc[rows, "territoire_code"], width)
        bad = rows & ~df["territoire_code"].str.match(pattern)
        if bad.any():
            line = first_bad(bad)
            raise RawDataError(
                path, f"{problem} « {df['territoire_code'].iloc[line - 2]} »", line=line, column="territoire_code"
            )
    france = (df["territoire_type"] == "FRANCE") & ~df["territoire_code"].isin(["FRANCE", ""])
    if france.any():
        line = first_bad(france)
        raise RawDataError(
            path,
            f"code « {df['territoire_code'].iloc[line - 2]} » d'une ligne FRANCE : FRANCE (ou vide) attendu",
            line=line,
            column="territoire_code",
        )
    df.loc[df["territoire_type"] == "FRANCE", "territoire_code"] = "FRANCE"
    check_unique(df, ["territoire_type", "territoire_code", "annee"], path)
    out = pd.DataFrame(
        {
            "level": df["territoire_type"],
            "code": df["territoire_code"],
            "year": calendar_years(df, "annee", path),
            "beneficiaries": counts(df, "nb_beneficiaires_css", path),
        }
    )
    given = [c for c in SPLIT if c in df]
    if given and given != SPLIT:
        raise RawDataError(
            path,
            f"colonne « {(set(SPLIT) - set(given)).pop()} » manquante : la répartition de la CSS demande "
            f"les deux colonnes {' et '.join(SPLIT)}",
            line=1,
        )
    if given:
        parts = [counts(df, c, path) for c in SPLIT]
        bad = parts[0] + parts[1] != out["beneficiaries"]
        if bad.any():
            line = first_bad(bad)
            raise RawDataError(path, "nb_css_gratuite + nb_css_participation ≠ nb_beneficiaires_css", line=line)
        out["free"], out["with_contribution"] = parts
    return out
