"""Models named by path (what users with their own models or a network do) load through the same
code path as the bundle, and missing bundle models say how to fix it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from parley.config import Config
from parley.models.bundle import ModelMissingError, verify_model
from parley.server.engine import Engine


def test_non_bundle_references_load_through_the_same_engine(config: Config, sample_audio):
    models_dir = config.models_dir()
    whisper_dir = verify_model(models_dir, "whisper-tiny.en")
    segmentation = verify_model(models_dir, "segmentation-3.0") / "pytorch_model.bin"
    models = dataclasses.replace(config.models, asr=str(whisper_dir), segmentation=str(segmentation))
    by_path = dataclasses.replace(config, models=models)
    engine = Engine(by_path)
    segments, _ = engine.transcribe(
        sample_audio[int(6.5 * 16000) : int(9.0 * 16000)], english_only=True, language="en", beam_size=1
    )
    assert "hello" in " ".join(s.text for s in segments).lower()
    activity = engine.segment(sample_audio[6 * 16000 : 16 * 16000])
    assert activity.shape[1] == 3 and activity.sum() > 0
    embeddings = engine.embed(sample_audio[10 * 16000 : 18 * 16000], np.ones((1, 200)))
    assert embeddings.shape == (1, 192)
    assert np.isclose(np.linalg.norm(embeddings), 1.0, atol=1e-4)


def test_missing_bundle_model_names_the_fetch_command(config: Config, tmp_path: Path):
    empty = dataclasses.replace(config, models=dataclasses.replace(config.models, cache_dir=str(tmp_path)))
    with pytest.raises(ModelMissingError, match="parley models fetch"):
        Engine(empty)
