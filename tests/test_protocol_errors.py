"""Bad input over a real WebSocket: each mistake gets a clear error (or a clean close), and the
server goes on serving other sessions."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from parley.client.stream import iter_pcm_chunks, stream_audio
from tests.conftest import loopback_config

START = {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "language": "en"}


@pytest_asyncio.fixture(scope="module")
async def strict_server(config, engine) -> AsyncIterator:
    """A server with small limits, sharing the real models."""
    from parley.server.app import ParleyServer

    local = loopback_config(
        config, server={"max_sessions": 2, "max_message_bytes": 64 * 1024, "max_start_wait_s": 1.5}
    )
    async with ParleyServer(local, engine=engine) as running:
        yield running


async def receive_json(ws: ClientConnection, timeout: float = 30.0) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(ws.recv(), timeout)
        event = json.loads(message)
        assert "lag" in event, event
        if event["type"] != "partial":
            return event


async def receive_until(ws: ClientConnection, kind: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    events = []
    while True:
        event = await receive_json(ws, timeout)
        events.append(event)
        if event["type"] == kind:
            return events


async def expect_close(ws: ClientConnection) -> tuple[int | None, str]:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return ws.close_code, ws.close_reason or ""


async def test_healthz_answers_plain_http(strict_server):
    url = f"http://127.0.0.1:{strict_server.port}/healthz"
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
    assert body == b"ok\n"


async def test_malformed_json_is_reported_and_the_session_goes_on(strict_server):
    async with connect(strict_server.url) as ws:
        await ws.send("{not json")
        error = await receive_json(ws)
        assert error["type"] == "error" and error["code"] == "bad_json" and error["fatal"] is False
        await ws.send("[1, 2]")
        assert (await receive_json(ws))["code"] == "bad_json"
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"
        await ws.send(json.dumps({"type": "dance"}))
        error = await receive_json(ws)
        assert error["code"] == "bad_message" and "dance" in error["message"]
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["code"] == "already_started"
        await ws.send(json.dumps({"type": "stop"}))
        done = (await receive_until(ws, "done"))[-1]
        assert done["finals"] == 0
        assert (await expect_close(ws))[0] == 1000


async def test_audio_before_start_is_refused_but_the_connection_stays(strict_server):
    async with connect(strict_server.url) as ws:
        await ws.send(b"\x00\x01" * 100)
        error = await receive_json(ws)
        assert error["code"] == "not_started" and not error["fatal"]
        await ws.send(json.dumps({"type": "stop"}))
        assert (await receive_json(ws))["code"] == "not_started"
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ({**START, "encoding": "mp3"}, "unsupported_encoding"),
        ({**START, "sample_rate": 1234}, "unsupported_sample_rate"),
        ({**START, "sample_rate": "16000"}, "unsupported_sample_rate"),
        ({**START, "task": "summarise"}, "bad_message"),
        ({**START, "language": "English"}, "bad_message"),
        ({**START, "language": "xx"}, "bad_message"),
        ({**START, "session": "news/+/live"}, "bad_message"),
        ({**START, "session": "room//2"}, "bad_message"),
        ({**START, "channels": 6}, "bad_message"),
        ({**START, "max_speakers": 0}, "bad_message"),
        ({**START, "max_speakers": 9}, "bad_message"),
        ({**START, "speakers": True}, "bad_message"),
        ({**START, "speakers": "2"}, "bad_message"),
        ({**START, "max_speakers": 2, "speakers": 3}, "bad_message"),
        ({**START, "keyterms": "Sibelius"}, "bad_keyterms"),
        ({**START, "keyterms": ["x"] * 21}, "bad_keyterms"),
        ({**START, "keyterms": ["x" * 41]}, "bad_keyterms"),
        ({**START, "keyterms": ["ok", 3]}, "bad_keyterms"),
        ({**START, "keyterms": ["  "]}, "bad_keyterms"),
        ({**START, "keyterms": ["a\u202eb"]}, "bad_keyterms"),
    ],
)
async def test_an_invalid_start_is_fatal_with_a_clear_reason(strict_server, start, code):
    async with connect(strict_server.url) as ws:
        await ws.send(json.dumps(start))
        error = await receive_json(ws)
        assert error["code"] == code and error["fatal"] is True
        assert len(error["message"]) > 20
        close_code, _ = await expect_close(ws)
        assert close_code == 1008


async def test_oversize_frame_gets_an_error_and_close_1009(strict_server):
    async with connect(strict_server.url, max_size=None) as ws:
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"
        await ws.send(b"\x00" * (64 * 1024 + 2))
        error = await receive_json(ws)
        assert error["code"] == "frame_too_large" and error["fatal"]
        assert "65536" in error["message"]
        assert (await expect_close(ws))[0] == 1009


async def test_no_start_in_time_is_closed(strict_server):
    async with connect(strict_server.url) as ws:
        error = await receive_json(ws)
        assert error["code"] == "start_timeout"
        assert (await expect_close(ws))[0] == 1008


async def test_frames_that_split_samples_are_carried_over(strict_server, hello_pcm):
    """Odd-sized frames: the partial sample is completed by the next frame, nothing is lost."""
    odd_frames = [hello_pcm[i : i + 1001] for i in range(0, len(hello_pcm), 1001)]
    assert any(len(frame) % 2 for frame in odd_frames)
    result = await stream_audio(strict_server.url, odd_frames, speed=0)
    assert not result.errors
    assert result.done is not None and abs(result.done["duration"] - len(hello_pcm) / 32000) < 0.01
    text = " ".join(f["text"] for f in result.finals).lower()
    assert "hello" in text


async def test_resampled_float_stereo_is_transcribed(strict_server, hello_pcm):
    """44.1 kHz float32 stereo in, the same words out."""
    import soxr

    mono = np.frombuffer(hello_pcm, dtype="<i2").astype(np.float32) / 32768
    resampled = soxr.resample(mono, 16000, 44100).astype("<f4")
    stereo = np.repeat(resampled[:, None], 2, axis=1).ravel().astype("<f4").tobytes()
    frames = [stereo[i : i + 35280] for i in range(0, len(stereo), 35280)]  # 100 ms, 8 bytes per frame
    result = await stream_audio(
        strict_server.url, frames, sample_rate=44100, encoding="pcm_f32le", channels=2, speed=0
    )
    assert abs(result.done["duration"] - len(mono) / 16000) < 0.05
    assert "hello" in " ".join(f["text"] for f in result.finals).lower()


async def test_a_client_vanishing_mid_utterance_does_not_hurt_the_server(strict_server, hello_pcm):
    ws = await connect(strict_server.url)
    await ws.send(json.dumps(START))
    assert (await receive_json(ws))["type"] == "ready"
    await ws.send(hello_pcm[: len(hello_pcm) // 2])  # stop mid-word
    await asyncio.sleep(0.2)
    ws.transport.abort()  # no close frame: the TCP connection just dies
    for _ in range(50):
        if not strict_server.connections:
            break
        await asyncio.sleep(0.1)
    assert not strict_server.connections, "the dead session was not cleaned up"
    frames = [hello_pcm[i : i + 3200] for i in range(0, len(hello_pcm), 3200)]
    result = await stream_audio(strict_server.url, frames, speed=0)
    assert result.done is not None and result.finals


async def test_session_limit_refuses_with_1013(strict_server):
    first, second = await connect(strict_server.url), await connect(strict_server.url)
    try:
        for ws in (first, second):
            await ws.send(json.dumps(START))
            assert (await receive_json(ws))["type"] == "ready"
        async with connect(strict_server.url) as third:
            close_code, reason = await expect_close(third)
        assert close_code == 1013
        assert "try again later" in reason
    finally:
        await first.close()
        await second.close()
    for _ in range(50):  # capacity comes back once they leave
        if not strict_server.connections:
            break
        await asyncio.sleep(0.1)
    async with connect(strict_server.url) as ws:
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"


async def test_a_failing_session_ends_alone(strict_server, hello_pcm, monkeypatch):
    """A bug in one session's pipeline: that session gets `internal` and close 1011, the other is served."""
    from parley.server.session import Session

    real_step = Session.step

    def step(self, max_seconds: float = 1.0):
        if self.options.language == "fr":
            raise RuntimeError("injected failure")
        return real_step(self, max_seconds)

    monkeypatch.setattr(Session, "step", step)
    frames = [hello_pcm[i : i + 3200] for i in range(0, len(hello_pcm), 3200)]
    async with connect(strict_server.url) as failing:
        await failing.send(json.dumps({**START, "language": "fr"}))
        assert (await receive_json(failing))["type"] == "ready"
        healthy = asyncio.create_task(stream_audio(strict_server.url, frames, speed=2.0))
        await failing.send(hello_pcm[:3200])
        error = await receive_json(failing)
        assert error["code"] == "internal" and error["fatal"]
        assert (await expect_close(failing))[0] == 1011
        result = await healthy
    assert result.done is not None and "hello" in " ".join(f["text"] for f in result.finals).lower()


async def test_renamed_speaker_is_carried_by_later_finals(strict_server, sample_audio):
    pcm = b"".join(iter_pcm_chunks(sample_audio[int(6.5 * 16000) : 20 * 16000], chunk_ms=10_000))
    frames = [pcm[i : i + 3200] for i in range(0, len(pcm), 3200)]
    async with connect(strict_server.url) as ws:
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"
        for frame in frames[:80]:  # 8 s: enough for a first speaker
            await ws.send(frame)
        events = await receive_until(ws, "speakers")
        await ws.send(json.dumps({"type": "rename", "speaker": "S9", "name": "Nobody"}))
        error = (await receive_until(ws, "error"))[-1]
        assert error["code"] == "unknown_speaker" and not error["fatal"] and "S1" in error["message"]
        await ws.send(json.dumps({"type": "rename", "speaker": "S1"}))
        assert (await receive_until(ws, "error"))[-1]["code"] == "bad_message"
        await ws.send(json.dumps({"type": "rename", "speaker": "S1", "name": "  Diane "}))
        roster = (await receive_until(ws, "speakers"))[-1]
        assert {"id": "S1", "name": "Diane"} in roster["speakers"]
        for frame in frames[80:]:
            await ws.send(frame)
        await ws.send(json.dumps({"type": "stop"}))
        events = await receive_until(ws, "done")
    later_finals = [e for e in events if e["type"] == "final" and e["speaker"] == "S1"]
    assert later_finals and all(f["speaker_name"] == "Diane" for f in later_finals)


async def test_max_speakers_in_start_bounds_the_speakers(strict_server, sample_audio):
    """The sample has two voices (2 speakers found without a bound, tests/test_e2e_sample.py): with
    max_speakers 1, every caption and every word is the one speaker, on the socket as in the roster."""
    received: list[dict[str, Any]] = []
    result = await stream_audio(
        strict_server.url, iter_pcm_chunks(sample_audio), speed=0, max_speakers=1, on_event=received.append
    )
    assert result.finals
    assert {f["speaker"] for f in result.finals} == {"S1"}
    assert {w["speaker"] for f in result.finals for w in f["words"]} == {"S1"}
    assert list(result.speakers) == ["S1"]
