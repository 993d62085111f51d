"""A long session keeps bounded state, and the same voices keep the same labels throughout."""

from __future__ import annotations

import numpy as np
import pytest

from parley.server.session import STEP_BLOCK, Session, SessionOptions
from parley.server.speakers import CELL_SAMPLES, TIMELINE_KEEP_S

pytestmark = pytest.mark.slow
LOOPS = 5


def state_sizes(session: Session) -> dict[str, int]:
    current = session.segmenter.current()
    return {
        "speaker_audio": len(session.speakers._audio),
        "speaker_labels": len(session.speakers._labels),
        "open_utterance": 0 if current is None else len(current.audio),
        "pending": sum(len(c) for c in session._pending),
        "prompt_context": len(session.transcriber._context),
    }


def test_long_session_state_is_bounded_and_labels_are_stable(engine, config, sample_audio):
    speech = sample_audio[int(6.5 * 16000) :]  # 23.5 s of the two-speaker conversation
    silence = np.zeros(4 * 16000, dtype=np.float32)
    pcm = (np.concatenate([speech, silence]) * 32767).astype("<i2").tobytes()
    session = Session(engine, config, SessionOptions(partials=False), "memory-test")
    sizes, speakers_per_loop = [], []
    for _ in range(LOOPS):
        finals = []
        for offset in range(0, len(pcm), 6400):
            session.receive_audio(pcm[offset : offset + 6400])
            finals += [e for e in session.step() if e["type"] == "final"]
        sizes.append(state_sizes(session))
        speakers_per_loop.append({f["speaker"] for f in finals})
    minutes = session.received / 16000 / 60
    print(f"{minutes:.1f} min of audio; state sizes per loop: {sizes}; speakers: {speakers_per_loop}")

    limits = {
        "speaker_audio": session.speakers.window_samples + session.speakers.step_samples + 6400,
        "speaker_labels": int(TIMELINE_KEEP_S * 16000 / CELL_SAMPLES),
        "open_utterance": int(config.vad.max_utterance_s * 16000) + 6400,
        "pending": STEP_BLOCK - 1,  # less than a block waits for the next audio
        "prompt_context": config.asr.context_chars,
    }
    for loop_sizes in sizes:
        for name, size in loop_sizes.items():
            assert size <= limits[name], (name, size, limits[name])
    assert sizes[-1]["speaker_audio"] <= sizes[1]["speaker_audio"] + session.speakers.step_samples
    # the same two voices, five times over: still two speakers, with the same labels
    assert session.speakers.clusters.count == 2
    assert all(loop == {"S1", "S2"} for loop in speakers_per_loop[1:]), speakers_per_loop
