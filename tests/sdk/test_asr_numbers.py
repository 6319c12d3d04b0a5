"""End to end: Piper speaks number-heavy sentences through the gateway, and Whisper
(faster-whisper, which writes numbers as digits) hears the same numbers back.

Without normalisation espeak's rules, and so Piper, read "$1,234.56" or "03/14/2026"
wrongly; with it, the digits Whisper writes match the digits of the text. Piper adds
random noise to every synthesis, and Whisper base mishears now and then, so a sentence
is synthesised afresh up to three times before it counts as wrong (`hear_until`): a
normalisation bug is wrong every time.
"""

import re

import pytest

from conftest import hear_until

SENTENCES = [
    ("Your balance is $1,234.56 today.", "123456"),
    ("Please call 1-800-555-0199 now.", "18005550199"),
    ("The meeting moved to the 3rd of May at 2:30 pm.", "3230"),
    ("Prices drop 50% on 12 items.", "5012"),
    ("Dr. Smith was born in 1987.", "1987"),
    ("It weighs 3.5 kg, or 7.7 pounds.", "3577"),
    ("Your table is booked for 03/14/2026.", "142026"),
]


def digits(text: str) -> str:
    return "".join(re.findall(r"\d", text))


@pytest.mark.parametrize("sentence, expected", SENTENCES)
def test_whisper_hears_the_numbers_piper_said(gateway, whisper, sentence, expected):
    heard = hear_until(gateway, whisper, sentence, lambda h: digits(h) == expected)
    assert digits(heard[-1]) == expected, f"{sentence!r} was heard as {heard}"
