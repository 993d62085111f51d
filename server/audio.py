"""Client audio bytes -> 16 kHz mono float32 samples.

The wire carries raw little-endian PCM (``pcm_s16le`` or ``pcm_f32le``, mono or interleaved stereo) at
the client's rate. A frame may end in the middle of a sample: the partial bytes are carried over and
completed by the next frame, so a client can cut its byte stream anywhere.
"""

from __future__ import annotations

import numpy as np
import soxr

PIPELINE_RATE = 16000  # every stage after this module works at 16 kHz
ENCODINGS: dict[str, np.dtype] = {"pcm_s16le": np.dtype("<i2"), "pcm_f32le": np.dtype("<f4")}
MIN_RATE, MAX_RATE = 8000, 192000


class PcmDecoder:
    """Decodes one session's audio frames; keeps the odd bytes between frames and the resampler state."""

    def __init__(self, encoding: str, sample_rate: int, channels: int = 1) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unsupported encoding {encoding!r}; use one of {sorted(ENCODINGS)}")
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
