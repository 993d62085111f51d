"""The CAM++ speaker embedding network (:mod:`parley.models.campplus`) with the real bundle weights.

On the bundled two-speaker sample (reference turns in sample.rttm): Diane speaks 10.6–14.4 s and
18.1–21.4 s, Sheila 14.6–17.8 s and 22.0–28.3 s. Takes a few seconds on CPU; skipped when the
``campplus`` bundle model is not fetched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from parley.config import load_config
from parley.models.bundle import ModelMissingError, verify_model

SR = 16000
DIANE = [(10.6, 14.4), (18.1, 21.4)]
SHEILA = [(14.6, 17.8), (22.0, 28.3)]


@pytest.fixture(scope="module")
def weights_path() -> Path:
    """The verified bundle file (skip the module when it is not fetched)."""
    try:
        directory = verify_model(Path(load_config().models.cache_dir).expanduser(), "campplus")
    except ModelMissingError as exc:
        pytest.skip(f"campplus weights not fetched: {exc.reason}")
    return directory / "campplus_cn_en_common.pt"


@pytest.fixture(scope="module")
def model(weights_path: Path):
    from parley.models.campplus import CAMPPlus

    return CAMPPlus.from_state_dict_file(weights_path)


def embed(model, audio: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """L2-normalised embedding(s) of one waveform, optionally with pooling weights."""
    waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None, None]
    mask = None if weights is None else torch.from_numpy(weights.astype(np.float32))[None]
    with torch.inference_mode():
        vectors = model(waveform, weights=mask)[0]
    return torch.nn.functional.normalize(vectors, dim=-1).numpy()


def span(audio: np.ndarray, start: float, end: float) -> np.ndarray:
    return audio[round(start * SR) : round(end * SR)]


def test_weights_load_strictly(model, weights_path: Path) -> None:
    """``from_state_dict_file`` loads the 3D-Speaker state_dict with strict=True: every parameter
    and buffer of the network has a key in the file and vice versa (load_state_dict would raise
    otherwise), and the model is in eval mode with a 192-dim output."""
    state = torch.load(str(weights_path), map_location="cpu", weights_only=True)
    assert set(state) == set(model.state_dict())
    assert not model.training
    assert model.dimension == 192


def test_same_speaker_closer_than_different(model, sample_audio: np.ndarray) -> None:
    """Two turns of one speaker are more similar (cosine) than any two turns of different speakers,
    by a clear margin; embeddings are 192-dim."""
    diane = [embed(model, span(sample_audio, *t)) for t in DIANE]
    sheila = [embed(model, span(sample_audio, *t)) for t in SHEILA]
    assert all(e.shape == (192,) and np.isfinite(e).all() for e in diane + sheila)
    same = [float(diane[0] @ diane[1]), float(sheila[0] @ sheila[1])]
    different = [float(d @ s) for d in diane for s in sheila]
    assert min(same) > max(different) + 0.15, (same, different)


def test_weighted_pooling_separates_speakers_in_one_window(model, sample_audio: np.ndarray) -> None:
    """One 10 s window (8–18 s) holding both speakers, with per-speaker frame weights (a speakers
    dimension): each speaker's embedding is near that speaker's turns outside the window and away
    from the other's, unlike the unweighted embedding of the mixed window; a 2-D weight row gives
    the same embedding as its row in the 3-D call."""
    window_start, frames = 8.0, 1000  # weights at 10 ms; the model interpolates them
    times = window_start + (np.arange(frames) + 0.5) * 0.01
    weights = np.zeros((2, frames), dtype=np.float32)
    weights[0, ((times > 8.4) & (times < 9.9)) | ((times > 11.1) & (times < 14.4))] = 1.0  # Diane
    weights[1, (times > 14.6) & (times < 17.8)] = 1.0  # Sheila
    window = span(sample_audio, window_start, window_start + 10.0)
    per_speaker = embed(model, window, weights)
    assert per_speaker.shape == (2, 192)

    diane_ref = embed(model, span(sample_audio, *DIANE[1]))
    sheila_ref = embed(model, span(sample_audio, *SHEILA[1]))
    diane_margin = float(per_speaker[0] @ diane_ref - per_speaker[0] @ sheila_ref)
    sheila_margin = float(per_speaker[1] @ sheila_ref - per_speaker[1] @ diane_ref)
    assert diane_margin > 0.15 and sheila_margin > 0.15, (diane_margin, sheila_margin)

    mixed = embed(model, window)
    mixed_margin = float(mixed @ diane_ref - mixed @ sheila_ref)
    assert abs(mixed_margin) < min(diane_margin, sheila_margin)

    single = embed(model, window, weights[1])  # (batch, frames) weights: one embedding
    assert single.shape == (192,)
    np.testing.assert_allclose(single, per_speaker[1], atol=1e-4)
