"""The `parley` command as a user runs it: a real subprocess against a real server."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

PARLEY = [sys.executable, "-m", "parley.cli"]


async def run_parley(*args: str, timeout: float = 240) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *PARLEY, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.slow
async def test_stream_writes_json_srt_and_vtt(server, sample, tmp_path: Path):
    outputs = {ext: tmp_path / f"captions.{ext}" for ext in ("json", "srt", "vtt")}
    code, stdout, stderr = await run_parley(
        "stream", str(sample.wav), "--url", server.url, "--speed", "0", "--out", str(outputs["json"])
    )
    assert code == 0, stderr
    assert "Speaker 1" in stdout and "Speaker 2" in stdout
    finals = json.loads(outputs["json"].read_text())
    assert len(finals) >= 5
    for final in finals:
        assert {"id", "speaker", "start", "end", "text", "words", "emitted_at"} <= set(final)
        assert final["emitted_at"] >= final["end"] - 0.5  # a caption cannot arrive before its audio was sent
    for ext in ("srt", "vtt"):
        code, _, stderr = await run_parley(
            "stream",
            str(sample.wav),
            "--url",
            server.url,
            "--speed",
            "0",
            "--quiet",
            "--out",
            str(outputs[ext]),
        )
        assert code == 0, stderr
    srt = outputs["srt"].read_text()
    assert srt.startswith("1\n") and " --> " in srt and "Speaker 2: " in srt
    vtt = outputs["vtt"].read_text()
    assert vtt.startswith("WEBVTT") and "<v Speaker 1>" in vtt


async def test_stream_reports_an_unreadable_file(tmp_path: Path):
    bogus = tmp_path / "noise.wav"
    bogus.write_bytes(b"this is not audio at all" * 100)
    code, _, stderr = await run_parley("stream", str(bogus), "--url", "ws://127.0.0.1:9/")
    assert code == 2
    assert "noise.wav" in stderr and "Traceback" not in stderr


async def test_models_list_shows_the_bundle():
    code, stdout, _ = await run_parley("models", "list")
    assert code == 0
    for name in ("whisper-tiny.en", "whisper-base", "segmentation-3.0", "campplus"):
        assert name in stdout


async def test_a_missing_model_names_the_fetch_command(tmp_path: Path):
    config = tmp_path / "empty-cache.yaml"
    config.write_text(f"models:\n  cache_dir: {tmp_path / 'nothing-here'}\n")
    code, _, stderr = await run_parley("serve", "--config", str(config), "--port", "0")
    assert code == 2
    assert "parley models fetch" in stderr and "Traceback" not in stderr


@pytest.mark.slow
async def test_serve_runs_the_service_until_interrupted(sample_audio):
    """`parley serve` as its own process: health check, one session, clean exit on SIGINT."""
    import signal
    import socket
    import urllib.request

    from parley.client.stream import iter_pcm_chunks, stream_audio

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        *PARLEY, "serve", "--port", str(port), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        health = f"http://127.0.0.1:{port}/healthz"
        for _ in range(120):
            try:
                body = await asyncio.to_thread(lambda: urllib.request.urlopen(health, timeout=1).read())
                break
            except OSError:
                await asyncio.sleep(0.5)
        else:
            pytest.fail("parley serve did not answer /healthz within a minute")
        assert body == b"ok\n"
        hello = sample_audio[int(6.5 * 16000) : int(9.5 * 16000)]
        result = await stream_audio(f"ws://127.0.0.1:{port}/", iter_pcm_chunks(hello), speed=0)
        assert "hello" in " ".join(f["text"] for f in result.finals).lower()
    finally:
        process.send_signal(signal.SIGINT)
        stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert f"listening on ws://127.0.0.1:{port}/" in stdout.decode()
