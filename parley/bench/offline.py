"""The offline baseline of ``parley bench``: "pyannote, then Whisper" over a whole file.

One implementation with the server's file path (``POST /v1/listen``, ``parley transcribe``): the
code lives in :mod:`parley.server.files`; these are its names as the bench has always used them.
"""

from __future__ import annotations

from parley.server.files import (
    BATCH_SIZES,
    CLUSTERING_THRESHOLD,
    GPU_BATCH_SIZES,
    MIN_CLUSTER_SIZE,
    FileResult,
    FileWord,
    assign_speakers,
    build_pipeline,
    diarize,
    transcribe,
    transcribe_audio,
)

OfflineWord = FileWord
OfflineResult = FileResult
run_offline = transcribe_audio

__all__ = [
    "BATCH_SIZES",
    "CLUSTERING_THRESHOLD",
    "GPU_BATCH_SIZES",
    "MIN_CLUSTER_SIZE",
    "OfflineResult",
    "OfflineWord",
    "assign_speakers",
    "build_pipeline",
    "diarize",
    "run_offline",
    "transcribe",
]
