"""Key messages never claim a difference the interval does not support, and never show masked figures."""

import re

from diagnostics.formatting import fr_interval, fr_number
from diagnostics.reporting.narrative import key_messages
from diagnostics.reporting.report import comparison_table
from diagnostics.reporting.territory import load_territory


def test_significant_excess_is_a_point_of_attention_with_its_interval(demo_processed):
    t = load_territory("TS-NORD", demo_processed)
    row = t.value_row("mortality_icm")
    assert row.sig_france == "supérieur"
    kind, text = next(m for m in key_messages(t) if "mortalité générale" in m[1])
    assert kind == "Point d'attention"
    assert "significativement supérieure à la moyenne nationale" in text
    assert f"ICM {fr_number(row.value)} {fr_interval(row.ci_low, row.ci_high)}" in text


def test_no_claim_of_significance_without_it(demo_processed):
    for code in ("TS-SUD", "CLS-VALLONS", "ASV-NACRE", "200096008"):
        t = load_territory(code, demo_processed)
        msgs = key_messages(t)
        assert 4 <= len(msgs) <= 10
        for _, text in msgs:
            if "significativement" in text and "ne diffère pas" not in text:
                subject = text.split(" est ")[0].lower()
                indicator = {
                    "la mortalité générale": "mortality_icm",
                    "la mortalité prématurée (avant 65 ans)": "premature_mortality_icm",
                    "la part de bénéficiaires de la complémentaire santé solidaire": "css_rate",
                    "la part des 75 ans et plus": "share_75_plus",
                    # issue 17
                    "l'espérance de vie à la naissance": "life_expectancy_0",
                    "la mortalité par maladies cardio-neuro-vasculaires": "cause_icm_cardio_neuro_vascular",
                    "la mortalité par cancer": "cause_icm_cancers",
                    "la mortalité évitable avant 75 ans": "avoidable_mortality_dsr",
                }[subject]
                row = t.value_row(indicator)
                assert row.ci_low > row.value_france or row.ci_high < row.value_france, text


def test_masked_mortality_is_explained_not_shown(demo_processed):
    t = load_territory("CLS-VALLONS", demo_processed)
    texts = [text for _, text in key_messages(t)]
    assert any("La mortalité générale ne peut pas être analysée : moins de 11 cas" in x for x in texts)
    table = comparison_table(t, ["mortality_icm"])
    assert table.loc[0, "Territoire"] == "non calculable (effectif trop faible)"
    assert table.loc[0, "Effectif"] == "<\u00a011"
    assert not re.search(r"ICM \d", " ".join(texts).split("prématurée")[0])
