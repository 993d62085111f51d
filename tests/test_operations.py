"""Running Parley for real: auth, TLS, limits, slow readers, metrics, graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from parley.client.stream import StreamError, iter_pcm_chunks, stream_audio
from tests.certs import make_certificates
from tests.conftest import loopback_config

pytestmark = pytest.mark.slow
START = {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "language": "en"}
TOKEN = "test-token-7f3a"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest_asyncio.fixture(scope="module")
async def guarded_server(config, engine, certificates) -> AsyncIterator:
    """TLS, a bearer token, and small limits, on the real models."""
    from parley.server.app import ParleyServer

    local = loopback_config(
        config,
        server={"certfile": str(certificates.cert), "keyfile": str(certificates.key)},
        auth={"tokens": [TOKEN]},
    )
    async with ParleyServer(local, engine=engine) as running:
        yield running


@pytest_asyncio.fixture(scope="module")
async def limited_server(config, engine) -> AsyncIterator:
    """Small limits, on the real models."""
    from parley.server.app import ParleyServer

    local = loopback_config(
        config, limits={"idle_timeout_s": 1.5, "max_session_s": 2.0, "send_queue_messages": 16}
    )
    async with ParleyServer(local, engine=engine) as running:
        yield running


@pytest.fixture(scope="module")
def client_tls(certificates) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificates.ca))


def http_status(url: str, context: ssl.SSLContext | None = None) -> int:
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return response.status


def frames(pcm: bytes, size: int = 3200) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


# -- auth and TLS ------------------------------------------------------------------------------------


async def test_a_missing_or_wrong_token_is_refused_at_the_handshake(guarded_server, client_tls):
    started = guarded_server.metrics.sessions_started._value.get()
    for headers in (None, {"Authorization": "Bearer wrong"}):
        with pytest.raises(InvalidStatus) as refused:
            await connect(guarded_server.url, ssl=client_tls, additional_headers=headers)
        assert refused.value.response.status_code == 401
        assert b"token" in refused.value.response.body
    with pytest.raises(InvalidStatus):
        await connect(guarded_server.url + "?token=wrong", ssl=client_tls)
    assert guarded_server.metrics.sessions_started._value.get() == started, "no session may start"
    # the stream client says what went wrong
    with pytest.raises(StreamError) as failure:
        await stream_audio(guarded_server.url, [b"\0\0"], ssl_context=client_tls, token="wrong")
    assert "401" in str(failure.value)


async def test_tls_session_with_a_token_works_end_to_end(guarded_server, client_tls, hello_pcm):
    assert guarded_server.url.startswith("wss://")
    result = await stream_audio(
        guarded_server.url, frames(hello_pcm[: 2 * 32000]), speed=0, ssl_context=client_tls, token=TOKEN
    )
    assert result.done is not None and "hello" in " ".join(f["text"] for f in result.finals).lower()
    # browsers cannot set headers: ?token= works too
    async with connect(guarded_server.url + f"?token={TOKEN}", ssl=client_tls) as ws:
        await ws.send(json.dumps(START))
        assert json.loads(await ws.recv())["type"] == "ready"
    # page, health and metrics are served over https on the same port, without a token
    for path in ("healthz", "readyz", "metrics", ""):  # (the server runs on this loop: fetch in a thread)
        status = await asyncio.to_thread(http_status, guarded_server.http_url + path, client_tls)
        assert status == 200, path


# -- limits ------------------------------------------------------------------------------------------


async def test_idle_session_is_told_and_closed_but_keepalive_holds_it(limited_server, hello_pcm):
    async with connect(limited_server.url) as ws:
        await ws.send(json.dumps(START))
        assert json.loads(await ws.recv())["type"] == "ready"
        await ws.send(hello_pcm[:3200])
        for _ in range(5):  # 2.5 s of keepalives: longer than the 1.5 s idle timeout
            await asyncio.sleep(0.5)
            await ws.send(json.dumps({"type": "keepalive"}))
        messages = []
        with contextlib.suppress(ConnectionClosed):  # now silence: the server gives up
            while True:
                messages.append(json.loads(await ws.recv()))
        assert messages[-1]["type"] == "error" and messages[-1]["code"] == "idle_timeout"
        assert "keepalive" in messages[-1]["message"]
        assert ws.close_code == 1008


async def test_session_length_limit_ends_with_finals_error_and_done(limited_server, hello_pcm):
    with pytest.raises(StreamError) as ended:
        await stream_audio(limited_server.url, frames(hello_pcm), speed=0)
    assert ended.value.code == "session_too_long"
    result = ended.value.result
    assert result.finals and "hello" in " ".join(f["text"] for f in result.finals).lower()
    assert all(f["end"] <= 2.0 + 1e-6 for f in result.finals)


NEVER_READS = """
import base64, json, os, socket, sys
port = int(sys.argv[1])
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, quickly full
sock.connect(("127.0.0.1", port))
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall(
    f"GET / HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
    f"Sec-WebSocket-Key: {key}\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n".encode()
)
response = b""
while b"\\r\\n\\r\\n" not in response:  # the handshake answer: the last thing this client reads
    response += sock.recv(1)
assert b" 101 " in response, response


def text_frame(text):
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked  # payloads here are < 126 bytes


sock.sendall(text_frame(json.dumps({"type": "start", "sample_rate": 16000})))
bad = text_frame(json.dumps({"type": "rename", "speaker": "S9", "name": "x" * 40}))  # each gets a reply
try:
    for _ in range(2_000_000):
        sock.sendall(bad)
except OSError as exc:
    print("closed by the server:", type(exc).__name__, flush=True)
"""


async def test_a_real_client_that_never_reads_is_told_and_closed(limited_server, tmp_path):
    """A separate process floods the server with messages that each get a reply, and reads none."""
    errors_before = limited_server.metrics.errors.labels("slow_reader")._value.get()
    script = tmp_path / "never_reads.py"
    script.write_text(NEVER_READS)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), str(limited_server.port), stdout=asyncio.subprocess.PIPE
    )
    try:
        for _ in range(600):
            if limited_server.metrics.errors.labels("slow_reader")._value.get() > errors_before:
                break
            assert all(c._outbox.qsize() <= 16 for c in limited_server.connections)
            await asyncio.sleep(0.1)
        assert limited_server.metrics.errors.labels("slow_reader")._value.get() == errors_before + 1
        output, _ = await asyncio.wait_for(process.communicate(), 30)
        assert b"closed by the server" in output
    finally:
        if process.returncode is None:
            process.kill()
    for _ in range(50):  # the connection is gone; the session waits for a resume
        if not limited_server.connections:
            break
        await asyncio.sleep(0.1)
    assert not limited_server.connections


# -- metrics ---------------------------------------------------------------------------------------------


def scrape(url: str) -> dict[str, float]:
    with urllib.request.urlopen(url + "metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


async def test_metrics_parse_and_move_with_a_session(server, hello_pcm):
    http_url = f"http://127.0.0.1:{server.port}/"
    before = await asyncio.to_thread(scrape, http_url)  # the server runs on this loop
    result = await stream_audio(server.url, frames(hello_pcm), speed=0)
    after = await asyncio.to_thread(scrape, http_url)
    assert after["parley_sessions_started_total"] == before["parley_sessions_started_total"] + 1
    assert after["parley_finals_total"] - before["parley_finals_total"] == len(result.finals) > 0
    assert after["parley_audio_seconds_total"] - before["parley_audio_seconds_total"] == pytest.approx(
        3.5, 0.01
    )
    latency_count = "parley_final_latency_seconds_count"
    assert after[latency_count] - before[latency_count] == len(result.finals)
    for stage in ("vad", "asr", "segmentation", "embedding"):
        key = f"parley_inference_seconds_total{{stage={stage}}}"
        assert after[key] > before.get(key, 0.0), stage
    assert after["parley_sessions_active"] == 0
    assert await asyncio.to_thread(http_status, http_url + "readyz") == 200


# -- graceful shutdown -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_sigterm_mid_session_still_delivers_finals_and_done(sample_audio, tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "serve", "--port", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "listening on" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()
            await asyncio.sleep(0.2)
        chunks = iter_pcm_chunks(sample_audio[6 * 16000 :])
        streaming = asyncio.create_task(stream_audio(f"ws://127.0.0.1:{port}/", chunks, speed=1.0))
        await asyncio.sleep(8.0)  # 8 s of audio in: mid-conversation
        process.send_signal(signal.SIGTERM)
        result = await asyncio.wait_for(streaming, 60)
        code = await asyncio.to_thread(process.wait, 40)
    finally:
        if process.poll() is None:
            process.kill()
    output = log_path.read_text()
    assert result.done is not None and result.done.get("reason") == "shutdown", output
    assert result.finals, "the finals of the audio received before SIGTERM"
    assert result.done["duration"] < 12, "audio after SIGTERM is not taken"
    assert "diane" in " ".join(f["text"] for f in result.finals).lower()
    assert code == 0, output
