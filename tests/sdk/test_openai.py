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


class StalledCoqui:
    """A Coqui server that takes requests and answers only when told: an engine stream
    that holds its worker for as long as the test needs (a client that stops reading
    would not: a reader a buffer behind gives its worker back)."""

    def __init__(self):
        import http.server
        import struct
        import threading

        self.asked = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.asked.set()
                outer.release.wait(30)
                pcm = b"\x00\x10" * 2205  # 0.1 s at 22 050 Hz
                header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack(
                    "<IHHIIHH", 16, 1, 1, 22050, 44100, 2, 16
                ) + b"data" + struct.pack("<I", len(pcm))
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(header) + len(pcm)))
                self.end_headers()
                self.wfile.write(header + pcm)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.release.set()
        self.server.shutdown()


def test_a_full_queue_raises_the_sdks_server_error():
    import threading

    coqui = StalledCoqui()
    g = Gateway(
        {
            "SESSION_QUEUE_MAXSIZE": "0",
            "SESSION_QUEUE_WORKER_COUNT": "1",
            "PIPER_ENABLED": "0",
            "ESPEAK_ENABLED": "0",
            "COQUI_ENABLED": "true",
            "COQUI_URL": coqui.url,
            "COQUI_TIMEOUT_MS": "30000",
        }
    )
    try:
        c = client(g, max_retries=0)
        # A Coqui stream holds the only worker while its engine has not answered.
        held = {}
        t = threading.Thread(
            target=lambda: held.setdefault(
                "audio", c.audio.speech.create(model="coqui_tts", voice="alloy", input="Hold on.", response_format="pcm")
            )
        )
        t.start()
        assert coqui.asked.wait(15), "the held stream never reached its engine"
        with pytest.raises(openai.InternalServerError) as err:
            c.audio.speech.create(model="mock_tone", voice="alloy", input="Hi", response_format="pcm")
        assert err.value.status_code == 503
        assert "queue is full" in err.value.body["message"]
        # The held stream is served once its engine answers, and the worker is free again.
        coqui.release.set()
        t.join(15)
        assert len(held["audio"].content) == 2400 * 2  # 0.1 s at 24 kHz
        assert len(c.audio.speech.create(model="mock_tone", voice="alloy", input="Hi", response_format="pcm").content) == 9600
    finally:
        coqui.stop()
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
