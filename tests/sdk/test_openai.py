"""The official OpenAI Python SDK against the gateway's /v1/audio/speech, base URL only."""

import base64
import json
import urllib.request

import openai
import pytest

from conftest import Gateway, decode, ffprobe, wrong_key

TEXT = "Hello there, gateway."  # mock_tone: 100 ms a character


def client(gateway, **kw):
    return openai.OpenAI(base_url=gateway.base + "/v1", api_key=gateway.api_key, **kw)


def stream(gateway, **kw) -> tuple[bytes, int, str]:
    """Streams a speech response; returns the body, how many chunks it came in, and its type."""
    with client(gateway).audio.speech.with_streaming_response.create(**kw) as response:
        chunks = list(response.iter_bytes())
        return b"".join(chunks), len(chunks), response.headers["content-type"]


def test_models_lists_openai_models_and_the_engines(gateway):
    ids = {m.id for m in client(gateway).models.list()}
    assert {"tts-1", "tts-1-hd", "gpt-4o-mini-tts", "mock_tone"} <= ids


def test_pcm_is_24_khz_s16le_of_the_right_length(gateway):
    body, _, kind = stream(gateway, model="mock_tone", voice="alloy", input=TEXT, response_format="pcm")
    assert kind.startswith("audio/L16;rate=24000")
    expected = len(TEXT) * 2400  # 100 ms a character at 24 kHz
    assert len(body) % 2 == 0
    assert abs(len(body) // 2 - expected) <= expected * 0.01


@pytest.mark.parametrize(
    "fmt, codec",
    [("mp3", "mp3"), ("wav", "pcm_s16le"), ("opus", "opus"), ("flac", "flac"), ("aac", "aac")],
)
def test_every_format_streams_as_one_decodable_file(gateway, fmt, codec):
    body, chunks, _ = stream(gateway, model="mock_tone", voice="alloy", input=TEXT * 4, response_format=fmt)
    info = ffprobe(body)
    assert (info["codec"], info["channels"]) == (codec, 1)
    assert info["rate"] in (24000, 48000)  # Ogg Opus always reports 48 kHz
    seconds = len(decode(body)) / 2 / info["rate"]
    assert abs(seconds - len(TEXT) * 4 * 0.1) < 0.15, seconds
    assert chunks >= 1


def test_mp3_streams_before_the_text_is_done(gateway):
    # A long text comes in many chunks: the body is streamed, not sent at the end.
    body, chunks, kind = stream(gateway, model="mock_tone", voice="alloy", input="x" * 400, response_format="mp3")
    assert kind == "audio/mpeg"
    assert chunks > 1
    assert abs(len(decode(body)) / 2 / 24000 - 40.0) < 0.2


def test_sse_sends_speech_audio_delta_events_then_done(gateway):
    with client(gateway).audio.speech.with_streaming_response.create(
        model="mock_tone", voice="alloy", input=TEXT, response_format="pcm", stream_format="sse"
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[len("data: "):]) for line in response.iter_lines() if line.startswith("data: ")]
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "speech.audio.done" and set(kinds[:-1]) == {"speech.audio.delta"}
    assert set(events[-1]["usage"]) == {"input_tokens", "output_tokens", "total_tokens"}
    pcm = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert abs(len(pcm) // 2 - len(TEXT) * 2400) <= len(TEXT) * 24


def test_a_real_voice_through_an_openai_voice_name(gateway):
    # "alloy" maps to the Piper voice when it is installed (else espeak, else mock_tone).
    body = client(gateway).audio.speech.create(
        model="tts-1", voice="alloy", input="The quick brown fox jumps over the lazy dog."
    ).content
    info = ffprobe(body)
    assert info["codec"] == "mp3" and info["rate"] == 24000
    assert 1.0 < len(decode(body)) / 2 / 24000 < 6.0


def test_our_own_voice_ids_and_speed_work(gateway):
    body, _, _ = stream(gateway, model="tts-1", voice="en-US-mock-1", input=TEXT, response_format="pcm", speed=1.0)
    assert len(body) > 0


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"voice": "nobody"}, "voice"),
        ({"response_format": "ogg"}, "response_format"),
        ({"speed": 9.0}, "speed"),
        ({"model": "tts-9000"}, "model"),
        ({"input": "   "}, "input"),
    ],
)
def test_bad_requests_raise_the_sdks_bad_request_error(gateway, kwargs, param):
    args = {"model": "tts-1", "voice": "alloy", "input": "Hi"} | kwargs
    with pytest.raises(openai.BadRequestError) as err:
        client(gateway, max_retries=0).audio.speech.create(**args)
    assert err.value.status_code == 400
    assert err.value.body["param"] == param
    assert err.value.body["type"] == "invalid_request_error"
    assert err.value.body["message"]


def test_the_rate_limit_raises_the_sdks_rate_limit_error():
    g = Gateway({"RATE_LIMIT_MAX_REQUESTS_PER_WINDOW": "1", "PIPER_ENABLED": "0", "ESPEAK_ENABLED": "0"})
    try:
        c = client(g, max_retries=0)
        c.audio.speech.create(model="tts-1", voice="alloy", input="Hi", response_format="pcm")
        with pytest.raises(openai.RateLimitError) as err:
            c.audio.speech.create(model="tts-1", voice="alloy", input="Hi", response_format="pcm")
        assert "rate limit" in err.value.body["message"]
        assert err.value.response.headers["retry-after"]
    finally:
        g.stop()


def test_a_full_queue_raises_the_sdks_server_error():
    g = Gateway({"SESSION_QUEUE_MAXSIZE": "0", "SESSION_QUEUE_WORKER_COUNT": "1", "PIPER_ENABLED": "0", "ESPEAK_ENABLED": "0"})
    try:
        c = client(g, max_retries=0)
        # One long stream holds the only worker while it is read slowly.
        with c.audio.speech.with_streaming_response.create(
            model="mock_tone", voice="alloy", input="x" * 4000, response_format="pcm"
        ) as held:
            next(held.iter_bytes())
            with pytest.raises(openai.InternalServerError) as err:
                c.audio.speech.create(model="mock_tone", voice="alloy", input="Hi", response_format="pcm")
            assert err.value.status_code == 503
            assert "queue is full" in err.value.body["message"]
    finally:
        g.stop()


def test_a_repeated_sentence_comes_back_byte_identical_from_the_phrase_cache(gateway):
    # Piper draws noise, so two syntheses differ: identical bytes mean the second request
    # was served from the cache, as the gateway's own counters confirm.
    kw = dict(model="tts-1", voice="alloy", input="Your parcel arrives on Tuesday between nine and noon.", response_format="pcm")
    first, _, _ = stream(gateway, **kw)
    second, _, _ = stream(gateway, **kw)
    assert len(first) > 24000
    assert second == first
    metrics = urllib.request.urlopen(urllib.request.Request(gateway.base + "/metrics", headers=gateway.auth)).read().decode()
    hits = [l for l in metrics.splitlines() if l.startswith("tts_cache_hits_total{") and 'provider="piper"' in l]
    assert hits and float(hits[0].rsplit(" ", 1)[1]) >= 1, metrics


def test_a_wrong_key_raises_the_sdks_authentication_error(gateway):
    with pytest.raises(openai.AuthenticationError) as err:
        client(wrong_key(gateway), max_retries=0).audio.speech.create(
            model="tts-1", voice="alloy", input="Hi", response_format="pcm"
        )
    assert err.value.status_code == 401
    assert err.value.body["code"] == "invalid_api_key"
    assert "invalid API key" in err.value.body["message"]
