"""The 档号 on a cover label: format, normalising, and the ISO 7064 MOD 37-2 check character."""

from __future__ import annotations

import random

import pytest

from hukou_scan.domain.archive_label import (
    ALPHABET,
    CHECK_ALPHABET,
    ArchiveLabel,
    check_character,
    mod37_2,
    parse_label,
)
from hukou_scan.errors import InvalidInputError


def _pure_check(text: str, modulus: int, alphabet: str) -> str:
    """ISO 7064 pure system with radix 2, written out from the standard's recurrence."""
    p = 0
    for ch in text:
        p = ((p + alphabet.index(ch)) * 2) % modulus
    return alphabet[(modulus + 1 - p) % modulus]


def test_check_character_is_iso7064_mod37_2() -> None:
    # the same recurrence with modulus 11 is MOD 11-2, whose published examples are the ORCID check
    # digits (0000-0002-1825-0097 and 0000-0001-5109-3700)
    assert _pure_check("000000021825009", 11, "0123456789X") == "7"
    assert _pure_check("000000015109370", 11, "0123456789X") == "0"
    for aid in ("0101-2026-001", "J063-57-1992-799", "Z98-1995-567", "WS·2016-Y-0001"):
        body = "".join(c for c in aid if c in ALPHABET)
        assert check_character(aid) == _pure_check(body, 37, CHECK_ALPHABET)
        # a valid string (body + check) leaves the running value at 1 (the standard's validity test)
        assert (mod37_2(body) + CHECK_ALPHABET.index(check_character(aid))) % 37 == 1


def test_parse_with_and_without_check_character() -> None:
    c = check_character("0101-2026-001")
    assert parse_label(f"0101-2026-001-{c}") == ArchiveLabel("0101-2026-001", c)
    assert parse_label("0101-2026-001") == ArchiveLabel("0101-2026-001", "")
    assert ArchiveLabel("0101-2026-001").label_text() == f"0101-2026-001-{c}"


def test_dat13_shape_with_a_single_letter_retention_code() -> None:
    aid = "Z109-WS·2011-Y-BGS-0001"
    assert parse_label(aid) == ArchiveLabel(aid, "")
    assert parse_label(f"{aid}-{check_character(aid)}").check == check_character(aid)


def test_full_width_lower_case_and_dash_variants_are_normalised() -> None:
    c = check_character("J063-57-1992-799")
    assert parse_label(f"ｊ０６３－５７ － 1992—799-{c.lower()}").archive_id == "J063-57-1992-799"


def test_wrong_check_character_is_refused_with_the_expected_one() -> None:
    c = check_character("0101-2026-001")
    wrong = next(x for x in CHECK_ALPHABET if x != c)
    with pytest.raises(InvalidInputError) as e:
        parse_label(f"0101-2026-001-{wrong}")
    assert "校验位" in e.value.zh and f"应为 {c}" in e.value.zh


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0101",
        "0101-",
        "0101--001",
        "档号0101-2026",
        "0101-2026-0_1",
        "1-2026-001",
        "0101 2026 001",
        "A" * 120,
    ],
)
def test_malformed_labels_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        parse_label(text)
    assert e.value.zh and e.value.en


def test_every_single_substitution_and_adjacent_swap_is_caught() -> None:
    rng = random.Random(7)
    for _ in range(200):
        body = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(6, 14)))
        c = check_character(body)
        for i in range(len(body)):
            for ch in rng.sample(ALPHABET, 5):
                if ch != body[i]:
                    assert check_character(body[:i] + ch + body[i + 1 :]) != c
            if i + 1 < len(body) and body[i] != body[i + 1]:
                swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
                assert check_character(swapped) != c
