"""Changes of commune codes: communes nouvelles (fusions) and arrondissements municipaux.

Files carry the COG in force when they were made; territories use the current one. Accepted:

* INSEE's « mouvements des communes » file of the COG (``v_mvt_commune_AAAA.csv``, ``,``-separated:
  ``MOD,DATE_EFF,TYPECOM_AV,COM_AV,…,TYPECOM_AP,COM_AP,…``): merges (MOD 31–34) and code changes
  (41, 50) are followed to the current code;
* a user mapping ``passage_communes.csv``: ``ancien_code;nouveau_code``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import check_codes, check_commune_codes, first_bad, read_delimited, read_text

MERGE_MODES = {"31", "32", "33", "34", "41", "50"}
MODE = re.compile(r"^[0-9]{2}\Z")
ALIAS_COLUMNS = ["alias", "commune", "reason"]


def read_cog_movements(path: Path) -> pd.DataFrame:
    """alias (former code), commune (code after the change), reason."""
    text = read_text(path)
    sep = "," if "," in text[: text.find("\n")] else ";"
    df = read_delimited(path, ["MOD", "TYPECOM_AV", "COM_AV", "TYPECOM_AP", "COM_AP"], sep=sep)
    check_codes(df, "MOD", MODE, "code de modification", "2 chiffres, ex. 32", path)
    keep = (
        df["MOD"].isin(MERGE_MODES)
        & (df["TYPECOM_AV"] == "COM")
        & (df["TYPECOM_AP"] == "COM")
        & (df["COM_AV"] != df["COM_AP"])
    )
    for column in ("COM_AV", "COM_AP"):
        check_commune_codes(df.where(keep, "00000"), column, path)
    out = pd.DataFrame(
        {
            "alias": df.loc[keep, "COM_AV"].to_numpy(),
            "commune": df.loc[keep, "COM_AP"].to_numpy(),
            "reason": "commune fusionnée",
        }
    )
    out.attrs["details"] = [
        f"{path.name} : {int(keep.sum())} changement(s) de code de commune retenu(s) (fusions, "
        f"changements de code) sur {len(df)} mouvement(s)"
    ]
    return out


def read_user_commune_mapping(path: Path) -> pd.DataFrame:
    df = read_delimited(path, ["ancien_code", "nouveau_code"])
    check_commune_codes(df, "ancien_code", path)
    check_commune_codes(df, "nouveau_code", path)
    dup = df.duplicated("ancien_code")
    if dup.any():
        raise RawDataError(path, "ancien code cité deux fois", line=first_bad(dup), column="ancien_code")
    return pd.DataFrame({"alias": df["ancien_code"], "commune": df["nouveau_code"], "reason": "table de passage"})


def resolve_aliases(aliases: pd.DataFrame, current: set[str]) -> dict[str, str]:
    """Former code → current code, following chains (A → B → C); codes already current are not remapped."""
    step = dict(zip(aliases["alias"], aliases["commune"]))
    resolved = {}
    for alias in step:
        if alias in current:
            continue
        code, hops = alias, 0
        while code in step and code not in current and hops < 50:
            code, hops = step[code], hops + 1
        if code in current:
            resolved[alias] = code
    return resolved


def to_current_communes(df: pd.DataFrame, mapping: dict[str, str], column: str = "commune") -> pd.DataFrame:
    """Replace former codes by current ones; rows that then share a key are to be summed by the caller."""
    if not mapping:
        return df
    return df.assign(**{column: df[column].map(lambda c: mapping.get(c, c))})
