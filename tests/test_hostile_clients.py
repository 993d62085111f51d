"""One hostile client must not hurt the server or anyone else on it (issue 14).

Each test is one finding of an adversarial review, driven over a real socket on loopback against a
real server on the real models (and a real mosquitto where the finding is about the bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import string
import time
import tracemalloc
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from parley.config import MqttConfig
from parley.server.app import ParleyServer
from parley.server.mqtt import CaptionPublisher
from tests.broker import free_port
from tests.conftest import loopback_config

pytestmark = pytest.mark.slow
START = {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "language": "en"}
TOKEN = "hostile-test-token-91c2"


@pytest_asyncio.fixture(scope="module")
async def hostile_server(config, engine) -> AsyncIterator[ParleyServer]:
    """Small limits (2 sessions, 64 KiB frames, 1 s of lag, 1 s of grace, 4 detached), real models."""
    local = loopback_config(
        config,
        server={"max_sessions": 2, "max_message_bytes": 64 * 1024, "max_start_wait_s": 3.0},
        audio={"max_lag_s": 1.0},
        resume={"grace_s": 1.0, "max_detached": 4},
    )
    async with ParleyServer(local, engine=engine) as running:
        yield running


async def receive_json(ws: ClientConnection, timeout: float = 30.0) -> dict[str, Any]:
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if event["type"] not in ("partial", "ack"):
            return event


async def receive_until(ws: ClientConnection, kind: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    events = []
    while True:
        events.append(await receive_json(ws, timeout))
        if events[-1]["type"] == kind:
            return events


async def expect_close(ws: ClientConnection, timeout: float = 10.0) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    return ws.close_code


async def wait_for(condition: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return bool(condition())


async def started(url: str, **start: Any) -> tuple[ClientConnection, dict[str, Any]]:
    ws = await connect(url, **start.pop("connect", {}))
    await ws.send(json.dumps({**START, **start}))
    ready = await receive_json(ws)
    assert ready["type"] == "ready", ready
    return ws, ready


def metric(server: ParleyServer, name: str, **labels: str) -> float:
    value = server.metrics.registry.get_sample_value(name, labels or None)
    return 0.0 if value is None else value


# -- memory amplification ----------------------------------------------------------------------------


async def test_an_unknown_type_is_not_echoed_whole(hostile_server):
    async with connect(hostile_server.url) as ws:
        await ws.send(json.dumps({"type": "x" * 50_000}))
        error = await receive_json(ws)
        assert error["code"] == "bad_message" and error["fatal"] is False
        assert "xxxx" in error["message"] and len(error["message"]) < 400
        await ws.send(json.dumps({"type": "start", "sample_rate": "9" * 50_000}))
        error = await receive_json(ws)
        assert error["code"] == "unsupported_sample_rate" and len(error["message"]) < 400


async def test_a_client_that_never_reads_cannot_grow_the_servers_memory(hostile_server):
    """600 frames of 60 KB unknown `type`, compressed, never reading: the server holds under 8 MB.

    Today each error echoes the 60 KB and the send queue holds 512 of them (30 MB).
    """
    rng = random.Random(14)
    frames = [json.dumps({"type": "".join(rng.choices(string.ascii_letters, k=60_000))}) for _ in range(8)]
    tracemalloc.start()
    try:
        ws = await connect(hostile_server.url, max_queue=1, max_size=None)  # never reads
        with contextlib.suppress(ConnectionClosed):
            for index in range(600):
                await ws.send(frames[index % len(frames)])
        await asyncio.sleep(0.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        with contextlib.suppress(Exception):
            ws.transport.abort()
    print(f"peak traced memory against a client that never reads: {peak / 2**20:.2f} MiB")
    assert peak < 8 * 2**20, f"peak traced memory {peak / 2**20:.1f} MiB"


async def test_a_large_text_frame_is_refused(hostile_server):
    """Text frames are small JSON objects: a 70 KB one is refused (1009), not parsed and answered."""
    async with connect(hostile_server.url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "keepalive", "pad": "x" * 70_000}))
        error = await receive_json(ws)
        assert (error["code"], error["fatal"]) == ("message_too_large", True)
        assert "65536" in error["message"]
        assert await expect_close(ws) == 1009


async def test_a_flood_of_text_frames_is_closed(hostile_server):
    """Frames of the largest allowed size, back to back: beyond limits.text_burst_bytes (256 KiB) the
    client is told rate_limited and closed (1008); its session does not outlive it as live work."""
    ws, _ = await started(hostile_server.url)
    frame = json.dumps({"type": "keepalive", "pad": "x" * 60_000})
    with contextlib.suppress(ConnectionClosed):
        for _ in range(8):  # 480 KB at once
            await ws.send(frame)
    events: list[dict[str, Any]] = []
    with contextlib.suppress(ConnectionClosed):
        while True:
            events.append(json.loads(await asyncio.wait_for(ws.recv(), 30.0)))
    errors = [e for e in events if e["type"] == "error"]
    assert [(e["code"], e["fatal"]) for e in errors] == [("rate_limited", True)]
    assert "bytes per second" in errors[0]["message"]
    assert ws.close_code == 1008


# -- session names and the bus -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a\ud800", "room\u0085x", "room\ufdd0", "room\uffff", "a\u200b/\u202e"])
async def test_a_session_name_that_cannot_be_a_topic_is_refused(hostile_server, name):
    async with connect(hostile_server.url) as ws:
        await ws.send(json.dumps({**START, "session": name}))  # ensure_ascii: sent as \\ud800 escapes
        error = await receive_json(ws)
        assert error["type"] == "error" and error["code"] == "bad_message" and error["fatal"] is True
        assert "session" in error["message"]
        assert await expect_close(ws) == 1008


async def collect(broker_url: str, topic: str, until: Any, timeout: float = 20.0) -> list[tuple[str, Any]]:
    import aiomqtt

    from parley.server.mqtt import parse_broker_url

    address = parse_broker_url(broker_url)
    messages: list[tuple[str, Any]] = []
    async with aiomqtt.Client(address.host, address.port) as client:
        await client.subscribe(topic, qos=1)
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                messages.append((str(message.topic), json.loads(message.payload)))
                if until(messages):
                    return messages
    return messages


async def test_one_unencodable_topic_does_not_stop_the_publisher(broker):
    """A topic paho cannot encode is dropped and counted; the next session's message still goes out."""
    publisher = CaptionPublisher(MqttConfig(url=broker.url, reconnect_max_s=1.0))
    publisher.start()
    try:
        received = asyncio.create_task(
            collect(broker.url, "parley/sessions/+/captions", lambda m: len(m) >= 1)
        )
        await asyncio.sleep(0.5)
        publisher.publish("bad\ud800", "captions", {"type": "final", "text": "lost"})
        publisher.publish("good", "captions", {"type": "final", "text": "kept"})
        messages = await received
        assert messages == [("parley/sessions/good/captions", {"type": "final", "text": "kept"})]
        assert publisher.running
        assert publisher.dropped == 1
    finally:
        await publisher.close()


async def test_one_flooding_session_cannot_evict_anothers_messages():
    """The queue is shared, but one session's share of it is bounded: its own oldest go first."""
    publisher = CaptionPublisher(MqttConfig(url="mqtt://127.0.0.1:9"))  # never started: the queue only
    publisher.publish("flood", "captions", {"id": 0})
    publisher.publish("quiet", "captions", {"id": 1, "text": "keep me"})
    for index in range(2 * publisher.config.queue_size):
        publisher.publish("flood", "speakers", {"id": index})
    quiet = [m for m in publisher._queue if m.topic == "parley/sessions/quiet/captions"]
    assert [json.loads(m.payload) for m in quiet] == [{"id": 1, "text": "keep me"}]
    assert publisher.pending + publisher.dropped == 2 * publisher.config.queue_size + 2


async def test_mqtt_drops_are_in_metrics(config, engine):
    """A broker that is not there: the queue overflows, and /metrics says how much was lost."""
    local = loopback_config(config, mqtt={"url": f"mqtt://127.0.0.1:{free_port()}", "queue_size": 10})
    async with ParleyServer(local, engine=engine) as server:
        assert server.publisher is not None
        for index in range(25):
            server.publisher.publish(f"s{index % 5}", "captions", {"id": index})
        url = f"http://127.0.0.1:{server.port}/metrics"
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
    lines = [line for line in body.splitlines() if line.startswith("parley_mqtt_dropped_total")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in lines) == 15.0, lines


async def test_session_names_are_unique_among_live_sessions(hostile_server):
    first, _ = await started(hostile_server.url, session="room-14")
    try:
        async with connect(hostile_server.url) as second:
            await second.send(json.dumps({**START, "session": "room-14"}))
            error = await receive_json(second)
            assert error["code"] == "session_name_taken" and error["fatal"] is True
            assert await expect_close(second) == 1008
    finally:
        await first.close()


async def test_renames_are_rate_limited(hostile_server):
    ws, _ = await started(hostile_server.url)
    try:
        for index in range(40):
            await ws.send(json.dumps({"type": "rename", "speaker": "S1", "name": f"n{index}"}))
        codes = [(await receive_json(ws))["code"] for _ in range(40)]
        assert "rate_limited" in codes
        assert codes.count("unknown_speaker") <= 12, codes
        assert metric(hostile_server, "parley_errors_total", code="rate_limited") >= 1
    finally:
        await ws.close()


# -- the pipeline, back-pressure, resume ------------------------------------------------------------


async def test_a_pipeline_error_under_back_pressure_frees_the_slot(hostile_server, hello_pcm, monkeypatch):
    """The session fails while its reader waits for the lag to fall: it must not wait forever."""
    from parley.server.session import Session

    real_step = Session.step

    def step(self, max_seconds: float = 1.0):
        if self.options.language == "fr":
            time.sleep(0.5)
            raise RuntimeError("injected failure")
        return real_step(self, max_seconds)

    monkeypatch.setattr(Session, "step", step)
    ws, _ = await started(hostile_server.url, language="fr")
    frames = [hello_pcm[i : i + 32000] for i in range(0, len(hello_pcm), 32000)]  # 1 s each
    with contextlib.suppress(ConnectionClosed):
        for frame in frames:
            await ws.send(frame)
    error = await receive_json(ws)
    assert error["code"] == "internal" and error["fatal"]
    assert await expect_close(ws) == 1011
    assert await wait_for(lambda: not hostile_server.connections, 5.0), "the failed session kept its slot"


async def test_a_resume_during_the_final_flush_is_refused(hostile_server, hello_pcm, monkeypatch):
    """Grace has passed and the session is flushing its last finals: a resume now is refused clearly
    (not answered `resumed` and then cut off under the client)."""
    from parley.server.session import Session

    real_finish = Session.finish

    def slow_finish(self):
        time.sleep(2.0)
        return real_finish(self)

    monkeypatch.setattr(Session, "finish", slow_finish)
    ws, ready = await started(hostile_server.url)
    await ws.send(hello_pcm[:32000])
    await asyncio.sleep(0.3)
    ws.transport.abort()
    await asyncio.sleep(1.0 + 0.6)  # past grace_s (1 s): the expiry is in its flush now
    async with connect(hostile_server.url) as again:
        resume = {"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]}
        await again.send(json.dumps({**resume, "last_final_id": 0}))
        answer = await receive_json(again)
        assert answer["type"] == "error" and answer["code"] == "resume_failed", answer
        assert await expect_close(again) == 1008
    await wait_for(lambda: ready["session_id"] not in hostile_server.sessions, 10.0)


async def test_a_client_opening_and_aborting_sessions_cannot_evict_another_clients(hostile_server):
    """`max_detached` is 4: one client's 6 dropped sessions evict its own, not another client's."""
    user, ready = await started(hostile_server.url, connect={"local_addr": ("127.0.0.2", 0)})
    user.transport.abort()
    await wait_for(lambda: hostile_server.sessions[ready["session_id"]].connection is None, 5.0)
    for _ in range(6):
        ws, _ = await started(hostile_server.url)
        ws.transport.abort()
        await wait_for(lambda: not hostile_server.connections, 5.0)
    async with connect(hostile_server.url, local_addr=("127.0.0.2", 0)) as again:
        resume = {"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]}
        await again.send(json.dumps(resume))
        assert (await receive_json(again))["type"] == "resumed"
        await again.send(json.dumps({"type": "stop"}))
        assert (await receive_until(again, "done"))[-1]["type"] == "done"


# -- slots -------------------------------------------------------------------------------------------


async def test_connections_waiting_for_start_do_not_take_session_slots(hostile_server):
    """max_sessions is 2: two connections that never send `start` do not lock out a real client."""
    squatters = [await connect(hostile_server.url) for _ in range(2)]
    try:
        ws, _ = await started(hostile_server.url)
        await ws.close()
    finally:
        for squatter in squatters:
            await squatter.close()


async def test_one_client_cannot_hold_every_connection_waiting_for_start(hostile_server):
    """server.max_pending_per_client (4): a fifth waiting connection from one address is refused;
    another address still gets in."""
    waiting = [await connect(hostile_server.url) for _ in range(4)]
    try:
        fifth = await connect(hostile_server.url)
        assert await expect_close(fifth) == 1013
        assert "waiting to start" in (fifth.close_reason or "")
        other, _ = await started(hostile_server.url, connect={"local_addr": ("127.0.0.2", 0)})
        await other.close()
    finally:
        for ws in waiting:
            await ws.close()


async def test_sessions_whose_client_closed_still_count_against_max_sessions(config, engine, hello_pcm):
    """A clean close (1000) makes the session flush the audio it holds; until it is done it takes its
    session slot, so closing and reconnecting cannot pile up work beyond server.max_sessions."""
    local = loopback_config(config, server={"max_sessions": 2}, audio={"max_lag_s": 30.0})
    async with ParleyServer(local, engine=engine) as server:
        for _ in range(2):
            ws, _ = await started(server.url)
            for _ in range(8):  # 28 s of audio: the session is still working on it after the close
                await ws.send(hello_pcm)
            await ws.close()
        await wait_for(lambda: not server.connections, 5.0)
        finishing = [live for live in server.sessions.values() if not live.ended]
        assert len(finishing) == 2, "both sessions still process the audio they were sent"
        third = await connect(server.url)  # refused right after its handshake
        assert await expect_close(third) == 1013
        assert "server busy" in (third.close_reason or "")
        await wait_for(lambda: not server.sessions, 120.0)  # once they are done, slots come back
        ws, _ = await started(server.url)
        await ws.close()


async def test_one_client_cannot_take_every_handshake(config, engine):
    """server.max_handshakes_per_client: idle connections from one address are capped below the
    global cap, so another address can still connect."""
    local = loopback_config(config, server={"max_handshakes": 8, "max_handshakes_per_client": 3})
    async with ParleyServer(local, engine=engine) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
        try:
            await asyncio.sleep(0.2)
            extra = socket.create_connection(("127.0.0.1", server.port))
            extra.settimeout(2.0)
            try:
                assert await asyncio.to_thread(extra.recv, 1) == b""  # closed by the server
            finally:
                extra.close()
            async with connect(server.url, local_addr=("127.0.0.2", 0)) as ws:  # another address
                await ws.send(json.dumps(START))
                assert (await receive_json(ws))["type"] == "ready"
        finally:
            for sock in idle:
                sock.close()
        assert await wait_for(lambda: not server.handshakes_by_client, 5.0), server.handshakes_by_client


async def test_a_trickle_of_audio_does_not_keep_a_session_forever(config, engine):
    """One byte now and then resets the idle timeout; the wall-clock limit ends the session anyway."""
    local = loopback_config(config, limits={"max_session_wall_s": 2.0})
    async with ParleyServer(local, engine=engine) as server:
        ws, _ = await started(server.url)
        began = time.monotonic()
        with contextlib.suppress(ConnectionClosed):
            for _ in range(16):
                await ws.send(b"\x00")
                await asyncio.sleep(0.5)
        events = await receive_until(ws, "done", timeout=5.0)
        errors = [e for e in events if e["type"] == "error"]
        assert [e["code"] for e in errors] == ["session_too_long"] and errors[0]["fatal"]
        assert time.monotonic() - began < 5.0
        await ws.close()


async def test_handshakes_in_progress_are_capped(config, engine):
    """Raw TCP connections that never send a request: beyond the cap, the next is closed at once."""
    local = loopback_config(config, server={"max_handshakes": 4})
    async with ParleyServer(local, engine=engine) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
        try:
            await asyncio.sleep(0.2)
            extra = socket.create_connection(("127.0.0.1", server.port))
            extra.settimeout(2.0)
            try:
                assert await asyncio.to_thread(extra.recv, 1) == b""  # closed by the server
            finally:
                extra.close()
        finally:
            for sock in idle:
                sock.close()
        async with connect(server.url) as ws:  # capacity is back once they are gone
            await ws.send(json.dumps(START))
            assert (await receive_json(ws))["type"] == "ready"


# -- unclear answers to bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (json.dumps({**START, "encoding": []}), "unsupported_encoding"),
        (json.dumps({**START, "encoding": {"a": 1}}), "unsupported_encoding"),
        ('{"type": "start", "encoding": "pcm_s16le", "sample_rate": ' + "1" * 5000 + "}", "bad_json"),
    ],
)
async def test_odd_values_get_a_clear_error_not_internal(hostile_server, text, code):
    internal = metric(hostile_server, "parley_errors_total", code="internal")
    async with connect(hostile_server.url) as ws:
        await ws.send(text)
        error = await receive_json(ws)
        assert error["code"] == code, error
        assert len(error["message"]) < 400
        if code == "bad_json":  # not fatal: the client may go on and send a valid start
            await ws.send(json.dumps(START))
            assert (await receive_json(ws))["type"] == "ready"
        else:
            assert error["fatal"] is True and await expect_close(ws) == 1008
    assert metric(hostile_server, "parley_errors_total", code="internal") == internal


async def test_an_invalid_start_after_start_is_not_fatal(hostile_server):
    ws, _ = await started(hostile_server.url)
    try:
        await ws.send(json.dumps({"type": "start", "sample_rate": 1}))
        error = await receive_json(ws)
        assert (error["code"], error["fatal"]) == ("already_started", False)
        await ws.send(json.dumps({"type": "stop"}))
        assert (await receive_until(ws, "done"))[-1]["type"] == "done"
    finally:
        await ws.close()


@pytest_asyncio.fixture(scope="module")
async def token_server(config, engine) -> AsyncIterator[ParleyServer]:
    local = loopback_config(config, auth={"tokens": [TOKEN]})
    async with ParleyServer(local, engine=engine) as running:
        yield running


def raw_request(port: int, lines: list[str]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                break
        return answer


async def test_two_authorization_headers_get_400_not_500(token_server):
    handshake = [
        "GET / HTTP/1.1",
        f"Host: 127.0.0.1:{token_server.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        f"Authorization: Bearer {TOKEN}",
        "Authorization: Bearer other",
    ]
    answer = await asyncio.to_thread(raw_request, token_server.port, handshake)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


async def test_a_client_retrying_a_wrong_token_cannot_flood_the_log(token_server, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="parley")
    handshake = [
        "GET / HTTP/1.1",
        f"Host: 127.0.0.1:{token_server.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        "Authorization: Bearer wrong",
    ]
    before = metric(token_server, "parley_sessions_refused_total", reason="auth")
    for _ in range(150):
        answer = await asyncio.to_thread(raw_request, token_server.port, handshake)
        assert answer.startswith(b"HTTP/1.1 401")
    assert metric(token_server, "parley_sessions_refused_total", reason="auth") - before == 150
    warnings = [r for r in caplog.records if "wrong token" in r.getMessage()]
    assert 1 <= len(warnings) <= 2, len(warnings)


async def test_the_token_is_not_logged_even_at_debug(token_server, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    async with connect(token_server.url + f"?token={TOKEN}") as ws:
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"
    async with connect(token_server.url, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        await ws.send(json.dumps(START))
        assert (await receive_json(ws))["type"] == "ready"
    server_side = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("websockets.client")
    )
    assert "< GET /?token=" in server_side  # the server logged the handshake ...
    assert "< Authorization:" in server_side
    assert TOKEN not in server_side  # ... without the token


async def test_a_foreign_web_page_cannot_drive_an_open_server(hostile_server):
    """Auth off: a browser on another origin is refused; same-origin pages and non-browsers are not."""
    with pytest.raises(InvalidStatus) as refused:
        await connect(hostile_server.url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    same = f"http://127.0.0.1:{hostile_server.port}"
    for origin in (same, None):
        async with connect(hostile_server.url, origin=origin) as ws:
            await ws.send(json.dumps(START))
            assert (await receive_json(ws))["type"] == "ready"


def test_rename_and_new_speakers_in_two_threads_do_not_collide(config, engine):
    """The event loop reads the roster (rename) while the worker thread adds speakers to it."""
    import sys
    import threading
    from types import SimpleNamespace

    from parley.server.session import Session, SessionOptions

    session = Session(engine, config, SessionOptions(), "race")
    clusters = SimpleNamespace(count=0)
    session.speakers = SimpleNamespace(clusters=clusters)  # stand-in: only the speaker count is read
    failures: list[BaseException] = []
    done = threading.Event()

    def worker() -> None:
        try:
            for count in range(1, 3001):
                clusters.count = count
                session._roster_changes()
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        while not done.is_set():
            try:
                session.rename_speaker("S1", "Diane")
                session.roster()
            except RuntimeError as exc:  # dictionary changed size during iteration
                failures.append(exc)
                break
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert len(session.roster()["speakers"]) == 3000 and session.speaker_names["S1"] == "Diane"


# -- Deepgram's query string (review of 2026-12-01: M3, L1) ----------------------------------------------


async def test_too_many_query_parameters_get_a_clear_refusal_not_internal(hostile_server, caplog):
    """More than 200 parameters on /v1/listen: closed 1008 with a reason, not 1011 and a traceback."""
    import logging

    caplog.set_level(logging.ERROR, logger="parley")
    query = "&".join(f"keyterm={i}" for i in range(201))
    async with connect(f"ws://127.0.0.1:{hostile_server.port}/v1/listen?{query}") as ws:
        await expect_close(ws)
    assert (ws.close_code, ws.close_reason) == (1008, "the query string has more than 200 parameters")
    assert [r for r in caplog.records if r.exc_info] == []


async def test_ignored_query_parameter_names_cannot_forge_log_lines(hostile_server, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="parley")
    forged = "%0A2026-12-01%20INFO%20session%20ended"
    query = "encoding=linear16&sample_rate=16000&" + "&".join(f"x{i:02}{forged}=1" for i in range(30))
    async with connect(f"ws://127.0.0.1:{hostile_server.port}/v1/listen?{query}") as ws:
        await ws.send(json.dumps({"type": "CloseStream"}))
        await expect_close(ws)
    assert ws.close_code == 1000
    lines = [r.getMessage() for r in caplog.records if "deepgram query: ignored" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0], lines
    assert "'x00\\n2026-12-01 INFO session ende'" in lines[0] and lines[0].endswith(" and 20 more"), lines[0]


# -- compressed audio that decodes to far more than it weighs (review of 2026-12-01: H2) ---------------


async def test_a_flac_bomb_on_listen_is_bounded_refused_and_its_thread_ends(hostile_server):
    """1874 bytes of FLAC declaring 1147 s (no encoding: probed): the decoded audio the session holds
    stays within about twice max_lag_s (1 s here) and a frame, the stream is refused as bad audio (1007)
    and no demuxer thread outlives the session."""
    import threading

    from tests.test_audio_decoder import flac_bomb

    def demuxers() -> int:
        return sum(thread.name == "parley-demux" for thread in threading.enumerate())

    before, held = demuxers(), 0
    async with connect(f"ws://127.0.0.1:{hostile_server.port}/v1/listen") as ws:
        await ws.send(flac_bomb(140))
        await ws.send(json.dumps({"type": "CloseStream"}))
        live = next(s for s in hostile_server.sessions.values() if s.session.decoder.encoding == "container")
        while not live.ended:
            session = live.session
            held = max(held, session.received - session.processed + session.decoder.available)
            await asyncio.sleep(0.02)
        await expect_close(ws, 60)
    assert ws.close_code == 1007 and "samples per byte" in ws.close_reason, ws.close_reason
    # one step's audio (1 s), twice max_lag_s (what the step pulled, what the demuxer holds again), and
    # three FLAC frames (65535 samples at 8 kHz: 131070 at 16 kHz each): the two the bound allows and
    # the one the demuxer decodes between two of its checks (a packet decodes whole; seen under load:
    # 345178 samples, 21.6 s); not the 1147 s it declares
    assert held <= 16000 + 2 * 16000 + 3 * 131070, held
    assert live.session.received <= 1874 * 1024 + 10 * 16000
    assert await wait_for(lambda: demuxers() == before, 5.0), demuxers()


async def test_decoded_audio_counts_toward_max_session_s(config, engine):
    """max_session_s = 2: a WAV at 8 kHz (16 kB/s, half the bytes a second the byte count allows)
    ends after 2 s of decoded audio, as too long."""
    import io
    import wave

    local = loopback_config(config, limits={"max_session_s": 2.0})
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(2 * 8000 * 5))
    data = buffer.getvalue()
    async with ParleyServer(local, engine=engine) as server:
        ws, _ = await started(server.url, encoding="container", sample_rate=48000)
        for offset in range(0, len(data), 8000):
            with contextlib.suppress(ConnectionClosed):
                await ws.send(data[offset : offset + 8000])
        events = await receive_until(ws, "done")
        await ws.close()
    errors = [e for e in events if e["type"] == "error"]
    assert [e["code"] for e in errors] == ["session_too_long"], errors
    assert (events[-1]["duration"], events[-1]["reason"]) == (2.0, "too_long"), events[-1]
