"""An ad hoc perimeter (« Pour quel périmètre ? »): a list of communes or shorthands given on the command line
or in a notebook, checked like a line of ``territoires.csv``, and the safe file name of its report."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from diagnostics.sources.territory_definitions import RESERVED_CODES, SAFE_CODE, expand_member

ADHOC_KIND = "périmètre à la demande"


class PerimeterError(ValueError):
    """A perimeter that cannot be built: the message says which member and why (French)."""


def split_members(members) -> list[str]:
    """``"96001,96002 EPCI:200096000"`` or a list → the tokens (commas, semicolons and spaces separate)."""
    if members is None:
        return []
    if isinstance(members, str):
        members = [members]
    return [tok for m in members for tok in re.split(r"[\s,;]+", str(m).strip()) if tok]


def perimeter_communes(members, communes: pd.DataFrame, region_code: str | None = None) -> list[str]:
    """The perimeter's communes, in the order given; a clear French error for an empty list, an unknown
    commune or shorthand, a commune named twice (directly or through a shorthand) or outside the région."""
    tokens = split_members(members)
    if not tokens:
        raise PerimeterError(
            "périmètre vide : donnez au moins une commune (codes Insee séparés par des virgules, "
            "ou raccourcis DEP:<code>, EPCI:<siren>, BV:<code>)"
        )
    known = communes.set_index("commune")
    out: list[str] = []
    for position, token in enumerate(tokens, 1):
        expanded = expand_member(token, known)
        if expanded is None:
            raise PerimeterError(
                f"élément n° {position} « {token} » : ni une commune connue de la table "
                "d'appartenance, ni un raccourci DEP:<code>, EPCI:<siren> ou BV:<code> valide"
            )
        out += expanded
    seen: set[str] = set()
    duplicated = sorted({c for c in out if c in seen or seen.add(c)})
    if duplicated:
        listed = ", ".join(duplicated)
        raise PerimeterError(f"commune(s) citée(s) deux fois (directement ou par un raccourci) : {listed}")
    if region_code is not None:
        outside = [c for c in out if known.at[c, "region_code"] != region_code]
        if outside:
            raise PerimeterError(f"commune(s) hors de la région des rapports ({region_code}) : {', '.join(outside)}")
    return out


def perimeter_slug(name: str, taken=()) -> str:
    """A safe file name from the perimeter's name: ASCII letters, digits and ``-`` (no markup, quote, path
    separator or leading formula sign survives), at most 60 characters; not an existing territory's code
    (``taken``) nor a page of the reports folder."""
    if not name or not str(name).strip():
        raise PerimeterError('nom du périmètre obligatoire (--nom "Nom du périmètre")')
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "perimetre"
    if slug in RESERVED_CODES or slug in set(taken) or not SAFE_CODE.match(slug):
        slug = f"{slug}-perimetre"
    return slug


def territories_csv_line(code: str, name: str, members) -> str:
    """The line to add to ``territoires.csv`` to keep the perimeter (name quoted when it holds ``;`` or ``"``)."""
    clean = " ".join(str(name).split())
    if any(ch in clean for ch in ';"'):
        clean = '"' + clean.replace('"', '""') + '"'
    return f"{code.upper()};{clean};territoire de projet;{' '.join(split_members(members))}"
