"""The reading of a comparison with France (« significativement pire », « non calculable »…): one
vocabulary, and one function that gives the reading of an indicator row, for the tables, the charts,
the key messages, the index and the overview.

The statistical significance (``sig_france``: « supérieur », « inférieur »…) says where the interval
lies; the reading adds the indicator's polarity (``higher_is`` in metadata.yaml): a higher mortality is
« pire », a higher share of the 75+ is only « supérieur ». A masked row (secret statistique) reads
« non calculable » whatever its significance column says.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics.indicators.metadata import indicator_metadata


@dataclass(frozen=True)
class Reading:
    key: str  # the reading's identifier (CSS class, colour and marker keys)
    label: str  # in a table cell and the index: « significativement pire »
    legend: str  # in a chart legend and alt text: « Significativement pire que la France »
    short: str  # beside a chart's row: « pire »
    rank: int  # order of the key messages: points of attention first

    @property
    def phrase(self) -> str:
        """The legend inside a sentence: « significativement pire que la France »."""
        return self.legend[0].lower() + self.legend[1:]


# in the order of the chart legends
READINGS = {
    r.key: r
    for r in (
        Reading("pire", "significativement pire", "Significativement pire que la France", "pire", 0),
        Reading("meilleur", "significativement meilleur", "Significativement meilleur que la France", "meilleur", 1),
        Reading("similaire", "pas de différence significative", "Pas de différence significative", "similaire", 5),
        Reading(
            "supérieur",
            "significativement supérieur",
            "Significativement supérieur (ni meilleur ni pire)",
            "supérieur",
            2,
        ),
        Reading(
            "inférieur",
            "significativement inférieur",
            "Significativement inférieur (ni meilleur ni pire)",
            "inférieur",
            2,
        ),
        Reading("non testé", "non testé", "Non testé (données exhaustives)", "non testé", 4),
        Reading(
            "non calculable",
            "non calculable (effectif trop faible)",
            "Non calculable (effectif trop faible)",
            "non calculable",
            3,
        ),
    )
}
NOT_COMPUTABLE = READINGS["non calculable"]


def judgement(sig: str, higher_is: str) -> str:
    """The reading's key of a significance (« supérieur »…) for an indicator of polarity ``higher_is``."""
    if sig in ("supérieur", "inférieur"):
        if higher_is == "worse":
            return "pire" if sig == "supérieur" else "meilleur"
        if higher_is == "better":
            return "meilleur" if sig == "supérieur" else "pire"
        return sig
    if sig == "pas de différence significative":
        return "similaire"
    if sig in ("non testé", "non calculable"):
        return sig
    return "non calculable"


def reading(row, against: str = "france") -> Reading:
    """The reading of one indicator row (a tuple or Series with ``indicator``, ``small_count`` and
    ``sig_<against>``) against France (or ``departement``, ``region``)."""
    if bool(getattr(row, "small_count", False)):
        return NOT_COMPUTABLE
    higher_is = indicator_metadata()[row.indicator]["higher_is"]
    return READINGS[judgement(getattr(row, f"sig_{against}"), higher_is)]


def reading_keys(rows, against: str = "france") -> list[str]:
    """The reading's key of every row of a DataFrame (charts colour and mark their points by it)."""
    return [reading(r, against).key for r in rows.itertuples(index=False)]
