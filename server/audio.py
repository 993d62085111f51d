"""Client audio bytes -> 16 kHz mono float32 samples.

The wire carries raw little-endian PCM (``pcm_s16le`` or ``pcm_f32le``, mono or interleaved stereo) at
the client's rate. A frame may end in the middle of a sample: the partial bytes are carried over and
completed by the next frame, so a client can cut its byte stream anywhere.

Or compressed audio, decoded incrementally with PyAV (FFmpeg; a dependency of faster-whisper):
``opus`` is one raw Opus packet per binary frame (as WebCodecs gives them); ``ogg_opus`` an Ogg Opus
stream, ``webm`` a WebM/Matroska stream (``MediaRecorder``'s), ``container`` any container FFmpeg
recognises (Deepgram's default when no ``encoding`` is given: WAV, Ogg, WebM, FLAC, MP3, ...), each
cut anywhere. A container stream is demuxed by one thread per session that reads a bounded buffer
(:data:`COMPRESSED_BUFFER_BYTES`): a client cannot make it hold more. Its decoded output is bounded
too (a few bytes of FLAC can declare minutes of audio): the thread waits while ``max_buffered_s`` of
decoded audio waits to be taken, stops at ``max_s`` decoded in all (the session's limit, which then
``full`` says), refuses a stream that decodes to more than :data:`MAX_SAMPLES_PER_BYTE` and stops on
:meth:`CompressedDecoder.close`. Undecodable data raises :class:`AudioDecodeError`, whose message says
what was wrong.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import soxr

PIPELINE_RATE = 16000  # every stage after this module works at 16 kHz
ENCODINGS: dict[str, np.dtype] = {"pcm_s16le": np.dtype("<i2"), "pcm_f32le": np.dtype("<f4")}
# compressed encodings -> the FFmpeg demuxer that reads them (None: a raw packet per frame / probe)
COMPRESSED: dict[str, str | None] = {"opus": None, "ogg_opus": "ogg", "webm": "matroska", "container": None}
ALL_ENCODINGS = (*ENCODINGS, *COMPRESSED)
MIN_RATE, MAX_RATE = 8000, 192000
# bytes of compressed audio received but not yet read by the demuxer, at most: 256 KiB is more than
# 30 s of 64 kbit/s Opus. A client that sends faster than its stream decodes is refused beyond it
COMPRESSED_BUFFER_BYTES = 256 * 1024
# for the session's limits, a compressed stream counts bytes: max_session_s allows this many per
# second (32 kB/s = 256 kbit/s, far above speech Opus at 16-64 kbit/s or MediaRecorder's 128)
COMPRESSED_BYTES_PER_S = 32000
OPUS_RATE = 48000  # Opus always decodes at 48 kHz
PROBE_BYTES = 32768  # FFmpeg probes at most this much of a container stream before decoding
DEMUX_JOIN_S = 2.0  # at the end of a stream, time for the demuxer to decode more of what it holds
# a container stream decoding to more 16 kHz samples per byte received than this is refused (once it
# has decoded EXPANSION_GRACE_S): 1024 is 16 bytes per second of audio (128 bit/s). Speech codecs stay
# far below (Opus in WebM: ~32 per byte on silence; FLAC of digital silence at 8 kHz: ~550); a crafted
# FLAC of constant 65535-sample frames at 8 kHz reaches ~8700 (1874 bytes declaring 1147 s)
MAX_SAMPLES_PER_BYTE = 1024
EXPANSION_GRACE_S = 10.0
DEFAULT_MAX_BUFFERED_S = 30.0  # decoded audio waiting to be taken (a session passes audio.max_lag_s)
DEFAULT_MAX_S = 14400.0  # decoded audio in all (a session passes limits.max_session_s)


class AudioDecodeError(ValueError):
    """The client's audio cannot be decoded: the message says why (it ends the session)."""


def unit_bytes(encoding: str, channels: int) -> int:
    """Bytes of one unit the session counts (a sample of every channel; a byte when compressed)."""
    return channels * ENCODINGS[encoding].itemsize if encoding in ENCODINGS else 1


def units_per_second(encoding: str, sample_rate: int) -> int:
    """Units (see :func:`unit_bytes`) per second of audio, for the session's limits."""
    return sample_rate if encoding in ENCODINGS else COMPRESSED_BYTES_PER_S


def make_decoder(
    encoding: str,
    sample_rate: int,
    channels: int = 1,
    max_buffered_s: float = DEFAULT_MAX_BUFFERED_S,
    max_s: float = DEFAULT_MAX_S,
) -> PcmDecoder | CompressedDecoder:
    if encoding in COMPRESSED:
        return CompressedDecoder(encoding, channels, max_buffered_s, max_s)
    return PcmDecoder(encoding, sample_rate, channels)


class PcmDecoder:
    """Decodes one session's audio frames; keeps the odd bytes between frames and the resampler state."""

    def __init__(self, encoding: str, sample_rate: int, channels: int = 1) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unsupported encoding {encoding!r}; use one of {sorted(ALL_ENCODINGS)}")
        if not MIN_RATE <= sample_rate <= MAX_RATE:
            raise ValueError(f"sample_rate {sample_rate} outside {MIN_RATE}..{MAX_RATE} Hz")
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, not {channels}")
        self.dtype = ENCODINGS[encoding]
        self.sample_rate = sample_rate
        self.channels = channels
        self.frame_bytes = self.dtype.itemsize * channels  # bytes of one sample of every channel
        self._carry = b""
        self._resampler = (
            soxr.ResampleStream(sample_rate, PIPELINE_RATE, 1, dtype="float32", quality="HQ")
            if sample_rate != PIPELINE_RATE
            else None
        )
        self.input_samples = 0  # samples per channel received, at the client's rate
        # the interface of CompressedDecoder: PCM decodes at once, in the caller's thread
        self.on_ready: Callable[[], None] | None = None
        self.error: str | None = None
        self.full = False  # the protocol counts PCM samples itself
        self.available = 0
        self.running = False
        self.backlogged = False

    def take(self, wait_s: float = 0.0) -> np.ndarray:
        """Nothing waits: :meth:`decode` returns all."""
        return np.zeros(0, dtype=np.float32)

    def decode(self, data: bytes) -> np.ndarray:
        """Decode one frame; returns 16 kHz mono float32 (possibly empty)."""
        data = self._carry + data
        usable = len(data) - len(data) % self.frame_bytes
        self._carry = data[usable:]
        if usable == 0:
            return np.zeros(0, dtype=np.float32)
        samples = np.frombuffer(data[:usable], dtype=self.dtype)
        if self.dtype.kind == "i":
            samples = samples.astype(np.float32) / 32768.0
        else:
            samples = np.nan_to_num(samples.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
            samples = np.clip(samples, -1.0, 1.0)
        if self.channels == 2:
            samples = samples.reshape(-1, 2).mean(axis=1)
        self.input_samples += len(samples)
        if self._resampler is None:
            return samples
        return self._resampler.resample_chunk(samples, last=False)

    def drop_partial_sample(self) -> None:
        """The connection dropped: forget the bytes of an incomplete sample.

        ``input_samples`` counts whole samples only, so a client that resumes resends from there.
        """
        self._carry = b""

    def flush(self) -> np.ndarray:
        """End of stream: the resampler's tail (odd bytes left over are dropped)."""
        self._carry = b""
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        return self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)

    def close(self) -> None:
        """Nothing to release."""


def _to_mono_16k(frames: list[Any], resampler: Any) -> list[np.ndarray]:
    """Decoded PyAV frames -> 16 kHz mono float32 arrays (through ``resampler``)."""
    out: list[np.ndarray] = []
    for frame in frames:
        if frame is not None and frame.sample_rate < MIN_RATE:  # resampling would multiply it
            raise AudioDecodeError(
                f"the audio's sample rate of {frame.sample_rate} Hz is below {MIN_RATE} Hz"
            )
        for resampled in resampler.resample(frame):
            out.append(np.clip(resampled.to_ndarray().reshape(-1).astype(np.float32), -1.0, 1.0))
    return out


class _Pipe:
    """Bytes from the event loop to the demuxer thread: ``read`` blocks until there are some (or
    the end); at most ``limit`` bytes wait."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data = bytearray()
        self._ended = False
        self._ready = threading.Condition()
        self.on_empty: Callable[[], None] | None = None  # called when a read takes the last bytes

    def __len__(self) -> int:
        return len(self._data)

    def write(self, data: bytes) -> None:
        with self._ready:
            if self._ended:  # the demuxer is over: nothing reads it
                return
            if len(self._data) + len(data) > self.limit:
                raise AudioDecodeError(
                    f"compressed audio arrives faster than it decodes: more than {self.limit} bytes "
                    "wait; send it at its own pace"
                )
            self._data += data
            self._ready.notify()

    def end(self) -> None:
        with self._ready:
            self._ended = True
            self._ready.notify()

    def close(self) -> None:
        """The end, and what waits is dropped."""
        with self._ready:
            self._ended = True
            self._data.clear()
            self._ready.notify()

    def read(self, size: int = -1) -> bytes:
        with self._ready:
            while not self._data and not self._ended:
                self._ready.wait()
            size = len(self._data) if size < 0 else min(size, len(self._data))
            chunk = bytes(self._data[:size])
            del self._data[:size]
            emptied = bool(chunk) and not self._data
        if emptied and self.on_empty is not None:
            self.on_empty()
        return chunk


class _Stop(Exception):
    """The demuxer thread stops: the decoder was closed, or it holds the session's limit."""


class CompressedDecoder:
    """Decodes one session's compressed audio (the interface of :class:`PcmDecoder`).

    ``opus``: each :meth:`decode` is one Opus packet, decoded at once. The containers: the bytes go
    to a demuxer thread (PyAV reading :class:`_Pipe`), whose output waits here: :meth:`decode` and
    :meth:`take` return it; the thread waits while more than ``max_buffered_s`` of it waits, and
    ``on_ready`` (called from the thread) says that some is there, that the input waiting was all
    read, or that the thread ended. :meth:`flush` waits (at most :data:`DEMUX_JOIN_S` for each piece)
    for up to ``max_buffered_s`` more; :meth:`take` gives the rest. At most ``max_s`` of audio is
    decoded in all; then ``full``. ``input_samples`` counts bytes (a resumed client resends from
    there)."""

    def __init__(
        self,
        encoding: str,
        channels: int = 1,
        max_buffered_s: float = DEFAULT_MAX_BUFFERED_S,
        max_s: float = DEFAULT_MAX_S,
    ) -> None:
        import av  # PyAV: imported here, so that parsing the protocol imports no FFmpeg

        if encoding not in COMPRESSED:
            raise ValueError(f"unsupported encoding {encoding!r}; use one of {sorted(ALL_ENCODINGS)}")
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, not {channels}")
        self._av = av
        self.encoding = encoding
        self.channels = channels
        self.input_samples = 0  # bytes received
        self.max_buffered = max(1, int(max_buffered_s * PIPELINE_RATE))
        self.max_samples = int(max_s * PIPELINE_RATE)
        self.decoded = 0  # 16 kHz samples decoded in all
        self.available = 0  # of them, waiting to be taken
        self.full = False  # max_samples are decoded: the rest of the stream is dropped
        self.error: str | None = None
        self.on_ready: Callable[[], None] | None = None
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=PIPELINE_RATE)
        self._out: deque[np.ndarray] = deque()
        self._ready = threading.Condition()  # guards _out, available; the thread waits on it for room
        self._closed = False
        self._finished = False  # the demuxer thread is over
        self._codec: Any = None
        self._pipe: _Pipe | None = None
        self._thread: threading.Thread | None = None
        if encoding == "opus":
            self._codec = av.CodecContext.create("opus", "r")
            self._codec.sample_rate = OPUS_RATE
            self._codec.layout = "stereo" if channels == 2 else "mono"
        else:
            self._pipe = _Pipe(COMPRESSED_BUFFER_BYTES)
            self._pipe.on_empty = self._notify

    @property
    def running(self) -> bool:
        """The demuxer thread is decoding (or waiting for input or for room)."""
        return self._thread is not None and not self._finished and not self._closed

    @property
    def backlogged(self) -> bool:
        """Input waits for the running demuxer: read no more from the client until it took it."""
        return self.running and self._pipe is not None and len(self._pipe) > 0

    def decode(self, data: bytes) -> np.ndarray:
        self._raise_error()
        if self._closed or self.full:
            return self.take()
        self.input_samples += len(data)
        if self._codec is not None:
            if data:
                try:
                    frames = self._codec.decode(self._av.Packet(data))
                    self._put(_to_mono_16k(frames, self._resampler), block=False)
                except (self._av.error.FFmpegError, ValueError) as exc:
                    raise AudioDecodeError(f"an audio frame is not an Opus packet ({exc})") from None
                except _Stop:
                    pass
        elif data:
            assert self._pipe is not None
            if self._thread is None:
                self._thread = threading.Thread(target=self._demux, name="parley-demux", daemon=True)
                self._thread.start()
            self._pipe.write(data)
        return self.take()

    def _notify(self) -> None:
        if self.on_ready is not None:
            self.on_ready()

    def _put(self, arrays: list[np.ndarray], block: bool) -> None:
        """Keep decoded audio (``block``: in the demuxer thread, which waits for room first)."""
        arrays = [a for a in arrays if len(a)]
        if not arrays:
            return
        with self._ready:
            while block and self.available >= self.max_buffered and not self._closed:
                self._ready.wait()
            if self._closed:
                raise _Stop
            room = self.max_samples - self.decoded
            kept: list[np.ndarray] = []
            for array in arrays:
                if len(array) >= room:
                    array, self.full = array[:room], True
                kept.append(array)
                room -= len(array)
                if self.full:
                    break
            count = sum(len(a) for a in kept)
            self.decoded += count
            limit = self.input_samples * MAX_SAMPLES_PER_BYTE + EXPANSION_GRACE_S * PIPELINE_RATE
            if block and self.decoded > limit:
                raise AudioDecodeError(
                    f"the audio decodes to {self.decoded // max(1, self.input_samples)} samples per byte "
                    f"received, more than any codec compresses ({MAX_SAMPLES_PER_BYTE}): refused"
                )
            was_empty = not self.available
            self._out.extend(a for a in kept if len(a))
            self.available += count
        if was_empty and count:
            self._notify()
        if self.full:
            raise _Stop

    def take(self, wait_s: float = 0.0) -> np.ndarray:
        """The decoded audio waiting (``wait_s``: while the demuxer runs, wait that long for some)."""
        with self._ready:
            if wait_s > 0:
                self._ready.wait_for(lambda: self._out or not self.running, wait_s)
            arrays = list(self._out)
            self._out.clear()
            self.available = 0
            self._ready.notify_all()
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.float32)

    def _raise_error(self) -> None:
        if self.error is not None:
            raise AudioDecodeError(self.error)

    def _demux(self) -> None:
        """The demuxer thread: read the container from the pipe until its end, an error or close."""
        av = self._av
        assert self._pipe is not None
        what = {"ogg_opus": "an Ogg Opus", "webm": "a WebM"}.get(self.encoding, "an audio container")
        try:
            with av.open(
                self._pipe,
                "r",
                format=COMPRESSED[self.encoding],
                options={"probesize": str(PROBE_BYTES), "analyzeduration": "0"},
            ) as container:
                if not container.streams.audio:
                    raise AudioDecodeError(f"the stream holds no audio track (expected {what} stream)")
                stream = container.streams.audio[0]
                for packet in container.demux(stream):
                    if self._closed:
                        raise _Stop
                    self._put(_to_mono_16k(packet.decode(), self._resampler), block=True)
                self._put(_to_mono_16k([None], self._resampler), block=True)  # the resampler's tail
        except _Stop:
            pass
        except AudioDecodeError as exc:
            self.error = str(exc)
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            self.error = f"the audio is not {what} stream FFmpeg can decode ({exc})"
        except Exception as exc:  # never let the thread die silently
            self.error = f"the audio could not be decoded ({type(exc).__name__})"
        finally:
            self._pipe.close()
            with self._ready:
                self._finished = True
                self._ready.notify_all()
            self._notify()

    def drop_partial_sample(self) -> None:
        """Nothing to forget: a compressed stream counts whole bytes."""

    def flush(self) -> np.ndarray:
        """End of stream: the demuxer decodes what it holds; up to ``max_buffered_s`` of it is
        returned (each piece waited for at most :data:`DEMUX_JOIN_S`), :meth:`take` gives the rest."""
        if self._codec is not None:
            with contextlib.suppress(self._av.error.FFmpegError, ValueError, _Stop):
                self._put(_to_mono_16k(self._codec.decode(None), self._resampler), block=False)
                self._put(_to_mono_16k([None], self._resampler), block=False)
        elif self._pipe is not None:
            self._pipe.end()
            arrays = [self.take()]
            while self.running and sum(map(len, arrays)) < self.max_buffered:
                arrays.append(self.take(DEMUX_JOIN_S))
                if not len(arrays[-1]):
                    break
            self._raise_error()
            return np.concatenate(arrays)
        self._raise_error()
        return self.take()

    def close(self) -> None:
        """The session ended: the demuxer thread stops (after the packet it is decoding)."""
        with self._ready:
            self._closed = True
            self._out.clear()
            self.available = 0
            self._ready.notify_all()
        if self._pipe is not None:
            self._pipe.close()
