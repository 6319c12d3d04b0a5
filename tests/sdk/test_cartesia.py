"""The official Cartesia Python SDK against the gateway, base URLs only.

`base_url` and `websocket_base_url` are the gateway's `/cartesia` prefix.
"""

import base64

import cartesia
import httpx
import pytest

from conftest import decode, ffprobe, wrong_key

TEXT = "Hello there, gateway."  # mock_tone: 100 ms a character
VOICE = {"mode": "id", "id": "en-US-mock-1"}
PCM16 = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}


def client(gateway):
    return cartesia.Cartesia(
        api_key=gateway.api_key, base_url=gateway.base + "/cartesia", websocket_base_url=gateway.ws_base + "/cartesia"
    )


def seconds(pcm: bytes, rate: int = 16000) -> float:
    return len(pcm) / 2 / rate


def generate(gateway, **kw) -> bytes:
    """POST /tts/bytes through the SDK's `tts.generate`."""
    return client(gateway).tts.generate(model_id="sonic-3", **kw).read()


def spoken(secs: float, text: str) -> bool:
    """Socket text is spoken in segments (clauses); the space between two is not voiced."""
    return abs(secs - len(text) * 0.1) <= 0.15


def test_bytes_raw_pcm_is_the_text_length(gateway):
    body = generate(gateway, transcript=TEXT, voice=VOICE, output_format=PCM16)
    assert abs(seconds(body) - len(TEXT) * 0.1) < 0.01


@pytest.mark.parametrize(
    "output_format, args, rate",
    [
        ({"container": "wav", "encoding": "pcm_s16le", "sample_rate": 24000}, (), 24000),
        ({"container": "raw", "encoding": "pcm_mulaw", "sample_rate": 8000}, ("-f", "mulaw", "-ar", "8000"), 8000),
        ({"container": "raw", "encoding": "pcm_alaw", "sample_rate": 8000}, ("-f", "alaw", "-ar", "8000"), 8000),
        ({"container": "mp3", "sample_rate": 44100, "bit_rate": 128000}, (), 44100),
    ],
)
def test_bytes_formats_decode_to_the_text_length(gateway, output_format, args, rate):
    body = generate(gateway, transcript=TEXT, voice=VOICE, output_format=output_format)
    if not args:
        assert ffprobe(body)["rate"] == rate
    assert abs(seconds(decode(body, *args), rate) - len(TEXT) * 0.1) < 0.1


def test_pcm_f32le_is_refused_with_a_reason(gateway):
    with pytest.raises(cartesia.BadRequestError) as e:
        generate(
            gateway,
            transcript=TEXT,
            voice=VOICE,
            output_format={"container": "raw", "encoding": "pcm_f32le", "sample_rate": 16000},
        )
    assert "pcm_f32le" in e.value.body["message"]


def test_an_unknown_voice_is_refused(gateway):
    with pytest.raises(cartesia.BadRequestError) as e:
        generate(gateway, transcript=TEXT, voice={"mode": "id", "id": "a0e99841"}, output_format=PCM16)
    assert "a0e99841" in e.value.body["message"]


def test_voices_are_the_gateways(gateway):
    ids = [v.id for v in client(gateway).voices.list()]
    assert "en-US-mock-1" in ids


def chunks(events):
    return b"".join(base64.b64decode(e.data) for e in events if e.type == "chunk")


def test_socket_streams_text_in_with_flush_and_done(gateway):
    with client(gateway).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16, add_timestamps=True)
        for piece in ["Hello ", "there, "]:
            ctx.push(piece)
        ctx.push("gateway.", flush=True)
        ctx.no_more_inputs()
        events = list(ctx.receive())
    kinds = [e.type for e in events]
    assert kinds[-1] == "done" and "error" not in kinds
    flush = [e for e in events if e.type == "flush_done"]
    assert [f.flush_id for f in flush] == [1]
    # Every audio chunk of the flushed text comes before its flush_done.
    assert kinds.index("flush_done") > max(i for i, k in enumerate(kinds) if k == "chunk")
    assert spoken(seconds(chunks(events)), TEXT)
    # mock_tone's word timings come as Cartesia's timestamps events, in order.
    stamps = [e for e in events if e.type == "timestamps"]
    words = [w for e in stamps for w in e.word_timestamps.words]
    assert [w.strip(",.") for w in words] == ["Hello", "there", "gateway"], words
    starts = [t for e in stamps for t in e.word_timestamps.start]
    assert starts == sorted(starts)


def test_two_contexts_on_one_socket_each_get_their_own_audio(gateway):
    with client(gateway).tts.websocket_connect() as conn:
        a = conn.context("a", model_id="sonic-3", voice=VOICE, output_format=PCM16)
        b = conn.context("b", model_id="sonic-3", voice=VOICE, output_format=PCM16)
        for pa, pb in [("Hello ", "Other "), ("from a.", "words in b.")]:
            a.push(pa)
            b.push(pb)
        a.no_more_inputs()
        b.no_more_inputs()
        got = {"a": [], "b": []}
        done = set()
        while len(done) < 2:
            e = conn.recv()
            assert e.type != "error", e
            got[e.context_id].append(e)
            if e.type == "done":
                done.add(e.context_id)
    assert spoken(seconds(chunks(got["a"])), "Hello from a.")
    assert spoken(seconds(chunks(got["b"])), "Other words in b.")


def test_cancel_stops_a_context_and_nothing_of_it_follows(gateway):
    with client(gateway).tts.websocket_connect() as conn:
        long = conn.context("long", model_id="sonic-3", voice=VOICE, output_format=PCM16)
        long.push("x" * 3000 + ".", flush=True)  # five minutes of audio
        first = conn.recv()
        assert (first.type, first.context_id) == ("chunk", "long")
        long.cancel()
        # The socket reads in order: what follows the next context's first event was
        # written after the cancel was read.
        nxt = conn.context("next", model_id="sonic-3", voice=VOICE, output_format=PCM16)
        nxt.push("After.")
        nxt.no_more_inputs()
        events, started = [], False
        while True:
            e = conn.recv()
            started = started or e.context_id == "next"
            if started:
                events.append(e)
            if e.context_id == "next" and e.type == "done":
                break
    assert all(e.context_id == "next" for e in events)
    assert spoken(seconds(chunks(events)), "After.")


def test_a_bad_input_gets_an_error_event_and_the_socket_goes_on(gateway):
    with client(gateway).tts.websocket_connect() as conn:
        bad = conn.context("bad", model_id="sonic-3", voice={"id": "nobody"}, output_format=PCM16)
        bad.push("Hi.")
        e = conn.recv()
        assert (e.type, e.context_id, e.status_code) == ("error", "bad", 400)
        assert "nobody" in e.message
        good = conn.context("good", model_id="sonic-3", voice=VOICE, output_format=PCM16)
        good.push("Hi.", continue_=False)
        assert [e.type for e in good.receive()][-1] == "done"


def test_the_door_is_counted_under_its_api_label(gateway):
    generate(gateway, transcript="Hi.", voice=VOICE, output_format=PCM16)
    metrics = httpx.get(gateway.base + "/metrics", headers=gateway.auth).text
    assert 'tts_api_streams_total{api="cartesia",outcome="completed"}' in metrics


def test_a_wrong_key_raises_the_sdks_authentication_error(gateway):
    with pytest.raises(cartesia.AuthenticationError) as err:
        generate(wrong_key(gateway), transcript="Hi.", voice=VOICE, output_format=PCM16)
    assert err.value.status_code == 401
    assert err.value.body["error_code"] == "unauthorized"
