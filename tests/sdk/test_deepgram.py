"""The official Deepgram Python SDK against the gateway's /v1/speak, base URL only.

The SDK takes its base URLs from a DeepgramClientEnvironment: `base` for REST and
`production` for the socket, both pointed at the gateway.
"""

import httpx
import pytest
from deepgram import DeepgramClient, DeepgramClientEnvironment
from deepgram.core.api_error import ApiError
from deepgram.speak.v1 import SpeakV1Text

from conftest import decode, ffprobe, wrong_key

TEXT = "Hello there, gateway."  # mock_tone: 100 ms a character
VOICE = "en-US-mock-1"


def client(gateway):
    env = DeepgramClientEnvironment(
        base=gateway.base, production=gateway.ws_base, agent=gateway.ws_base, agent_rest=gateway.base
    )
    return DeepgramClient(api_key=gateway.api_key, environment=env)


def seconds(pcm: bytes, rate: int) -> float:
    return len(pcm) / 2 / rate


def test_rest_linear16_is_a_wav_of_the_right_length(gateway):
    body = b"".join(client(gateway).speak.v1.audio.generate(text=TEXT, model=VOICE, sample_rate=16000))
    info = ffprobe(body)
    assert (info["codec"], info["rate"], info["channels"]) == ("pcm_s16le", 16000, 1)
    assert abs(seconds(decode(body), 16000) - len(TEXT) * 0.1) < 0.02


@pytest.mark.parametrize(
    "encoding, container, args, rate",
    [
        ("mp3", None, (), 22050),
        ("opus", "ogg", (), 48000),
        ("flac", None, (), 48000),
        ("mulaw", "none", ("-f", "mulaw", "-ar", "8000"), 8000),
        ("alaw", None, ("-f", "alaw", "-ar", "8000"), 8000),
        ("linear16", "none", ("-f", "s16le", "-ar", "24000"), 24000),
    ],
)
def test_rest_encodings_decode_to_the_text_length(gateway, encoding, container, args, rate):
    body = b"".join(
        client(gateway).speak.v1.audio.generate(text=TEXT, model=VOICE, encoding=encoding, container=container)
    )
    pcm = decode(body, *args)
    if not args:
        rate = ffprobe(body)["rate"]
    assert abs(seconds(pcm, rate) - len(TEXT) * 0.1) < 0.1


def test_rest_errors_come_in_deepgrams_shape(gateway):
    with pytest.raises(ApiError) as e:
        b"".join(client(gateway).speak.v1.audio.generate(text=TEXT, model="aura-2-thalia-en"))
    assert e.value.status_code == 400
    assert e.value.body["err_code"] == "INVALID_QUERY_PARAMETER"
    assert "aura-2-thalia-en" in e.value.body["err_msg"]


def spoken(secs: float, text: str) -> bool:
    """Socket text is spoken in segments (clauses); the space between two is not voiced."""
    return abs(secs - len(text) * 0.1) <= 0.15


def recv_until(sock, kind):
    """Audio bytes received until a message of `kind`, and that message."""
    audio = bytearray()
    while True:
        m = sock.recv()
        if isinstance(m, bytes):
            audio += m
        elif getattr(m, "type", None) == kind:
            return bytes(audio), m
        else:
            assert getattr(m, "type", None) != "Warning", m


def test_socket_streams_text_in_and_flushes(gateway):
    with client(gateway).speak.v1.connect(model=VOICE, encoding="linear16", sample_rate=16000) as sock:
        meta = sock.recv()
        assert meta.type == "Metadata" and meta.model_name == VOICE and meta.request_id
        for piece in ["Hello ", "there, ", "gate", "way."]:
            sock.send_text(SpeakV1Text(text=piece))
        sock.send_flush()
        audio, flushed = recv_until(sock, "Flushed")
        assert flushed.sequence_id == 0
        assert spoken(seconds(audio, 16000), TEXT)
        # A second turn on the same socket.
        sock.send_text(SpeakV1Text(text="Again."))
        sock.send_flush()
        audio, flushed = recv_until(sock, "Flushed")
        assert flushed.sequence_id == 1
        assert abs(seconds(audio, 16000) - 0.6) < 0.02
        sock.send_close()


def test_socket_mulaw_at_8_khz(gateway):
    with client(gateway).speak.v1.connect(model=VOICE, encoding="mulaw", sample_rate=8000) as sock:
        sock.send_text(SpeakV1Text(text=TEXT))
        sock.send_flush()
        audio, _ = recv_until(sock, "Flushed")
        pcm = decode(audio, "-f", "mulaw", "-ar", "8000")
        assert spoken(seconds(pcm, 8000), TEXT)


def test_clear_stops_the_audio_and_nothing_of_it_follows_cleared(gateway):
    with client(gateway).speak.v1.connect(model=VOICE, encoding="linear16", sample_rate=16000) as sock:
        sock.send_text(SpeakV1Text(text="x" * 3000 + "."))  # five minutes of audio
        sock.send_flush()
        first = sock.recv()
        while not isinstance(first, bytes):
            first = sock.recv()
        sock.send_clear()
        before, cleared = recv_until(sock, "Cleared")
        assert seconds(first + before, 16000) < 300
        # The next turn's audio is all that follows: exactly its own length.
        sock.send_text(SpeakV1Text(text="After."))
        sock.send_flush()
        audio, _ = recv_until(sock, "Flushed")
        assert abs(seconds(audio, 16000) - 0.6) < 0.02
        sock.send_close()


def test_socket_refuses_a_bad_query_before_the_upgrade(gateway):
    # The SDK lets the websockets library's InvalidStatus through.
    with pytest.raises(Exception, match="HTTP 400"):
        with client(gateway).speak.v1.connect(model=VOICE, encoding="mp3"):
            pass


def test_the_door_is_counted_under_its_api_label(gateway):
    b"".join(client(gateway).speak.v1.audio.generate(text="Hi.", model=VOICE))
    metrics = httpx.get(gateway.base + "/metrics", headers=gateway.auth).text
    assert 'tts_api_streams_total{api="deepgram",outcome="completed"}' in metrics


def test_a_wrong_key_in_authorization_token_is_a_401_in_deepgram_shape(gateway):
    with pytest.raises(ApiError) as err:
        b"".join(client(wrong_key(gateway)).speak.v1.audio.generate(text="Hi.", model=VOICE))
    assert err.value.status_code == 401
    assert err.value.body["err_code"] == "INVALID_AUTH"
