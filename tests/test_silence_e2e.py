"""Whisper's known failures on silence and noise ("Thank you.", repeats) never reach the client."""

from __future__ import annotations

import numpy as np
import pytest

from parley.client.stream import iter_pcm_chunks, stream_audio

pytestmark = pytest.mark.slow


async def test_silence_and_noise_give_no_captions(server):
    rng = np.random.default_rng(7)
    seconds = 16000
    audio = np.concatenate(
        [
            np.zeros(5 * seconds, np.float32),  # digital silence
            rng.normal(0, 0.003, 5 * seconds).astype(np.float32),  # a quiet line
            rng.normal(0, 0.05, 4 * seconds).astype(np.float32),  # loud hiss
            0.2 * np.sin(2 * np.pi * 440 * np.arange(2 * seconds) / seconds).astype(np.float32),  # a tone
            np.zeros(2 * seconds, np.float32),
        ]
    )
    result = await stream_audio(server.url, iter_pcm_chunks(audio), speed=0)
    assert result.done is not None
    assert result.finals == [], [f["text"] for f in result.finals]
