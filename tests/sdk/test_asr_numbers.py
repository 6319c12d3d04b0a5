"""End to end: Piper speaks number-heavy sentences through the gateway, and Whisper
(faster-whisper, which writes numbers as digits) hears the same numbers back.

Without normalisation espeak's rules, and so Piper, read "$1,234.56" or "03/14/2026"
wrongly; with it, the digits Whisper writes match the digits of the text. Piper adds
random noise to every synthesis, and Whisper base mishears now and then, so each
sentence gets a second synthesis before it counts as wrong: a normalisation bug is wrong
every time.
"""

import re

import numpy as np
import openai
import pytest

from conftest import whisper_model

SENTENCES = [
    ("Your balance is $1,234.56 today.", "123456"),
    ("Please call 1-800-555-0199 now.", "18005550199"),
    ("The meeting moved to the 3rd of May at 2:30 pm.", "3230"),
    ("Prices drop 50% on 12 items.", "5012"),
    ("Dr. Smith was born in 1987.", "1987"),
    ("It weighs 3.5 kg, or 7.7 pounds.", "3577"),
    ("Your table is booked for 03/14/2026.", "142026"),
]


@pytest.fixture(scope="module")
def whisper():
    from faster_whisper import WhisperModel

    return WhisperModel(whisper_model(), device="cpu", compute_type="int8", cpu_threads=2)


def digits(text: str) -> str:
    return "".join(re.findall(r"\d", text))


def hear(gateway, whisper, sentence: str) -> str:
    pcm = openai.OpenAI(base_url=gateway.base + "/v1", api_key=gateway.api_key).audio.speech.create(
        model="piper", voice="alloy", input=sentence, response_format="pcm",
        extra_body={"sample_rate": 16000},
    ).content
    audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768
    segments, _ = whisper.transcribe(audio, language="en", beam_size=1)
    return " ".join(s.text for s in segments)


@pytest.mark.parametrize("sentence, expected", SENTENCES)
def test_whisper_hears_the_numbers_piper_said(gateway, whisper, sentence, expected):
    heard = [hear(gateway, whisper, sentence)]
    if digits(heard[0]) != expected:
        heard.append(hear(gateway, whisper, sentence))
    assert digits(heard[-1]) == expected, f"{sentence!r} was heard as {heard}"
