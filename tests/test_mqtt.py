"""Captions on a real MQTT broker (mosquitto): topics, order, speaker labels, and a broker that
dies mid-session or is down at start-up without any final being lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from parley.client.listen import Listener, listen
from parley.client.stream import iter_pcm_chunks, stream_audio
from parley.config import Config
from parley.server.app import ParleyServer
from parley.server.mqtt import parse_broker_url
from tests.broker import Mosquitto
from tests.certs import make_certificates
from tests.conftest import loopback_config

pytestmark = pytest.mark.slow
Messages = list[tuple[str, dict[str, Any]]]


@contextlib.asynccontextmanager
async def parley_server(
    config: Config, engine, broker_url: str, tls_ca: Path | None = None
) -> AsyncIterator[ParleyServer]:
    tls = str(tls_ca) if tls_ca else None
    local = loopback_config(config, mqtt={"url": broker_url, "reconnect_max_s": 1.0, "tls_ca": tls})
    async with ParleyServer(local, engine=engine) as server:
        yield server


class Subscriber:
    """A plain MQTT client collecting JSON messages until a condition holds."""

    def __init__(self, broker_url: str, topic: str, ca: Path | None = None) -> None:
        self.address = parse_broker_url(broker_url)
        self.topic = topic
        self.tls = ssl.create_default_context(cafile=str(ca)) if ca else None
        self.messages: Messages = []
        self.subscribed = asyncio.Event()

    async def run(self, until: Callable[[Messages], bool], timeout: float = 90) -> Messages:
        async with aiomqtt.Client(self.address.host, self.address.port, tls_context=self.tls) as client:
            await client.subscribe(self.topic, qos=1)
            self.subscribed.set()
            async with asyncio.timeout(timeout):
                async for message in client.messages:
                    self.messages.append((str(message.topic), json.loads(message.payload)))
                    if until(self.messages):
                        break
        return self.messages


def session_stopped(messages: Messages) -> bool:
    return any(message.get("type") == "session_stop" for _, message in messages)


async def test_captions_arrive_on_their_topics_in_order(config, engine, broker, sample_audio):
    subscriber = Subscriber(broker.url, "parley/sessions/#")
    async with parley_server(config, engine, broker.url) as server:
        collecting = asyncio.create_task(subscriber.run(session_stopped))
        await asyncio.wait_for(subscriber.subscribed.wait(), 10)
        result = await stream_audio(
            server.url, iter_pcm_chunks(sample_audio), speed=0, session_name="meeting/42"
        )
        messages = await collecting
    topics = {topic for topic, _ in messages}
    assert topics == {f"parley/sessions/meeting/42/{kind}" for kind in ("events", "captions", "speakers")}
    events = [m for t, m in messages if t.endswith("/events")]
    assert [e["type"] for e in events] == ["session_start", "session_stop"]
    assert events[-1]["reason"] == "done" and events[-1]["finals"] == len(result.finals)
    captions = [m for t, m in messages if t.endswith("/captions") and m["type"] == "final"]
    assert [c["id"] for c in captions] == [f["id"] for f in result.finals]
    assert [(c["speaker"], c["text"]) for c in captions] == [(f["speaker"], f["text"]) for f in result.finals]
    assert {c["speaker"] for c in captions} == {"S1", "S2"}
    assert all(
        c["session"] == "meeting/42" and c["session_id"] == result.ready["session_id"] for c in captions
    )
    rosters = [m for t, m in messages if t.endswith("/speakers")]
    assert [s["id"] for s in rosters[-1]["speakers"]] == ["S1", "S2"]


async def test_broker_killed_mid_session_loses_no_final(config, engine, broker, sample_audio):
    """SIGKILL the broker after 3 finals, restart it 2 s later: every final arrives, once, in order."""
    listener = Listener("parley")
    stop = asyncio.Event()
    listening = asyncio.create_task(
        listen(
            broker.url,
            listener,
            session="crash-test",
            exit_on_stop=True,
            config=config,
            client_id="subtitler",
            stop=stop,
        )
    )
    await asyncio.sleep(2.5)  # the listener's persistent session is saved by the broker (autosave 1 s)
    finals_seen = 0
    restarted = asyncio.Event()

    async def crash_and_restart() -> None:
        broker.kill()
        await asyncio.sleep(2.0)
        broker.start()
        restarted.set()

    def on_event(event: dict[str, Any]) -> None:
        nonlocal finals_seen
        if event["type"] == "final":
            finals_seen += 1
            if finals_seen == 3:
                asyncio.get_running_loop().create_task(crash_and_restart())

    async with parley_server(config, engine, broker.url) as server:
        result = await stream_audio(
            server.url, iter_pcm_chunks(sample_audio), speed=2.0, session_name="crash-test", on_event=on_event
        )
        await asyncio.wait_for(restarted.wait(), 30)
        await asyncio.wait_for(listening, 60)
    stop.set()
    captions = listener.sessions["crash-test"]
    assert finals_seen > 3, "the crash came after the last final: nothing was tested"
    assert [f["id"] for f in captions.ordered()] == [f["id"] for f in result.finals]
    assert [(f["speaker"], f["text"]) for f in captions.ordered()] == [
        (f["speaker"], f["text"]) for f in result.finals
    ]
    assert captions.stopped


async def test_broker_down_at_startup_does_not_stop_the_session(config, engine, tmp_path, sample_audio):
    broker = Mosquitto(tmp_path / "late-broker")
    # the subtitler's persistent session exists before the outage (a broker restart keeps it)
    broker.start()
    listener = Listener("parley")
    stop = asyncio.Event()
    first = asyncio.create_task(
        listen(
            broker.url,
            listener,
            session="late",
            exit_on_stop=True,
            config=config,
            client_id="late-sub",
            stop=stop,
        )
    )
    await asyncio.sleep(1.5)
    stop.set()
    await first
    broker.stop()
    try:
        hello = sample_audio[int(6.5 * 16000) : int(9.5 * 16000)]
        async with parley_server(config, engine, broker.url) as server:
            result = await stream_audio(server.url, iter_pcm_chunks(hello), speed=0, session_name="late")
            assert result.done is not None and result.finals, "captions must flow while the broker is down"
            assert server.publisher is not None and server.publisher.pending > 0
            broker.start()
            listener = Listener("parley")
            await asyncio.wait_for(
                listen(
                    broker.url,
                    listener,
                    session="late",
                    exit_on_stop=True,
                    config=config,
                    client_id="late-sub",
                ),
                60,
            )
            assert server.publisher.pending == 0 and server.publisher.dropped == 0
    finally:
        broker.stop()
    assert [f["id"] for f in listener.sessions["late"].ordered()] == [f["id"] for f in result.finals]


async def test_parley_listen_writes_srt_with_speaker_names(config, engine, broker, sample_audio, tmp_path):
    out = tmp_path / "subtitles.srt"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "parley.cli",
        "listen",
        "--broker",
        broker.url,
        "--session",
        "show",
        "--out",
        str(out),
        "--exit-on-stop",
        "--quiet",
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    first = await asyncio.wait_for(process.stderr.readline(), 60)  # it says once it has subscribed
    assert first.decode().startswith("parley listen: subscribed to "), first
    async with parley_server(config, engine, broker.url) as server:
        result = await stream_audio(server.url, iter_pcm_chunks(sample_audio), speed=0, session_name="show")
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    srt = out.read_text()
    assert srt.count(" --> ") == len(result.finals)
    assert "Speaker 1: " in srt and "Speaker 2: " in srt


async def test_mqtts_with_a_private_ca(config, engine, tmp_path, sample_audio):
    """mqtts:// with `mqtt.tls_ca`: the broker's certificate is verified against the given CA."""
    certificates = make_certificates(tmp_path / "tls")
    broker = Mosquitto(tmp_path / "tls-broker", tls=certificates)
    broker.start()
    try:
        subscriber = Subscriber(broker.url, "parley/sessions/tls/#", ca=certificates.ca)
        hello = sample_audio[int(6.5 * 16000) : int(9.5 * 16000)]
        async with parley_server(config, engine, broker.url, tls_ca=certificates.ca) as server:
            collecting = asyncio.create_task(subscriber.run(session_stopped, timeout=60))
            await asyncio.wait_for(subscriber.subscribed.wait(), 10)
            result = await stream_audio(server.url, iter_pcm_chunks(hello), speed=0, session_name="tls")
            messages = await collecting
    finally:
        broker.stop()
    captions = [m for t, m in messages if t.endswith("/captions") and m["type"] == "final"]
    assert [c["id"] for c in captions] == [f["id"] for f in result.finals] and captions
