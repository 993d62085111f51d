"""Scoring against the sample's references: WER (STM words) and DER (RTTM)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jiwer
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate


def normalise_words(text: str) -> str:
    """Lower-cased, punctuation stripped (apostrophes inside words kept)."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def stm_text(path: Path) -> str:
    lines = [line.split(None, 5) for line in path.read_text().splitlines() if line.strip()]
    return " ".join(parts[5] for parts in lines if len(parts) == 6)


def word_error_rate(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise_words(reference), normalise_words(hypothesis))


def rttm_annotation(path: Path) -> Annotation:
    annotation = Annotation()
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start, duration = float(parts[3]), float(parts[4])
            annotation[Segment(start, start + duration)] = parts[7]
    return annotation


def finals_annotation(finals: list[dict[str, Any]]) -> Annotation:
    """Each final caption as one speaker turn."""
    annotation = Annotation()
    for index, final in enumerate(finals):
        annotation[Segment(final["start"], final["end"]), index] = final["speaker"]
    return annotation


def diarization_error_rate(reference: Annotation, hypothesis: Annotation) -> dict[str, float]:
    """DER with a 0.5 s total collar, overlap scored, after the optimal speaker mapping."""
    metric = DiarizationErrorRate(collar=0.5, skip_overlap=False)
    return {k: float(v) for k, v in metric(reference, hypothesis, detailed=True).items()}
