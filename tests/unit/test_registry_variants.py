"""Name folding, OCR confusions and the confusion-aware similarity."""

from __future__ import annotations

from hukou_scan.registry.variants import (
    confusable,
    confusion_variants,
    fold,
    name_similarity,
)


def test_fold_maps_traditional_and_variant_forms_and_separators() -> None:
    assert fold("陳國強") == "陈国强"
    assert fold(" 張 麗 ") == "张丽"
    assert fold("阿不都•热合曼") == fold("阿不都·热合曼") == "阿不都·热合曼"
    assert fold("王伟") == "王伟"


def test_confusable_pairs_are_symmetric_and_specific() -> None:
    assert confusable("己", "已") and confusable("已", "己")
    assert confusable("王", "玉")
    assert not confusable("王", "李")
    assert not confusable("王", "王")


def test_confusable_substitution_scores_higher_than_arbitrary_one() -> None:
    exact = name_similarity("王建国", "王建国")
    confused = name_similarity("玉建国", "王建国")
    other = name_similarity("李建国", "王建国")
    assert exact == 1.0
    assert 1.0 > confused > other
    assert confused >= 0.85
    assert name_similarity("陳建國", "陈建国") == 1.0
    assert name_similarity("", "王") == 0.0


def test_confusion_variants_are_one_substitution_away() -> None:
    vs = confusion_variants("王己")
    assert "玉己" in vs and "王已" in vs
    assert all(len(v) == 2 for v in vs)
    assert "王己" not in vs
