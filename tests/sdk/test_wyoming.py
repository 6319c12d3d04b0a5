"""The `wyoming` package's own client (AsyncTcpClient) against the gateway's Wyoming port."""

import asyncio

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

TEXT = "Hello there, gateway."  # mock_tone: 100 ms a character, 16 kHz
VOICE = SynthesizeVoice(name="en-US-mock-1")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=30))


async def audio_until(client, last_type):
    """The PCM of audio-chunks until an event of `last_type`; and the events' types."""
    pcm, kinds, rate = bytearray(), [], None
    while True:
        event = await client.read_event()
        assert event is not None, f"connection closed after {kinds}"
        kinds.append(event.type)
        assert not Error.is_type(event.type), Error.from_event(event)
        if AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            assert (start.width, start.channels) == (2, 1)
            rate = start.rate
        if AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            assert chunk.rate == rate
            pcm += chunk.audio
        if event.type == last_type:
            return bytes(pcm), kinds, rate


def test_describe_lists_every_voice_with_its_language_and_streaming(gateway):
    async def go():
        async with AsyncTcpClient("127.0.0.1", gateway.wyoming_port) as client:
            await client.write_event(Describe().event())
            return Info.from_event(await client.read_event())

    info = run(go())
    (program,) = info.tts
    assert program.supports_synthesize_streaming
    voices = {v.name: v for v in program.voices}
    assert voices["en-US-mock-1"].languages == ["en-US"]
    assert len(voices) > 1


def test_one_shot_synthesize_is_audio_start_chunks_stop(gateway):
    async def go():
        async with AsyncTcpClient("127.0.0.1", gateway.wyoming_port) as client:
            await client.write_event(Synthesize(text=TEXT, voice=VOICE).event())
            return await audio_until(client, AudioStop().event().type)

    pcm, kinds, rate = run(go())
    assert kinds[0] == "audio-start" and kinds[-1] == "audio-stop"
    assert rate == 16000
    assert abs(len(pcm) / 2 / rate - len(TEXT) * 0.1) < 0.01


def test_streaming_synthesis_speaks_the_chunks_then_says_stopped(gateway):
    async def go():
        async with AsyncTcpClient("127.0.0.1", gateway.wyoming_port) as client:
            await client.write_event(SynthesizeStart(voice=VOICE).event())
            for piece in ["Hello ", "there, ", "gate", "way."]:
                await client.write_event(SynthesizeChunk(text=piece).event())
            # Home Assistant also sends the whole text once, for servers that do not stream.
            await client.write_event(Synthesize(text=TEXT, voice=VOICE).event())
            await client.write_event(SynthesizeStop().event())
            pcm, kinds, rate = await audio_until(client, SynthesizeStopped().event().type)
            # The connection serves the next request.
            await client.write_event(Synthesize(text="Again.", voice=VOICE).event())
            again, _, _ = await audio_until(client, "audio-stop")
            return pcm, kinds, rate, again

    pcm, kinds, rate, again = run(go())
    assert kinds[0] == "audio-start" and kinds[-2:] == ["audio-stop", "synthesize-stopped"]
    # Spoken in segments (clauses): the space between two is not voiced.
    assert abs(len(pcm) / 2 / rate - len(TEXT) * 0.1) <= 0.15
    assert abs(len(again) / 2 / 16000 - 0.6) < 0.01


def test_a_language_picks_a_voice_and_an_unknown_voice_is_an_error(gateway):
    async def go():
        async with AsyncTcpClient("127.0.0.1", gateway.wyoming_port) as client:
            await client.write_event(Synthesize(text="Hi.", voice=SynthesizeVoice(name="nobody")).event())
            error = Error.from_event(await client.read_event())
            await client.write_event(Synthesize(text="Hi.", voice=SynthesizeVoice(language="en")).event())
            pcm, _, _ = await audio_until(client, "audio-stop")
            return error, pcm

    error, pcm = run(go())
    assert "nobody" in error.text
    assert len(pcm) > 0
