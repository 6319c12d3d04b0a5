"""The official ElevenLabs Python SDK against the gateway, base URL only.

The base URL is the gateway's `/elevenlabs` prefix. The SDK's socket helper
(`text_to_speech.convert_realtime`) always turns the base URL's scheme into `wss`, so it
cannot reach a gateway served over plain HTTP; the two sockets are tested at the wire
level in crates/gateway/tests/api/elevenlabs.rs (see docs/ELEVENLABS.md).
"""

import base64

import httpx
import pytest
from elevenlabs import VoiceSettings
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError

from conftest import decode, ffprobe, wrong_key

TEXT = "Hello there, gateway."  # mock_tone: 100 ms a character
VOICE = "en-US-mock-1"


def client(gateway):
    return ElevenLabs(api_key=gateway.api_key, base_url=gateway.base + "/elevenlabs")


def seconds(pcm: bytes, rate: int) -> float:
    return len(pcm) / 2 / rate


def test_voices_are_the_gateways_in_elevenlabs_shape(gateway):
    voices = {v.voice_id: v for v in client(gateway).voices.get_all().voices}
    assert voices[VOICE].labels["language"] == "en-US"
    # The gateway's own /v1/voices is untouched.
    assert "voices" in httpx.get(gateway.base + "/v1/voices", headers=gateway.auth).json()


@pytest.mark.parametrize(
    "output_format, args, rate",
    [
        ("pcm_16000", ("-f", "s16le", "-ar", "16000"), 16000),
        ("pcm_24000", ("-f", "s16le", "-ar", "24000"), 24000),
        ("ulaw_8000", ("-f", "mulaw", "-ar", "8000"), 8000),
        ("mp3_44100_128", (), 44100),
        ("mp3_22050_32", (), 22050),
    ],
)
def test_convert_decodes_to_the_text_length(gateway, output_format, args, rate):
    body = b"".join(
        client(gateway).text_to_speech.convert(
            VOICE, text=TEXT, model_id="eleven_flash_v2_5", output_format=output_format
        )
    )
    if not args:
        info = ffprobe(body)
        assert (info["codec"], info["rate"]) == ("mp3", rate)
    assert abs(seconds(decode(body, *args), rate) - len(TEXT) * 0.1) < 0.1


def test_stream_comes_in_pieces(gateway):
    chunks = list(
        client(gateway).text_to_speech.stream(
            VOICE, text="x" * 100, output_format="pcm_16000", voice_settings=VoiceSettings(speed=1.0)
        )
    )
    assert len(chunks) > 1
    assert abs(seconds(b"".join(chunks), 16000) - 10.0) < 0.1


def test_a_speed_out_of_range_is_refused(gateway):
    with pytest.raises(ApiError) as e:
        b"".join(client(gateway).text_to_speech.convert(VOICE, text=TEXT, voice_settings=VoiceSettings(speed=9.0)))
    assert e.value.status_code == 400
    assert "speed" in e.value.body["detail"]["message"]


def test_stream_with_timestamps_sends_audio_in_json_lines(gateway):
    chunks = list(
        client(gateway).text_to_speech.stream_with_timestamps(VOICE, text=TEXT, output_format="pcm_16000")
    )
    assert len(chunks) >= 1
    pcm = b"".join(base64.b64decode(c.audio_base_64) for c in chunks)
    assert abs(seconds(pcm, 16000) - len(TEXT) * 0.1) < 0.01
    # mock_tone's word timings, spread over their characters, ride on the audio.
    chars = "".join("".join(c.alignment.characters) for c in chunks if c.alignment)
    assert all(w in chars for w in ("Hello", "there", "gateway")), chars
    starts = [t for c in chunks if c.alignment for t in c.alignment.character_start_times_seconds]
    assert starts == sorted(starts) and starts[-1] < len(TEXT) * 0.1


def test_convert_with_timestamps_answers_one_object(gateway):
    r = client(gateway).text_to_speech.convert_with_timestamps(VOICE, text=TEXT, output_format="pcm_16000")
    assert abs(seconds(base64.b64decode(r.audio_base_64), 16000) - len(TEXT) * 0.1) < 0.01
    chars = "".join(r.alignment.characters)
    assert all(w in chars for w in ("Hello", "there", "gateway")), chars
    ends = r.alignment.character_end_times_seconds
    assert ends == sorted(ends) and ends[-1] <= len(TEXT) * 0.1 + 0.01


def test_an_unknown_voice_is_a_404_in_elevenlabs_shape(gateway):
    with pytest.raises(ApiError) as e:
        b"".join(client(gateway).text_to_speech.convert("21m00Tcm4TlvDq8ikWAM", text=TEXT))
    assert e.value.status_code == 404
    assert e.value.body["detail"]["status"] == "voice_not_found"


def test_an_unknown_output_format_is_refused(gateway):
    with pytest.raises(ApiError) as e:
        b"".join(client(gateway).text_to_speech.convert(VOICE, text=TEXT, output_format="flac_44100"))
    assert e.value.status_code == 400
    assert "output_format" in e.value.body["detail"]["message"]


def test_the_door_is_counted_under_its_api_label(gateway):
    b"".join(client(gateway).text_to_speech.convert(VOICE, text="Hi.", output_format="pcm_16000"))
    metrics = httpx.get(gateway.base + "/metrics", headers=gateway.auth).text
    assert 'tts_api_streams_total{api="elevenlabs",outcome="completed"}' in metrics


def test_a_wrong_key_in_xi_api_key_is_a_401_in_elevenlabs_shape(gateway):
    with pytest.raises(ApiError) as err:
        b"".join(client(wrong_key(gateway)).text_to_speech.convert(VOICE, text="Hi.", output_format="pcm_16000"))
    assert err.value.status_code == 401
    assert err.value.body["detail"]["status"] == "invalid_api_key"
