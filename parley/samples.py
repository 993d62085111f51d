"""The bundled two-speaker sample (``pyannote.audio.sample``): 30 s of a phone call with references.

The files are located without importing ``pyannote.audio.sample`` (whose import decodes the audio
with torchcodec, which needs system FFmpeg libraries).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

SAMPLE_ALIAS = "sample"  # `parley stream sample` streams this file


@dataclass(frozen=True)
class SampleFiles:
    wav: Path  # 16 kHz mono
    rttm: Path  # who spoke when (2 speakers)
    stm: Path  # what was said, per speaker turn


def pyannote_sample() -> SampleFiles:
    spec = importlib.util.find_spec("pyannote.audio")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pyannote.audio is not installed; its sample is needed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "sample"
    return SampleFiles(folder / "sample.wav", folder / "sample.rttm", folder / "sample.stm")
