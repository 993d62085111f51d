"""POST /v1/listen and `parley transcribe`: recordings transcribed as whole files, on a real server
over loopback, with the official Deepgram SDK (pinned) as the client."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import socket
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
import pytest_asyncio

from parley.client.stream import stream_audio
from parley.client.transcribe import response_finals, transcribe_paths
from parley.server.app import ParleyServer
from parley.server.messages import BadRequest, FileOptions, listen_response
from tests.conftest import loopback_config
from tests.scoring import diarization_error_rate, rttm_annotation, stm_text, word_error_rate

TOKEN = "file-test-key"
MAX_UPLOAD = 2_000_000  # bytes: the sample (960 kB) fits, 2 MB + 1 does not
MAX_SECONDS = 40.0  # the sample (30 s) fits, 45 s does not


def wav_bytes(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


# -- pure logic -----------------------------------------------------------------------------------


def test_options_follow_deepgram_and_list_what_they_ignore():
    options = FileOptions.parse("diarize=true&smart_format=true&language=en-US&model=nova-2&tier=x", "en")
    assert (options.diarize, options.punctuate, options.utterances, options.language) == (
        True,
        True,
        False,
        "en",
    )
    assert options.ignored == ("model", "tier")
    assert FileOptions.parse("detect_language=true", "en").language is None
    assert FileOptions.parse("encoding=linear16&sample_rate=8000", "en").encoding == "pcm_s16le"
    for bad in ("diarize=maybe", "language=klingon", "sample_rate=12", "encoding=opus", "utt_split=nan"):
        with pytest.raises(BadRequest):
            FileOptions.parse(bad, "en")


def test_response_numbers_speakers_and_splits_utterances():
    words = [("Hi,", 0.0, 0.3, 0.9, "SPEAKER_01"), ("there.", 0.4, 0.8, 0.7, "SPEAKER_01"),
             ("Yes.", 1.0, 1.2, 0.8, "SPEAKER_00"), ("Later", 3.0, 3.4, 0.6, "SPEAKER_00")]  # fmt: skip
    options = FileOptions(diarize=True, punctuate=True, utterances=True)
    response = listen_response(
        words, options, request_id="r", sha256="s", created="c", duration=4.0, model="m", language="en"
    )
    alternative = response["results"]["channels"][0]["alternatives"][0]
    assert alternative["transcript"] == "Hi, there. Yes. Later"
    assert [w["speaker"] for w in alternative["words"]] == [0, 0, 1, 1]
    assert [w["word"] for w in alternative["words"]] == ["hi", "there", "yes", "later"]
    # a new utterance per speaker change and per pause of utt_split (0.8 s) or more
    assert [u["transcript"] for u in response["results"]["utterances"]] == ["Hi, there.", "Yes.", "Later"]
    plain = listen_response(
        words, FileOptions(), request_id="r", sha256="s", created="c", duration=4.0, model="m", language="en"
    )
    assert "utterances" not in plain["results"]
    assert all("speaker" not in w and "punctuated_word" not in w
               for w in plain["results"]["channels"][0]["alternatives"][0]["words"])  # fmt: skip


# -- a real server --------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module")
async def file_server(config, engine):
    local = loopback_config(
        config,
        auth={"tokens": [TOKEN]},
        files={
            "max_concurrent": 1,
            "max_queued": 0,
            "max_upload_bytes": MAX_UPLOAD,
            "max_duration_s": MAX_SECONDS,
        },
    )
    async with ParleyServer(local, engine=engine) as running:
        yield running


def base(server: ParleyServer) -> str:
    return server.http_url.rstrip("/")


async def live_finals(server: ParleyServer, pcm: bytes) -> list[dict]:
    """A live WebSocket session at real-time pace on the same server: its finals."""
    result = await stream_audio(server.url, [pcm], speed=1.0, token=TOKEN)
    return result.finals


@pytest.mark.slow
async def test_deepgram_sdk_gets_words_with_speakers_while_live_sessions_go_on(
    file_server, sample, hello_pcm, artifacts
):
    from deepgram import DeepgramClient, DeepgramClientOptions, PrerecordedOptions

    client = DeepgramClient(TOKEN, DeepgramClientOptions(url=base(file_server)))
    options = PrerecordedOptions(
        diarize=True, punctuate=True, utterances=True, language="en", model="nova-2", smart_format=True
    )

    def transcribe():
        return client.listen.rest.v("1").transcribe_file(
            {"buffer": sample.wav.read_bytes()}, options, timeout=httpx.Timeout(600.0)
        )

    posted = asyncio.ensure_future(asyncio.to_thread(transcribe))
    while file_server.files.admitted == 0 and not posted.done():  # the upload is admitted
        await asyncio.sleep(0.05)
    # the only file worker is busy (files.max_queued: 0): a second file is refused with 503
    async with httpx.AsyncClient(timeout=30) as http:
        busy = await http.post(
            f"{base(file_server)}/v1/listen",
            content=sample.wav.read_bytes(),
            headers={"Authorization": f"Token {TOKEN}"},
        )
    assert busy.status_code == 503, busy.text
    assert busy.json()["err_code"] == "busy" and int(busy.headers["Retry-After"]) > 0
    finals = await live_finals(file_server, hello_pcm)  # meanwhile, live captions keep coming
    assert "hello" in " ".join(f["text"] for f in finals).lower()
    response = await posted

    (artifacts / "file_sample_deepgram.json").write_text(response.to_json())
    alternative = response.results.channels[0].alternatives[0]
    wer = word_error_rate(stm_text(sample.stm), " ".join(w.punctuated_word for w in alternative.words))
    print(f"file WER {wer:.3f}: {alternative.transcript}")
    assert wer <= 0.24  # the streaming test's bound (tests/test_e2e_sample.py)
    assert {w.speaker for w in alternative.words} == {0, 1}
    assert all(0 <= w.start <= w.end <= 30.5 and 0 <= w.confidence <= 1 for w in alternative.words)
    finals = response_finals(json.loads(response.to_json()))
    from tests.scoring import finals_annotation

    scores = diarization_error_rate(rttm_annotation(sample.rttm), finals_annotation(finals))
    print("file DER", scores)
    assert scores["diarization error rate"] <= 0.25
    assert {u.speaker for u in response.results.utterances} == {0, 1}
    assert response.metadata.duration == pytest.approx(30.0, abs=0.01)
    assert response.metadata.request_id and response.metadata.models
    warnings = json.loads(response.to_json())["metadata"]["warnings"]
    assert [w["parameter"] for w in warnings] == ["model"]  # accepted, ignored, and said so


async def test_bad_uploads_get_clear_errors_while_a_live_session_goes_on(
    file_server, sample, sample_audio, hello_pcm
):
    url = f"{base(file_server)}/v1/listen"
    auth = {"Authorization": f"Token {TOKEN}"}
    wav = sample.wav.read_bytes()
    long_wav = wav_bytes(np.concatenate([sample_audio, sample_audio[: 15 * 16000]]))  # 45 s, 1.44 MB
    assert len(long_wav) < MAX_UPLOAD
    cases = {
        "too_large": (b"\0" * (MAX_UPLOAD + 1), 413),
        "too_long": (long_wav, 413),
        "not_audio": (b"this is not audio at all " * 100, 400),
        "truncated": (wav[: len(wav) // 2], 400),
        "empty_body": (b"", 400),
    }

    async def post_all() -> dict[str, httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as http:
            return {
                code: await http.post(url, content=body, headers=auth) for code, (body, _) in cases.items()
            }

    finals, answers = await asyncio.gather(live_finals(file_server, hello_pcm), post_all())
    for code, (_, status) in cases.items():
        answer = answers[code]
        assert answer.status_code == status, (code, answer.text)
        body = answer.json()
        assert body["err_code"] == code and body["err_msg"] and body["request_id"], body
    assert "hello" in " ".join(f["text"] for f in finals).lower()
    # the file slots were all given back
    assert file_server.files.admitted == 0


async def test_auth_params_and_methods(file_server):
    url = f"{base(file_server)}/v1/listen"
    async with httpx.AsyncClient(timeout=30) as http:
        anonymous = await http.post(url, content=b"x")
        assert anonymous.status_code == 401 and "token" in anonymous.json()["err_msg"]
        wrong = await http.post(url, content=b"x", headers={"Authorization": "Token nope"})
        assert wrong.status_code == 401
        bad = await http.post(
            f"{url}?diarize=perhaps", content=b"x", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert bad.status_code == 400 and "diarize" in bad.json()["err_msg"]
        remote = await http.post(url, json={"url": "https://example.com/a.wav"}, params={"token": TOKEN})
        assert remote.status_code == 400 and remote.json()["err_code"] == "url_not_supported"
        elsewhere = await http.post(f"{base(file_server)}/upload", content=b"x")
        assert elsewhere.status_code == 404
        put = await http.put(url, content=b"x")
        assert put.status_code == 405
        # plain GETs still go to the page and the health check
        assert (await http.get(f"{base(file_server)}/healthz")).text == "ok\n"


async def test_a_declared_length_over_the_limit_is_refused_before_the_body(file_server):
    host, port = "127.0.0.1", file_server.port

    def exchange() -> bytes:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(
                f"POST /v1/listen?token={TOKEN} HTTP/1.1\r\nHost: x\r\n"
                "Content-Length: 999999999\r\n\r\n".encode()
            )
            return sock.recv(65536)

    answer = await asyncio.to_thread(exchange)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
    assert b'"too_large"' in answer and b"999999999 bytes" in answer


async def test_a_chunked_body_is_counted_as_it_comes(file_server):
    async def body():
        for _ in range(MAX_UPLOAD // 65536 + 2):
            yield b"\0" * 65536

    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{base(file_server)}/v1/listen", content=body(), params={"token": TOKEN})
    assert answer.status_code == 413 and answer.json()["err_code"] == "too_large"


async def test_raw_pcm_without_diarization(file_server, hello_pcm):
    async with httpx.AsyncClient(timeout=120) as http:
        answer = await http.post(
            f"{base(file_server)}/v1/listen",
            content=hello_pcm,
            params={"encoding": "linear16", "sample_rate": "16000", "punctuate": "true"},
            headers={"Authorization": f"Token {TOKEN}"},
        )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    words = document["results"]["channels"][0]["alternatives"][0]["words"]
    assert "hello" in [w["word"] for w in words]
    assert all("speaker" not in w for w in words)  # diarize not asked for
    assert document["metadata"]["duration"] == pytest.approx(len(hello_pcm) / 32000, abs=0.01)
    async with httpx.AsyncClient(timeout=30) as http:
        truncated = await http.post(
            f"{base(file_server)}/v1/listen",
            content=hello_pcm[:-1],
            params={"encoding": "linear16", "sample_rate": "16000", "token": TOKEN},
        )
    assert truncated.status_code == 400 and truncated.json()["err_code"] == "truncated"


# -- parley transcribe ----------------------------------------------------------------------------


@pytest.mark.slow
async def test_transcribe_writes_rttm_that_matches_the_reference(file_server, sample, tmp_path: Path):
    failed = await asyncio.to_thread(
        transcribe_paths,
        [sample.wav],
        tmp_path,
        "rttm",
        config=file_server.config,
        url=base(file_server),
        token=TOKEN,
        progress=False,
    )
    assert failed == 0
    rttm = tmp_path / "sample.rttm"
    hypothesis = rttm_annotation(rttm)
    scores = diarization_error_rate(rttm_annotation(sample.rttm), hypothesis)
    print("transcribe RTTM DER", scores)
    assert scores["diarization error rate"] <= 0.25
    assert len(hypothesis.labels()) == 2


async def test_transcribe_in_process_writes_each_format(engine, config, sample_audio, tmp_path: Path):
    clip = tmp_path / "hello.wav"
    clip.write_bytes(wav_bytes(sample_audio[int(6.5 * 16000) : int(9.0 * 16000)]))
    for fmt in ("json", "html"):
        assert transcribe_paths([clip], tmp_path, fmt, config=config, engine=engine, progress=False) == 0
    finals = json.loads((tmp_path / "hello.json").read_text())
    assert "hello" in " ".join(f["text"] for f in finals).lower()
    assert all(f["speaker"] == "S1" and f["words"] for f in finals)
    page = (tmp_path / "hello.html").read_text()
    assert "<audio" in page and 'class="w"' in page
    missing = transcribe_paths(
        [tmp_path / "nope.wav"], tmp_path, "srt", config=config, engine=engine, progress=False
    )
    assert missing == 1


# -- bounds: memory, slow bodies, uploads per client, cancelling ---------------------------------


def silent_flac(frames: int, rate: int = 8000, block: int = 65535) -> bytes:
    """A FLAC of constant (silent) 65535-sample frames, ~15 bytes each: a tiny body, long audio."""
    import struct

    def crc8(data: bytes) -> int:
        c = 0
        for x in data:
            c ^= x
            for _ in range(8):
                c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
        return c

    def crc16(data: bytes) -> int:
        c = 0
        for x in data:
            c ^= x << 8
            for _ in range(8):
                c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
        return c

    def utf8(n: int) -> bytes:
        if n < 0x80:
            return bytes([n])
        if n < 0x800:
            return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])
        return bytes([0xE0 | n >> 12, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])

    info = (
        struct.pack(">HH", 16, block)
        + b"\0" * 6
        + ((rate << 44) | (15 << 36)).to_bytes(8, "big")
        + b"\0" * 16
    )
    out = b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info
    for i in range(frames):
        head = bytes([0xFF, 0xF8, 0x70, 0x00]) + utf8(i) + (block - 1).to_bytes(2, "big")
        frame = head + bytes([crc8(head)]) + b"\x00\x00\x00"
        out += frame + crc16(frame).to_bytes(2, "big")
    return out


def test_a_small_body_decodes_into_one_copy_of_its_audio(tmp_path: Path):
    """30 min of audio from a 3 KB FLAC: decoding it grows memory by the decoded audio once (the
    chunks and their concatenation were twice that); measured in a fresh process (peak RSS)."""
    import subprocess
    import sys

    body = tmp_path / "long.flac"
    body.write_bytes(silent_flac(220))  # 220 x 65535 samples at 8 kHz: 1802 s
    assert len(body.read_bytes()) < 4000
    script = (
        "import resource, sys\n"
        "import av, numpy\n"
        "from parley.server.files import decode_upload\n"
        "data = bytearray(open(sys.argv[1], 'rb').read())\n"
        "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "base = peak()\n"
        "audio = decode_upload(data, max_seconds=7200.0)\n"
        "print(len(audio), audio.nbytes, peak() - base)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(body)], capture_output=True, text=True, check=True
    )
    samples, nbytes, growth = map(int, run.stdout.split())
    assert samples == pytest.approx(1802.2 * 16000, rel=0.001)
    print(f"decoded {nbytes >> 20} MiB, peak RSS growth {growth >> 20} MiB")
    assert growth < 1.3 * nbytes


def test_asr_windows_cut_in_pauses_and_cover_the_file():
    from parley.server.files import asr_windows

    rng = np.random.default_rng(0)
    audio = rng.uniform(-0.5, 0.5, 95 * 16000).astype(np.float32)
    pauses = [(27.0, 27.4), (52.0, 52.3), (81.5, 82.0)]  # seconds of silence in the noise
    for start, end in pauses:
        audio[int(start * 16000) : int(end * 16000)] = 0.0
    windows = asr_windows(audio, window_s=30.0, search_s=10.0)
    assert windows[0][0] == 0 and windows[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))  # no gap, no overlap
    assert all(end - start <= 30 * 16000 for start, end in windows)
    cuts = [end / 16000 for _, end in windows[:-1]]
    assert len(cuts) == 3
    for cut, (start, end) in zip(cuts, pauses, strict=True):
        assert start <= cut <= end, (cut, start, end)
    assert asr_windows(audio[: 20 * 16000], window_s=30.0) == [(0, 20 * 16000)]


@pytest.mark.slow
def test_whisper_in_windows_keeps_every_word_once(engine, sample, sample_audio):
    """The sample in windows of 12 s (three windows, cut in pauses): the same words as Whisper
    over the whole of it, at the same times (the window's offset added)."""
    from parley.server.files import asr_windows, transcribe

    assert len(asr_windows(sample_audio, window_s=12.0, search_s=4.0)) == 3
    words, language = transcribe(sample_audio, engine, language="en", window_s=12.0)
    assert language == "en"
    text = " ".join(w for w, _, _, _ in words)
    wer = word_error_rate(stm_text(sample.stm), text)
    print(f"windowed WER {wer:.3f}: {text}")
    assert wer <= 0.24
    starts = [start for _, start, _, _ in words]
    assert starts == sorted(starts) and starts[0] >= 0 and words[-1][2] <= 30.5
    assert [w.lower().strip(".,?!") for w, _, _, _ in words].count("hello") == 3  # 6.5-9 s, once each


def test_diarization_runs_in_file_slots_and_stops_when_cancelled(engine, sample_audio):
    from parley.server.files import Cancelled, transcribe_audio
    from parley.server.scheduler import Priority

    granted = engine.scheduler.stats.granted[Priority.FILE]
    seen: list[tuple[str, float, int]] = []

    def progress(stage: str, fraction: float) -> None:
        seen.append((stage, fraction, engine.scheduler.stats.granted[Priority.FILE] - granted))
        if fraction > 0:
            raise Cancelled  # as the server's does when the client has gone away

    with pytest.raises(Cancelled):
        transcribe_audio(sample_audio[: 20 * 16000], engine, language="en", progress=progress)
    stage, fraction, slots = seen[-1]
    assert stage == "diarization" and 0 < fraction < 1, seen  # stopped inside the diarization
    assert slots >= 1  # its model batches went through the scheduler, at FILE priority


async def started_server(config, engine, **files):
    local = loopback_config(config, auth={"tokens": [TOKEN]}, files={"max_concurrent": 1, **files})
    return ParleyServer(local, engine=engine)


async def trickle(port: int, pause_s: float, seconds: float) -> bytes:
    """A POST whose body comes one byte per ``pause_s`` for up to ``seconds``: the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST /v1/listen?token={TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".encode()
    )
    loop = asyncio.get_running_loop()
    ends = loop.time() + seconds
    answer = b""
    try:
        while loop.time() < ends and not answer:
            writer.write(b"\0")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                answer = await asyncio.wait_for(reader.read(65536), pause_s)
        if not answer:
            answer = await asyncio.wait_for(reader.read(65536), 10)
    except (ConnectionError, TimeoutError):
        pass
    writer.close()
    return answer


async def test_a_trickled_body_is_cut_off_by_the_body_deadline_and_the_minimum_rate(config, engine):
    # a byte every 0.3 s never pauses for read_timeout_s (1 s): the body deadline ends it
    async with await started_server(
        config, engine, read_timeout_s=1.0, body_timeout_s=2.0, min_body_bytes_per_s=0
    ) as running:
        answer = await trickle(running.port, 0.3, 8.0)
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b'"body_timeout"' in answer and b"files.body_timeout_s" in answer
        assert running.files.admitted == 0
    # the same trickle is below the minimum rate
    async with await started_server(
        config, engine, read_timeout_s=1.0, body_timeout_s=60.0, min_body_bytes_per_s=100
    ) as running:
        answer = await trickle(running.port, 0.3, 8.0)
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b'"too_slow"' in answer and b"files.min_body_bytes_per_s" in answer


async def test_one_client_cannot_take_every_file_place(config, engine):
    async with await started_server(config, engine, max_queued=3, max_per_client=2) as running:
        head = f"POST /v1/listen?token={TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode()
        held = []
        for _ in range(2):  # two uploads whose bodies do not come (yet) are admitted
            reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
            writer.write(head)
            held.append((reader, writer))
        while running.files.admitted < 2:
            await asyncio.sleep(0.02)
        reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
        writer.write(head)
        answer = await asyncio.wait_for(reader.read(65536), 10)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 429 "), answer[:200]
        assert b'"too_many_uploads"' in answer and b"Retry-After: " in answer
        assert running.files.admitted == 2  # places remain (capacity 4) for other clients
        for _, other in held:
            other.close()
        while running.files.admitted:
            await asyncio.sleep(0.02)
        assert running.files.by_client == {}
