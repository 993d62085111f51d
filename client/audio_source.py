"""Where the client's audio comes from: a media file decoded with PyAV, or raw PCM on stdin."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

FILE_SAMPLE_RATE = 16000  # a decoded file is resampled to this rate, mono
BYTES_PER_SAMPLE = {"pcm_s16le": 2, "pcm_f32le": 4}
_STDIN_QUEUE_CHUNKS = 8  # chunks read ahead of the sender; bounds memory when the server is slow


class AudioSourceError(Exception):
    """Audio that cannot be read; the message says why, in words for the command line."""


def decode_file(path: str | Path) -> np.ndarray:
    """Decode any audio or video file PyAV understands to float32 mono samples at 16 kHz.

    Raises AudioSourceError when the file is missing, not decodable, or holds no audio.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioSourceError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    from faster_whisper.audio import decode_audio  # heavy import (PyAV, CTranslate2): only when needed

    try:
        samples = decode_audio(str(path), sampling_rate=FILE_SAMPLE_RATE)
    except IndexError:  # PyAV found no audio stream
        raise AudioSourceError(f"{path}: the file has no audio stream") from None
    except (ValueError, OSError) as exc:  # av.FFmpegError subclasses these
        raise AudioSourceError(f"{path}: cannot decode audio ({_ffmpeg_reason(exc)})") from None
    if samples.size == 0:
        raise AudioSourceError(f"{path}: the file holds no audio samples")
    return samples.astype(np.float32, copy=False)


def pcm_chunk_bytes(sample_rate: int, encoding: str, channels: int, chunk_ms: int) -> int:
    """Bytes in ``chunk_ms`` milliseconds of raw PCM, a whole number of sample frames (at least one)."""
    frame_bytes = BYTES_PER_SAMPLE[encoding] * channels
    frames = max(1, sample_rate * chunk_ms // 1000)
    return frames * frame_bytes


async def read_pcm_stream(stream: BinaryIO, chunk_bytes: int) -> AsyncIterator[bytes]:
    """Yield the bytes of a binary stream (e.g. ``sys.stdin.buffer``) as they arrive, until end of file.

    Each chunk holds at most ``chunk_bytes``: what one read returned, so a live source (a pipe from
    a recorder) is forwarded as soon as it produces audio, and chunks may split a sample (the
    protocol allows that). Blocking reads run in a daemon thread, so they neither stall the event
    loop nor keep the process alive after the stream is abandoned.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | BaseException] = asyncio.Queue(maxsize=_STDIN_QUEUE_CHUNKS)
    reader = threading.Thread(
        target=_pump_stream, args=(stream, chunk_bytes, queue, loop), name="parley-stdin", daemon=True
    )
    reader.start()
    while True:
        item = await queue.get()
        if isinstance(item, BaseException):
            raise AudioSourceError(f"cannot read audio from stdin: {item}") from item
        if not item:
            return
        yield item


def _pump_stream(
    stream: BinaryIO,
    chunk_bytes: int,
    queue: asyncio.Queue[bytes | BaseException],
    loop: asyncio.AbstractEventLoop,
) -> None:
    """Reader thread: put each read of ``stream`` on ``queue``; ``b""`` at end of file, or the error."""
    read = getattr(stream, "read1", stream.read)  # read1: return what is there, don't wait to fill
    while True:
        try:
            data = read(chunk_bytes)
        except (OSError, ValueError) as exc:
            data = exc
        try:
            asyncio.run_coroutine_threadsafe(queue.put(data), loop).result()
        except RuntimeError:  # the event loop is closed: nobody is listening any more
            return
        if not isinstance(data, bytes) or not data:
            return


def _ffmpeg_reason(exc: BaseException) -> str:
    """FFmpeg's reason for an error, without the errno and file name PyAV adds."""
    return getattr(exc, "strerror", None) or str(exc)
