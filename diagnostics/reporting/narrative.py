"""Key messages in plain French, generated from the figures and their significance.

A difference is called significant only when the 95 % interval excludes the French value; indicators
that are not tested (exhaustive data) are described as above or below France, never as
« significativement ». Messages on masked figures are not written.
"""

from __future__ import annotations

from diagnostics.formatting import fr_interval, fr_number, fr_value
from diagnostics.indicators.common import LEVEL_DEPARTEMENT
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.reporting.html import render
from diagnostics.reporting.readings import reading
from diagnostics.reporting.territory import Territory

# Subject of the sentence and its grammatical gender, for agreement (supérieur / supérieure).
SUBJECTS = {
    "mortality_icm": ("la mortalité générale", "f"),
    "premature_mortality_icm": ("la mortalité prématurée (avant 65 ans)", "f"),
    "css_rate": ("la part de bénéficiaires de la Complémentaire santé solidaire", "f"),
    "share_75_plus": ("la part des 75 ans et plus", "f"),
    "care_spending_index": ("la dépense de soins remboursée à âge égal", "f"),
    "equipment_elderly_rate": ("l'équipement pour personnes âgées", "m"),
    "equipment_disabled_children_rate": ("l'équipement pour enfants handicapés", "m"),
    "equipment_disabled_adults_rate": ("l'équipement pour adultes handicapés", "m"),
}
SHORT = {"mortality_icm": "ICM", "premature_mortality_icm": "ICM", "care_spending_index": "indice"}


def _agree(word: str, gender: str) -> str:
    return word + ("e" if gender == "f" else "")


def _figure(indicator: str, row, meta) -> str:
    d = meta["decimals"]
    value = fr_value(row.value, meta["unit"], d)
    ci = fr_interval(row.ci_low, row.ci_high, d)
    prefix = f"{SHORT[indicator]} " if indicator in SHORT else ""
    return f"{prefix}{value}{' ' + ci if ci else ''}"


def message(indicator: str, row, threshold: int) -> tuple[str, str] | None:
    """(kind, sentence) for one indicator row; kind is « Point d'attention », « Point fort » or « Repère »;
    ``threshold``: the secret statistique's, as the build used it."""
    meta = indicator_metadata()[indicator]
    if row is None:
        return None
    subject, gender = SUBJECTS[indicator]
    if row.small_count:
        return "Repère", (
            f"{subject[0].upper()}{subject[1:]} ne peut pas être "
            f"{_agree('analysé', gender)} : moins de {fr_number(threshold)} cas sur la période (secret statistique)."
        )
    if row.value != row.value:
        return None
    verdict = reading(row).key
    figure = _figure(indicator, row, meta)
    france = fr_value(row.value_france, meta["unit"], meta["decimals"])
    if verdict in ("pire", "meilleur", "supérieur", "inférieur"):
        direction = "supérieur" if row.value > row.value_france else "inférieur"
        kind = {"pire": "Point d'attention", "meilleur": "Point fort"}.get(verdict, "Repère")
        text = (
            f"{subject[0].upper()}{subject[1:]} est significativement {_agree(direction, gender)} "
            f"à la moyenne nationale ({figure} ; France {france})."
        )
    elif verdict == "similaire":
        kind = "Repère"
        text = (
            f"{subject[0].upper()}{subject[1:]} ne diffère pas significativement de la moyenne nationale "
            f"({figure} ; France {france})."
        )
    elif verdict == "non testé" and row.value == 0:
        kind = "Repère"
        public = subject.removeprefix("l'équipement pour ")
        text = (
            f"Aucune place n'est installée dans le territoire pour {public} "
            f"(France {france}) : ses habitants dépendent de l'offre des territoires voisins."
        )
    elif verdict == "non testé":
        kind = "Repère"
        gap = (row.value / row.value_france - 1) * 100 if row.value_france else 0
        if abs(gap) < 5:
            text = f"{subject[0].upper()}{subject[1:]} est proche du niveau national ({figure} ; France {france})."
        else:
            direction = "supérieur" if gap > 0 else "inférieur"
            text = (
                f"{subject[0].upper()}{subject[1:]} est {_agree(direction, gender)} de {fr_value(abs(gap), '%', 0)} "
                f"au niveau national ({figure} ; France {france})."
            )
    else:
        return None
    if getattr(row, "level", "") == LEVEL_DEPARTEMENT:  # not the territory's own figure: no verdict on it
        return "Repère", text[:-1] + " — valeur du département, le chiffre propre au territoire n'est pas disponible."
    return kind, text


def key_messages(t: Territory, limit: int = 8) -> list[tuple[str, str]]:
    """4–8 messages, points of attention first, then strengths, then landmarks."""
    indicator_metadata()
    found = []
    for indicator in SUBJECTS:
        row = t.value_row(indicator)
        m = message(indicator, row, t.threshold)
        if m:
            found.append((reading(row).rank, m))
    found.sort(key=lambda x: x[0])
    return [m for _, m in found[:limit]]


MESSAGE_CLASS = {"Point d'attention": "attention", "Point fort": "fort"}


def messages_html(t: Territory) -> str:
    messages = [(kind, MESSAGE_CLASS.get(kind, "repere"), text) for kind, text in key_messages(t)]
    return render("key_messages.html.j2", messages=messages)
