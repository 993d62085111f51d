"""The client's audio sources: files decoded with PyAV, raw PCM read from a stream (stdin)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

from parley.client.audio_source import AudioSourceError, decode_file, pcm_chunk_bytes, read_pcm_stream

av = pytest.importorskip("av")


def write_wav(path: Path, samples: np.ndarray, sample_rate: int, layout: str = "mono") -> None:
    """Write int16 samples (frames × channels, interleaved) to a WAV file with PyAV."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=sample_rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def test_decode_resamples_to_16k_mono_float32(tmp_path: Path) -> None:
    seconds, rate = 1.5, 44100
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    path = tmp_path / "tone.wav"
    write_wav(path, np.repeat(tone, 2), rate, layout="stereo")
    samples = decode_file(path)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert len(samples) == pytest.approx(seconds * 16000, abs=160)
    assert float(np.abs(samples).max()) == pytest.approx(0.5, abs=0.02)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioSourceError, match="no such file"):
        decode_file(tmp_path / "nope.wav")


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio\n")
    with pytest.raises(AudioSourceError, match="cannot decode audio"):
        decode_file(path)


def test_pcm_chunk_bytes() -> None:
    assert pcm_chunk_bytes(16000, "pcm_s16le", 1, 100) == 3200
    assert pcm_chunk_bytes(48000, "pcm_f32le", 2, 20) == 960 * 8
    assert pcm_chunk_bytes(8000, "pcm_s16le", 2, 0) == 4  # never less than one frame


async def test_read_pcm_stream_yields_everything_then_ends() -> None:
    data = bytes(range(256)) * 40
    chunks = [chunk async for chunk in read_pcm_stream(io.BytesIO(data), 3200)]
    assert b"".join(chunks) == data
    assert all(0 < len(chunk) <= 3200 for chunk in chunks)


async def test_read_pcm_stream_forwards_a_pipe_as_it_is_written() -> None:
    read_fd, write_fd = os.pipe()
    with open(read_fd, "rb") as reader, open(write_fd, "wb", buffering=0) as writer:
        stream = read_pcm_stream(reader, 3200)
        writer.write(b"\x01\x02" * 50)
        assert await anext(stream) == b"\x01\x02" * 50  # does not wait to fill a whole chunk
        writer.close()
        assert [chunk async for chunk in stream] == []
