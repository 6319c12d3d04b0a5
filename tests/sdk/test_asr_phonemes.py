"""End to end: Piper says a word as given in IPA, and Whisper hears the pronunciation,
not the spelling.

"Nguyen" spelled is read by espeak's rules (and so by Piper) as something like
"nuh-goo-yen"; given as /wɪn/, in SSML `<phoneme>` or in the operator's lexicon file
(`LEXICON_FILE`), it is heard as "win". Piper adds random noise to every synthesis and
Whisper base mishears now and then, so a miss gets up to two more fresh syntheses
before it counts (`hear_until`).
"""

import re

import pytest

from conftest import Gateway, hear, hear_until

SENTENCE = "We will {} the game tonight."


@pytest.fixture(scope="module")
def lexicon_gateway(tmp_path_factory):
    lexicon = tmp_path_factory.mktemp("lexicon") / "lexicon.txt"
    lexicon.write_text("Nguyen\t/wɪn/\n", encoding="utf-8")
    g = Gateway({"LEXICON_FILE": str(lexicon)})
    yield g
    g.stop()


def words(text: str) -> list:
    return re.findall(r"[a-z]+", text.lower())


def heard_win(gateway, whisper, text: str) -> list:
    return hear_until(gateway, whisper, text, lambda h: "win" in words(h))


def test_an_ssml_phoneme_is_heard_as_its_ipa(gateway, whisper):
    ssml = "<speak>" + SENTENCE.format('<phoneme alphabet="ipa" ph="wɪn">Nguyen</phoneme>') + "</speak>"
    heard = heard_win(gateway, whisper, ssml)
    assert "win" in words(heard[-1]), f"{ssml!r} was heard as {heard}"


def test_a_lexicon_file_ipa_entry_is_heard_and_the_spelling_is_not(lexicon_gateway, gateway, whisper):
    text = SENTENCE.format("Nguyen")
    heard = heard_win(lexicon_gateway, whisper, text)
    assert "win" in words(heard[-1]), f"{text!r} with the lexicon was heard as {heard}"
    # Without the lexicon the spelling is read, which is not "win".
    plain = hear(gateway, whisper, text)
    assert "win" not in words(plain), f"{text!r} without the lexicon was heard as {plain!r}"
