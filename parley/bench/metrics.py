"""Scoring for ``parley bench``: WER, DER, speaker-count error, cpWER and latency percentiles.

Everything here is a pure function over plain strings, lists and :class:`pyannote.core.Annotation`
objects, plus two readers for the reference formats the benchmark uses:

* RTTM (one ``SPEAKER`` line per speech segment: ``SPEAKER file chan start duration <NA> <NA>
  speaker <NA> <NA>``), read into an :class:`~pyannote.core.Annotation`;
* STM (``file chan speaker start end [<label>] text...``, one line per utterance; lines starting
  with ``;;`` are comments), read into :class:`StmSegment` objects.

Text is compared after :func:`normalise_words` (lower case, punctuation stripped, apostrophes kept),
the same normalisation as ``tests/scoring.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
from pyannote.core import Annotation, Segment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate
from scipy.optimize import linear_sum_assignment

__all__ = [
    "StmSegment",
    "annotation_from_turns",
    "cpwer",
    "diarization_error",
    "load_rttm",
    "load_stm",
    "normalise_words",
    "percentile",
    "speaker_count_error",
    "stm_text",
    "stm_words_by_speaker",
    "word_error_rate",
    "word_errors",
]


# --------------------------------------------------------------------------------------------- text


def normalise_words(text: str) -> list[str]:
    """The words of ``text`` as compared by every text metric here.

    Lower-cased; every character that is neither a word character (``\\w``), whitespace nor an
    apostrophe becomes a space; then split on whitespace. Apostrophes are kept, so ``"Didn't!"``
    gives ``["didn't"]`` (a stray quote such as ``'hello'`` keeps its apostrophes too). Identical to
    ``re.sub(r"[^\\w\\s']", " ", text.lower()).split()``.
    """
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Word-level Levenshtein distance: substitutions + deletions + insertions.

    Both arguments are already-normalised word lists. Computed with :func:`jiwer.process_words`
    (unit cost for each edit); an empty side costs the length of the other.
    """
    if not reference or not hypothesis:
        return len(reference) + len(hypothesis)
    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return int(out.substitutions + out.deletions + out.insertions)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference``, both normalised first.

    ``(substitutions + deletions + insertions) / reference words``, via jiwer. When the reference
    has no words the rate is ``0.0`` if the hypothesis has none either and ``1.0`` otherwise (so an
    empty reference never divides by zero).
    """
    ref = normalise_words(reference)
    hyp = normalise_words(hypothesis)
    if not ref:
        return float(len(hyp) > 0)
    return word_errors(ref, hyp) / len(ref)


def cpwer(reference_by_speaker: dict[str, str], hypothesis_by_speaker: dict[str, str]) -> float:
    """Concatenated minimum-permutation word error rate (cpWER, as defined for CHiME-6).

    Each argument maps a speaker label to all of that speaker's words concatenated in time order
    (see :func:`stm_words_by_speaker`); labels on the two sides need not match. Every pair
    (reference speaker, hypothesis speaker) costs the word edit distance between their normalised
    texts (:func:`word_errors`, jiwer's Levenshtein). When the two sides have different numbers of
    speakers the smaller side is padded with empty speakers, so an unmatched hypothesis speaker
    costs all of its words as insertions and an unmatched reference speaker all of its words as
    deletions. The one-to-one assignment minimising the total cost is found with
    :func:`scipy.optimize.linear_sum_assignment`, and

        cpWER = minimal total edit distance / total reference words.

    With no reference words the result is ``0.0`` if the hypothesis has no words either, else
    ``1.0``.
    """
    refs = [normalise_words(text) for text in reference_by_speaker.values()]
    hyps = [normalise_words(text) for text in hypothesis_by_speaker.values()]
    total_ref = sum(len(words) for words in refs)
    if total_ref == 0:
        return float(any(hyps))
    size = max(len(refs), len(hyps))
    refs += [[]] * (size - len(refs))
    hyps += [[]] * (size - len(hyps))
    cost = np.array([[word_errors(ref, hyp) for hyp in hyps] for ref in refs], dtype=np.int64)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].sum()) / total_ref


# ---------------------------------------------------------------------------------------- references


@dataclass(frozen=True)
class StmSegment:
    """One STM line: who said ``text`` between ``start`` and ``end`` (seconds)."""

    speaker: str
    start: float
    end: float
    text: str


def load_stm(path: str | Path) -> list[StmSegment]:
    """Read an STM file into segments, in file order.

    Line format: ``file channel speaker start end [<label>] text...``. Blank lines and lines starting
    with ``;;`` are skipped; an optional ``<...>`` label field before the text is dropped. The text
    is the rest of the line (possibly empty), whitespace-collapsed but otherwise untouched.
    """
    segments: list[StmSegment] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(";;"):
            continue
        parts = stripped.split()
        if len(parts) < 5:
            raise ValueError(f"{path}: malformed STM line: {line!r}")
        words = parts[5:]
        if words and words[0].startswith("<") and words[0].endswith(">"):
            words = words[1:]
        segments.append(StmSegment(parts[2], float(parts[3]), float(parts[4]), " ".join(words)))
    return segments


def stm_text(segments: Iterable[StmSegment]) -> str:
    """All segments' text joined with spaces, ordered by start time (stable for equal starts)."""
    ordered = sorted(segments, key=lambda segment: segment.start)
    return " ".join(segment.text for segment in ordered if segment.text)


def stm_words_by_speaker(segments: Iterable[StmSegment]) -> dict[str, str]:
    """Each speaker's text concatenated in start-time order: the input :func:`cpwer` expects.

    Keys appear in order of each speaker's first segment.
    """
    by_speaker: dict[str, list[str]] = {}
    for segment in sorted(segments, key=lambda segment: segment.start):
        texts = by_speaker.setdefault(segment.speaker, [])
        if segment.text:
            texts.append(segment.text)
    return {speaker: " ".join(texts) for speaker, texts in by_speaker.items()}


def load_rttm(path: str | Path) -> Annotation:
    """Read the ``SPEAKER`` lines of an RTTM file into an annotation.

    Fields used: 2 (file id, becomes the annotation's ``uri``; the file is expected to hold one
    recording), 4 (onset, s), 5 (duration, s) and 8 (speaker label). Other record types, blank
    lines and lines starting with ``;;`` are ignored; zero-length segments are skipped. Each line
    gets its own track, so overlapping segments of one speaker are all kept.
    """
    annotation = Annotation()
    for index, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
        parts = line.split()
        if not parts or parts[0] != "SPEAKER":
            continue
        if len(parts) < 8:
            raise ValueError(f"{path}: malformed RTTM line: {line!r}")
        if annotation.uri is None:
            annotation.uri = parts[1]
        start, duration = float(parts[3]), float(parts[4])
        if duration > 0:
            annotation[Segment(start, start + duration), index] = parts[7]
    return annotation


def caption_turns(finals: Iterable[dict[str, Any]], offset_s: float = 0.0) -> list[tuple[float, float, str]]:
    """Who spoke when, as captions say it (:func:`parley.client.formats.speaker_turns`: each run of
    words with one speaker within a final is a turn; speakerless words are "?"), minus ``offset_s``."""
    from parley.client.formats import speaker_turns

    return [(start - offset_s, end - offset_s, speaker) for start, end, speaker in speaker_turns(finals, "?")]


def annotation_from_turns(turns: Iterable[tuple[float, float, str]]) -> Annotation:
    """An annotation from ``(start, end, speaker)`` triples (seconds); empty turns are skipped.

    Each turn gets its own track, so overlapping turns (even of the same speaker) are all kept.
    """
    annotation = Annotation()
    for index, (start, end, speaker) in enumerate(turns):
        if end > start:
            annotation[Segment(float(start), float(end)), index] = speaker
    return annotation


# --------------------------------------------------------------------------------------- diarization


def diarization_error(
    reference: Annotation, hypothesis: Annotation, collar: float = 0.5, skip_overlap: bool = False
) -> dict[str, float]:
    """Diarization error rate and its components, after the optimal speaker mapping.

    Computed with :class:`pyannote.metrics.diarization.DiarizationErrorRate`: hypothesis labels
    are mapped one-to-one onto reference labels so as to minimise the error, ``collar`` seconds in
    total (half on each side) around every reference boundary are not scored, and overlapped
    speech is scored unless ``skip_overlap``. The scored region (the UEM) is the union of the two
    annotations' extents (the span from first to last segment of each), passed explicitly.

    Returns ``{"der", "missed", "false_alarm", "confusion", "total"}``: ``total`` is the scored
    reference speech in seconds (overlap counted once per speaker), ``missed``, ``false_alarm`` and
    ``confusion`` are seconds, and ``der = (missed + false_alarm + confusion) / total``. An empty
    hypothesis against a non-empty reference gives ``der`` 1.0 (everything missed). With no
    scored reference speech, ``der`` is 0.0 if there is no false alarm either, else 1.0.
    """
    extents = [annotation.get_timeline().extent() for annotation in (reference, hypothesis) if annotation]
    uem = Timeline(extents).support()
    metric = DiarizationErrorRate(collar=collar, skip_overlap=skip_overlap)
    details = metric(reference, hypothesis, uem=uem, detailed=True)
    missed = float(details["missed detection"])
    false_alarm = float(details["false alarm"])
    confusion = float(details["confusion"])
    total = float(details["total"])
    errors = missed + false_alarm + confusion
    der = errors / total if total > 0 else float(errors > 0)
    return {
        "der": der,
        "missed": missed,
        "false_alarm": false_alarm,
        "confusion": confusion,
        "total": total,
    }


def speaker_count_error(reference: Annotation, hypothesis: Annotation) -> int:
    """``|number of hypothesis speakers - number of reference speakers|`` (distinct labels)."""
    return abs(len(hypothesis.labels()) - len(reference.labels()))


# ------------------------------------------------------------------------------------------- latency


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile (``0 <= q <= 100``) of ``values``; ``None`` when there are none.

    Linear interpolation between the two nearest ranks, as :func:`numpy.percentile`'s default.
    """
    data = np.asarray(list(values), dtype=np.float64)
    if data.size == 0:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within [0, 100], got {q}")
    return float(np.percentile(data, q))
