"""Deepgram's live protocol on ``/v1/listen`` (issue 15), with the real clients, pinned.

* ``deepgram-sdk`` 4.8.1 (the last v4) in this venv (pyproject's test extras);
* a current ``deepgram-sdk`` (v5+, here 7.x) in its own small venv, ``.venv-deepgram`` (``make
  setup``), because both are the ``deepgram`` package and cannot share one venv;
* npm ``@deepgram/sdk`` through node (``tests/node``, ``npm ci``, by ``make setup``).

Each streams the two-speaker sample at real-time pace against a real server on loopback and must
get finals with words and integer speakers, the WER bound of our own protocol's test
(tests/test_e2e_sample.py), 2 speakers, and no error. The protocol's own behaviour (Finalize,
CloseStream, KeepAlive, refused query strings, ``Token`` auth) is checked over a raw socket.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from parley.client.stream import iter_pcm_chunks
from parley.server.app import ParleyServer
from tests.conftest import loopback_config
from tests.scoring import diarization_error_rate, rttm_annotation, stm_text, word_error_rate

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "tests" / "node"
CLIENTS = ROOT / "tests" / "deepgram_clients"
SDK_VENV = ROOT / ".venv-deepgram"
TOKEN = "deepgram-test-key-5b1e"
QUERY = (
    "encoding=linear16&sample_rate=16000&channels=1&interim_results=true&diarize=true&punctuate=true"
    "&smart_format=true&vad_events=true&utterance_end_ms=1000&model=nova-3&language=en-US"
)
WER_BOUND = 0.24  # tests/test_e2e_sample.py's bound for our own protocol, on the same sample


@pytest_asyncio.fixture(scope="module")
async def dg_server(config, engine) -> AsyncIterator[ParleyServer]:
    """A server whose clients must present a key (``Authorization: Token``)."""
    local = loopback_config(config, auth={"tokens": [TOKEN]})
    async with ParleyServer(local, engine=engine) as running:
        yield running


@pytest_asyncio.fixture
async def quick_idle_server(config, engine) -> AsyncIterator[ParleyServer]:
    """No key; 1.5 s idle timeout."""
    local = loopback_config(config, limits={"idle_timeout_s": 1.5})
    async with ParleyServer(local, engine=engine) as running:
        yield running


def listen_url(server: ParleyServer, query: str = QUERY) -> str:
    return f"ws://127.0.0.1:{server.port}/v1/listen?{query}"


def auth() -> dict[str, str]:
    return {"Authorization": f"Token {TOKEN}"}


# -- scoring what a client received -------------------------------------------------------------------


def check_stream(messages: list[dict[str, Any]], sample, label: str) -> dict[str, Any]:
    """The assertions every real client's stream of the sample must pass; returns its numbers."""
    kinds = {m.get("type") for m in messages}
    assert "Error" not in kinds, [m for m in messages if m.get("type") == "Error"]
    results = [m for m in messages if m.get("type") == "Results"]
    finals = [r for r in results if r["is_final"] and r["channel"]["alternatives"][0]["transcript"]]
    assert finals, f"{label}: no final Results"
    interim = [r for r in results if not r["is_final"]]
    assert interim, f"{label}: no interim Results with interim_results=true"
    words = [w for r in finals for w in r["channel"]["alternatives"][0]["words"]]
    for result in finals:
        alternative = result["channel"]["alternatives"][0]
        assert alternative["words"], result
        assert result["channel_index"] == [0, 1]
        assert result["metadata"]["model_info"]["name"]
        assert result["start"] <= alternative["words"][0]["start"]
    for word in words:
        assert isinstance(word["speaker"], int) and not isinstance(word["speaker"], bool), word
        assert word["start"] <= word["end"]
        assert 0.0 <= word["confidence"] <= 1.0
        assert word["word"] == word["word"].lower()
    hypothesis = " ".join(r["channel"]["alternatives"][0]["transcript"] for r in finals)
    wer = word_error_rate(stm_text(sample.stm), hypothesis)
    from pyannote.core import Annotation, Segment

    turns = Annotation()
    for index, word in enumerate(words):
        turns[Segment(word["start"], max(word["end"], word["start"] + 0.01)), index] = str(word["speaker"])
    der = diarization_error_rate(rttm_annotation(sample.rttm), turns)["diarization error rate"]
    speakers = sorted({w["speaker"] for w in words})
    print(f"{label}: WER {wer:.3f}, DER(words) {der:.3f}, speakers {speakers}, {len(finals)} finals")
    print(f"{label}: {hypothesis}")
    assert wer <= WER_BOUND
    assert speakers == [0, 1]
    assert any(r["speech_final"] for r in finals)
    assert "SpeechStarted" in kinds and "UtteranceEnd" in kinds
    return {"wer": wer, "der": der, "finals": len(finals)}


# -- the raw protocol ---------------------------------------------------------------------------------


async def collect(
    ws: ClientConnection, until: str | None = None, timeout: float = 60.0
) -> list[dict[str, Any]]:
    """Messages (all JSON text) until one of type ``until`` (or the close, when None)."""
    received: list[dict[str, Any]] = []
    try:
        while True:
            frame = await asyncio.wait_for(ws.recv(), timeout)
            assert isinstance(frame, str), "a binary server message (the SDKs treat it as an error)"
            message = json.loads(frame)
            received.append(message)
            if until is not None and (
                message.get("type") == until or (until == "from_finalize" and message.get("from_finalize"))
            ):
                return received
    except ConnectionClosed:
        if until is not None:
            raise
        return received


def hello(sample_audio: np.ndarray, seconds: float) -> list[bytes]:
    """'Hello? Hello? Oh, hello.' starts at 6.5 s of the sample: ``seconds`` of it, 100 ms frames."""
    return list(iter_pcm_chunks(sample_audio[int(6.5 * 16000) : int((6.5 + seconds) * 16000)], chunk_ms=100))


async def test_finalize_flushes_the_open_utterance_and_the_stream_goes_on(dg_server, sample_audio):
    """Finalize mid-utterance: its words come at once as a final marked from_finalize (speech_final);
    a Finalize with nothing open is answered by an empty final from_finalize; audio after it is
    transcribed as before; CloseStream: the last finals, Metadata, then a normal close."""
    async with connect(listen_url(dg_server), additional_headers=auth()) as ws:
        for frame in hello(sample_audio, 1.6):  # "Hello? Hello?" and no pause after it
            await ws.send(frame)
        await ws.send(json.dumps({"type": "Finalize"}))
        asked = time.monotonic()
        flushed = await collect(ws, until="from_finalize")
        print(f"Finalize answered after {time.monotonic() - asked:.2f} s")
        final = flushed[-1]
        assert final["type"] == "Results" and final["is_final"] and final["speech_final"]
        assert "hello" in final["channel"]["alternatives"][0]["transcript"].lower()
        assert [r for r in flushed if r.get("from_finalize")] == [final]  # earlier ones: the VAD's

        await ws.send(json.dumps({"type": "Finalize"}))  # nothing open now
        empty = (await collect(ws, until="from_finalize"))[-1]
        assert empty["is_final"] and empty["channel"]["alternatives"][0] == {
            "transcript": "",
            "confidence": 0.0,
            "words": [],
        }

        for frame in list(iter_pcm_chunks(sample_audio[int(8.0 * 16000) : int(9.0 * 16000)], chunk_ms=100)):
            await ws.send(frame)  # "Oh, hello." without the silence after it: still open
        await ws.send(json.dumps({"type": "CloseStream"}))
        closing = time.monotonic()
        rest = await collect(ws)
        print(f"CloseStream: closed after {time.monotonic() - closing:.2f} s")
        assert ws.close_code == 1000
    kinds = [m["type"] for m in rest if m["type"] != "Results" or m["is_final"]]
    assert kinds[-1] == "Metadata" and "Results" in kinds
    last = [m for m in rest if m["type"] == "Results" and m["is_final"]][-1]
    assert not last["from_finalize"] and "hello" in last["channel"]["alternatives"][0]["transcript"].lower()
    metadata = rest[-1]
    assert metadata["request_id"] == final["metadata"]["request_id"]
    assert metadata["duration"] == pytest.approx(2.6, abs=0.05)
    assert metadata["channels"] == 1 and metadata["model_info"]


async def test_keepalive_holds_a_quiet_stream_open(quick_idle_server):
    """KeepAlive (no audio) resets the idle timeout (1.5 s here); without it the socket is closed
    1008 with a reason that says so."""
    async with connect(listen_url(quick_idle_server)) as ws:
        for _ in range(8):  # 2.4 s in all, longer than the idle timeout
            await ws.send(json.dumps({"type": "KeepAlive"}))
            await asyncio.sleep(0.3)
        await ws.send(json.dumps({"type": "CloseStream"}))
        received = await collect(ws)
        assert ws.close_code == 1000
        assert [m["type"] for m in received] == ["Metadata"]
    async with connect(listen_url(quick_idle_server)) as ws:
        received = await collect(ws, timeout=10.0)
        assert received == []
        assert ws.close_code == 1008 and ws.close_reason == "idle timeout"


async def test_unknown_client_messages_get_an_error_and_the_stream_goes_on(dg_server):
    async with connect(listen_url(dg_server), additional_headers=auth()) as ws:
        await ws.send(json.dumps({"type": "Configure", "x": 1}))
        error = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert error["type"] == "Error" and error["message"] == "bad_message"
        assert "KeepAlive, Finalize or CloseStream" in error["description"]
        await ws.send("not json")
        error = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert error["type"] == "Error" and error["message"] == "bad_json"
        await ws.send(json.dumps({"type": "CloseStream"}))
        assert [m["type"] for m in await collect(ws)] == ["Metadata"]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("encoding=mp3&sample_rate=16000", "encoding 'mp3' is not supported"),
        ("encoding=linear16", "sample_rate is required with encoding=linear16"),
        ("encoding=linear16&sample_rate=abc", "sample_rate must be an integer from 8000 to 192000"),
        ("encoding=linear16&sample_rate=16000&channels=3", "channels must be an integer from 1 to 2"),
        ("encoding=linear16&sample_rate=16000&multichannel=true", "multichannel=true is not supported"),
        ("encoding=linear16&sample_rate=16000&language=xx", "language 'xx' is not one Whisper knows"),
        ("encoding=linear16&sample_rate=16000&diarize=maybe", "diarize must be true or false"),
    ],
)
async def test_a_bad_query_string_is_closed_with_a_clear_reason(dg_server, query, reason):
    async with connect(listen_url(dg_server, query), additional_headers=auth()) as ws:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert ws.close_code == 1008
    assert ws.close_reason.startswith(reason), ws.close_reason


async def test_unknown_parameters_are_accepted(dg_server, hello_pcm):
    query = "encoding=linear16&sample_rate=16000&model=nova-3&tier=x&keyterm=Parley&keyterm=b&mystery=1"
    async with connect(listen_url(dg_server, query), additional_headers=auth()) as ws:
        await ws.send(hello_pcm)
        await ws.send(json.dumps({"type": "CloseStream"}))
        received = await collect(ws)
    finals = [m for m in received if m["type"] == "Results" and m["is_final"]]
    assert ws.close_code == 1000 and finals and received[-1]["type"] == "Metadata"
    assert all(m["is_final"] for m in received if m["type"] == "Results")  # interim_results not asked
    assert "speaker" not in finals[0]["channel"]["alternatives"][0]["words"][0]  # diarize not asked
    assert {m["type"] for m in received} == {"Results", "Metadata"}  # no vad_events, no utterance_end_ms


async def test_language_multi_results_carry_the_language_both_sdks_parse(dg_server, hello_pcm):
    """language=multi: one detected language for the session; each final Results carries it in
    channel.alternatives[0].languages and in each word's language, which deepgram-sdk 4.8.1 and the
    current SDK parse (no language message: Deepgram has none). A too long keyterm is refused."""
    query = "encoding=linear16&sample_rate=16000&language=multi&keyterm=Parley"
    async with connect(listen_url(dg_server, query), additional_headers=auth()) as ws:
        await ws.send(hello_pcm)
        await ws.send(json.dumps({"type": "CloseStream"}))
        received = await collect(ws)
    finals = [m for m in received if m["type"] == "Results" and m["is_final"]]
    assert finals and {m["type"] for m in received} == {"Results", "Metadata"}
    for final in finals:
        assert final["channel"]["alternatives"][0]["languages"] == ["en"]
    from deepgram import LiveResultResponse

    parsed = LiveResultResponse.from_json(json.dumps(finals[0]))
    assert parsed.channel.alternatives[0].languages == ["en"]
    assert parsed.channel.alternatives[0].words[0].language == "en"
    current = subprocess.run(
        [str(SDK_VENV / "bin" / "python"), "-c", CURRENT_SDK_PARSE],
        input=json.dumps(finals[0]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert current.stdout.split() == ["en", "en"]
    too_long = f"encoding=linear16&sample_rate=16000&keyterm={'x' * 41}"
    async with connect(listen_url(dg_server, too_long), additional_headers=auth()) as ws:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert ws.close_code == 1008 and ws.close_reason.startswith("a keyterm has at most 40 characters")


CURRENT_SDK_PARSE = """
import sys
from deepgram.listen.v1.types import ListenV1Results
alternative = ListenV1Results.model_validate_json(sys.stdin.read()).channel.alternatives[0]
print(alternative.languages[0], alternative.words[0].language)
"""


async def test_token_and_bearer_auth(dg_server):
    for headers in ({"Authorization": f"Token {TOKEN}"}, {"Authorization": f"Bearer {TOKEN}"}):
        async with connect(listen_url(dg_server), additional_headers=headers) as ws:
            await ws.send(json.dumps({"type": "CloseStream"}))
            assert [m["type"] for m in await collect(ws)] == ["Metadata"]
    for headers in ({"Authorization": "Token wrong"}, {}):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(listen_url(dg_server), additional_headers=headers):
                pass
        assert refused.value.response.status_code == 401


async def test_parley_protocol_on_root_is_unchanged(dg_server, hello_pcm):
    """The same server still speaks Parley's protocol on `/`: no Deepgram message, no `endpoint`."""
    url = f"ws://127.0.0.1:{dg_server.port}/"
    async with connect(url, additional_headers=auth()) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000, "language": "en"}))
        await ws.send(hello_pcm)
        await ws.send(json.dumps({"type": "stop"}))
        received = await collect(ws)
    kinds = {m["type"] for m in received}
    assert {"ready", "final", "done"} <= kinds and not kinds & {"Results", "Metadata", "speech_started"}
    assert all("endpoint" not in m for m in received if m["type"] == "final")


# -- compressed audio ---------------------------------------------------------------------------------


def hello_opus(sample_audio: np.ndarray, container: str | None) -> list[bytes]:
    """'Hello? Hello? Oh, hello.' and 1 s of silence as Opus at 48 kHz (a container in 4000-byte
    pieces, as MediaRecorder hands them out, or raw packets)."""
    import soxr

    from tests.test_audio_decoder import opus_stream

    speech = np.concatenate([sample_audio[int(6.5 * 16000) : int(9.0 * 16000)], np.zeros(16000, np.float32)])
    encoded = opus_stream(soxr.resample(speech, 16000, 48000).astype(np.float32), container)
    if container is None:
        return encoded
    return [encoded[0][i : i + 4000] for i in range(0, len(encoded[0]), 4000)]


async def test_webm_opus_without_encoding_on_deepgram(dg_server, sample_audio):
    """Deepgram's containerized audio (no ``encoding``): WebM/Opus as MediaRecorder sends it."""
    async with connect(listen_url(dg_server, "punctuate=true"), additional_headers=auth()) as ws:
        for piece in hello_opus(sample_audio, "webm"):
            await ws.send(piece)
        await ws.send(json.dumps({"type": "CloseStream"}))
        received = await collect(ws)
    assert ws.close_code == 1000 and received[-1]["type"] == "Metadata"
    text = " ".join(m["channel"]["alternatives"][0]["transcript"] for m in received if m["type"] == "Results")
    assert text.lower().count("hello") >= 2, text
    assert received[-1]["duration"] == pytest.approx(3.5, abs=0.1)


@pytest.mark.parametrize(("encoding", "container"), [("ogg_opus", "ogg"), ("webm", "webm"), ("opus", None)])
async def test_opus_on_parleys_protocol(dg_server, sample_audio, encoding, container):
    url = f"ws://127.0.0.1:{dg_server.port}/"
    async with connect(url, additional_headers=auth()) as ws:
        start = {"type": "start", "sample_rate": 48000, "encoding": encoding, "language": "en"}
        await ws.send(json.dumps(start))
        for piece in hello_opus(sample_audio, container):
            await ws.send(piece)
        await ws.send(json.dumps({"type": "stop"}))
        received = await collect(ws)
    done = received[-1]
    assert done["type"] == "done" and done["duration"] == pytest.approx(3.5, abs=0.1)
    text = " ".join(m["text"] for m in received if m["type"] == "final")
    assert text.lower().count("hello") >= 2, text


async def test_undecodable_audio_is_closed_with_a_clear_reason(dg_server):
    """Bytes that are no container: the session ends, closed 1007 (invalid data) saying why."""
    noise = bytes(np.random.default_rng(9).integers(0, 256, 48_000, dtype=np.uint8))
    async with connect(listen_url(dg_server, "encoding=webm"), additional_headers=auth()) as ws:
        for offset in range(0, len(noise), 4000):
            await ws.send(noise[offset : offset + 4000])
        await ws.send(json.dumps({"type": "CloseStream"}))
        received = await collect(ws)
    assert ws.close_code == 1007, (ws.close_code, ws.close_reason, received)
    assert ws.close_reason.startswith("the audio is not a WebM stream FFmpeg can decode"), ws.close_reason


# -- the real clients ---------------------------------------------------------------------------------


async def test_deepgram_sdk_v4(dg_server, sample_audio, sample, artifacts):
    """deepgram-sdk 4.8.1, unchanged but for its URL: the sample at real-time pace, then Finalize
    (its answer must come before CloseStream, which the SDK follows by a close after 0.5 s)."""
    from deepgram import DeepgramClient, DeepgramClientOptions, LiveOptions, LiveTranscriptionEvents

    received: list[dict[str, Any]] = []
    finalized = asyncio.Event()

    async def on_transcript(_client: Any, result: Any, **_: Any) -> None:
        message = result.to_dict()
        received.append(message)
        if message.get("from_finalize"):
            finalized.set()

    def recorder(kind: str):
        async def record(_client: Any, *args: Any, **kwargs: Any) -> None:
            value = next(iter(kwargs.values()), args[0] if args else None)
            received.append({"type": kind, "value": str(value)})

        return record

    client = DeepgramClient(TOKEN, DeepgramClientOptions(url=f"http://127.0.0.1:{dg_server.port}"))
    connection = client.listen.asyncwebsocket.v("1")
    connection.on(LiveTranscriptionEvents.Transcript, on_transcript)
    for event, kind in (
        (LiveTranscriptionEvents.SpeechStarted, "SpeechStarted"),
        (LiveTranscriptionEvents.UtteranceEnd, "UtteranceEnd"),
        (LiveTranscriptionEvents.Error, "Error"),
        (LiveTranscriptionEvents.Unhandled, "Error"),
    ):
        connection.on(event, recorder(kind))
    options = LiveOptions(
        model="nova-3",
        language="en-US",
        encoding="linear16",
        sample_rate=16000,
        channels=1,
        interim_results=True,
        diarize=True,
        punctuate=True,
        smart_format=True,
        vad_events=True,
        utterance_end_ms="1000",
    )
    assert await connection.start(options)
    started = time.monotonic()
    for index, chunk in enumerate(iter_pcm_chunks(sample_audio, chunk_ms=100)):
        await connection.send(chunk)
        await asyncio.sleep(max(0.0, started + (index + 1) * 0.1 - time.monotonic()))
    await connection.finalize()
    await asyncio.wait_for(finalized.wait(), 30)
    await connection.finish()
    (artifacts / "deepgram_v4.json").write_text(json.dumps(received, indent=1))
    check_stream(received, sample, "deepgram-sdk 4.8.1")


def _run_client(
    command: list[str], server: ParleyServer, label: str, artifacts: Path
) -> list[dict[str, Any]]:
    env = {**os.environ, "DEEPGRAM_TEST_URL": f"http://127.0.0.1:{server.port}", "DEEPGRAM_TEST_KEY": TOKEN}
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, check=False)
    (artifacts / f"deepgram_{label}.log").write_text(done.stderr)
    assert done.returncode == 0, done.stderr[-4000:]
    received = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    (artifacts / f"deepgram_{label}.json").write_text(json.dumps(received, indent=1))
    return received


async def test_deepgram_sdk_current(dg_server, sample, artifacts, tmp_path):
    """The current Python SDK (v5+ API), from its own venv (.venv-deepgram): same stream, same bar."""
    python = SDK_VENV / "bin" / "python"
    assert python.exists(), "run `make setup` (it makes .venv-deepgram with the pinned current SDK)"
    pcm = tmp_path / "sample.s16le"
    pcm.write_bytes(b"".join(iter_pcm_chunks(_sample_audio(sample), chunk_ms=100)))
    command = [str(python), str(CLIENTS / "sdk_current.py"), str(pcm)]
    received = await asyncio.to_thread(_run_client, command, dg_server, "sdk_current", artifacts)
    check_stream(received, sample, "deepgram-sdk (current)")


async def test_deepgram_npm_sdk(dg_server, sample, artifacts, tmp_path):
    """npm @deepgram/sdk through node: same stream, same bar."""
    node = shutil.which("node")
    assert node, "node is needed (make system-deps)"
    assert (NODE_DIR / "node_modules" / "@deepgram" / "sdk").is_dir(), (
        "run `make setup` (npm ci in tests/node)"
    )
    pcm = tmp_path / "sample.s16le"
    pcm.write_bytes(b"".join(iter_pcm_chunks(_sample_audio(sample), chunk_ms=100)))
    command = [node, str(NODE_DIR / "stream.mjs"), str(pcm)]
    received = await asyncio.to_thread(_run_client, command, dg_server, "npm", artifacts)
    check_stream(received, sample, "@deepgram/sdk (npm)")


def _sample_audio(sample) -> np.ndarray:
    from parley.client.audio_source import decode_file

    return decode_file(str(sample.wav))
