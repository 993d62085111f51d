"""Resuming a session after its socket dropped: nothing lost, nothing doubled, same speakers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect

from parley.client.stream import StreamError, iter_pcm_chunks, stream_audio
from tests.conftest import loopback_config

pytestmark = pytest.mark.slow
START = {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "language": "en"}


@pytest_asyncio.fixture(scope="module")
async def short_grace_server(config, engine) -> AsyncIterator:
    """A server that keeps a dropped session for 1.5 s only."""
    from parley.server.app import ParleyServer

    local = loopback_config(config, resume={"grace_s": 1.5})
    async with ParleyServer(local, engine=engine) as running:
        yield running


def caption_record(finals: list[dict]) -> list[tuple]:
    return [(f["id"], f["speaker"], f["start"], f["end"], f["text"]) for f in finals]


async def test_two_cuts_mid_speech_give_exactly_the_uninterrupted_finals(server, sample_audio):
    """The TCP connection is aborted twice while Diane and Sheila speak; the client resumes each time."""
    uninterrupted = await stream_audio(server.url, iter_pcm_chunks(sample_audio), speed=0)

    connections: list[ClientConnection] = []
    resumed_before = server.metrics.sessions_resumed._value.get()

    def chunks_with_cuts() -> Iterator[bytes]:
        for index, chunk in enumerate(iter_pcm_chunks(sample_audio)):
            if index in (95, 190):  # 9.5 s and 19 s: both inside speech turns
                connections[-1].transport.abort()  # no close frame: the network just dies
            yield chunk

    resumed = await stream_audio(server.url, chunks_with_cuts(), speed=3.0, on_connection=connections.append)
    assert len(connections) == 3, "the client should have connected once and resumed twice"
    assert server.metrics.sessions_resumed._value.get() - resumed_before == 2
    assert resumed.done is not None
    assert caption_record(resumed.finals) == caption_record(uninterrupted.finals)
    ids = [f["id"] for f in resumed.finals]
    assert ids == list(range(1, len(ids) + 1)), "gaps or duplicates in the final ids"
    assert resumed.speakers == uninterrupted.speakers and len(resumed.speakers) == 2
    assert resumed.done["duration"] == uninterrupted.done["duration"]


async def test_a_late_resume_is_refused_clearly(short_grace_server, sample_audio):
    server = short_grace_server
    pcm = b"".join(iter_pcm_chunks(sample_audio[6 * 16000 : 10 * 16000], chunk_ms=4000))
    ws = await connect(server.url)
    await ws.send(json.dumps(START))
    ready = json.loads(await ws.recv())
    assert ready["type"] == "ready" and ready["resume_token"] and ready["resume_grace_s"] == 1.5
    await ws.send(pcm)
    await asyncio.sleep(0.3)
    ws.transport.abort()
    await asyncio.sleep(0.5)
    assert ready["session_id"] in server.sessions, "a dropped session is kept for the grace window"

    async with connect(server.url) as wrong:  # within the window, but a wrong token
        await wrong.send(json.dumps({"type": "resume", "session_id": ready["session_id"], "token": "guess"}))
        error = json.loads(await wrong.recv())
        assert error["code"] == "resume_failed" and error["fatal"]

    for _ in range(60):  # the window passes: the session is ended and forgotten
        if ready["session_id"] not in server.sessions:
            break
        await asyncio.sleep(0.1)
    assert ready["session_id"] not in server.sessions
    async with connect(server.url) as late:
        resume = {"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]}
        await late.send(json.dumps({**resume, "last_final_id": 0}))
        error = json.loads(await late.recv())
        assert error["type"] == "error" and error["code"] == "resume_failed" and error["fatal"]
        assert "start a new session" in error["message"]
        await asyncio.wait_for(late.wait_closed(), 5)
        assert late.close_code == 1008


async def test_the_stream_client_gives_up_after_the_grace_window(short_grace_server, sample_audio):
    """A client cut off for longer than the server keeps its session fails with a clear error."""
    server = short_grace_server
    connections: list[ClientConnection] = []

    def chunks() -> Iterator[bytes]:
        for index, chunk in enumerate(iter_pcm_chunks(sample_audio[: 12 * 16000])):
            if index == 30:
                server.config.resume.max_detached = 0  # the server ends a dropped session at once
                connections[-1].transport.abort()
            yield chunk

    try:
        with pytest.raises(StreamError) as failure:
            await stream_audio(server.url, chunks(), speed=0, on_connection=connections.append)
    finally:
        server.config.resume.max_detached = 16
    assert failure.value.code == "resume_failed"
