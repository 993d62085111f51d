"""Who speaks when, incrementally: segmentation -> embeddings -> online clusters -> a label timeline.

The tracker analyses the stream in overlapping windows of ``window_s`` seconds, ending every
``step_s`` seconds on a fixed grid (and provisionally wherever a caption needs labels sooner, see
:meth:`SpeakerTracker.advance_to`):

1. **Segmentation** (pyannote segmentation-3.0) gives the activity of up to three *local* speakers in
   the window, frame by frame.
2. **Embedding**: each local speaker with at least ``min_embedding_s`` of clean speech (frames where it
   alone is active) gets a CAM++ embedding pooled over exactly those frames.
3. **Online clustering** (:class:`OnlineClusters`) matches the embeddings against the session's
   speakers: a new speaker is created only when an embedding is far from every centroid.
4. **Aggregation**: the new part of the window (after what earlier windows covered) is written to a
   20 ms label timeline, mapping each frame's active local speaker to its session speaker. A local
   speaker without a usable embedding inherits the label it had where this window overlaps earlier
   ones (so a short "yes" keeps its speaker).

5. **Re-clustering** (revisions): online decisions are made on little evidence (the first window
   of a call may pool two voices; a guest's 0.8 s "Hello?" is too short to found a speaker). After
   every committed window, the embeddings of the last ``recluster_history_s`` seconds are clustered
   again as a whole (:func:`recluster`); clusters are mapped onto the session's speakers by their
   overlap, a cluster of unseen voice with enough speech founds a new speaker, and the labels of the
   windows in the last ``revision_horizon_s`` seconds are rewritten where their speaker changed.
   :attr:`SpeakerTracker.revision` counts such rewrites, so the session knows when to re-attribute
   its recent finals.

Memory is bounded: only the audio of the last window plus what is not analysed yet,
``TIMELINE_KEEP_S`` seconds of labels, and the window records of ``recluster_history_s`` seconds
(per local speaker its 768-byte embedding and the indices of its clean frames, at most ~4 KB; per
window inside the revision horizon also its activity, ~7 KB: about 1 MB for 300 s) are kept.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment

from parley.config import SpeakersConfig
from parley.server.engine import SAMPLE_RATE, Engine

CELL_SAMPLES = 320  # label timeline resolution: 20 ms
TIMELINE_KEEP_S = 120.0  # labels older than this are dropped
CENTROID_MAX_WEIGHT_S = 120.0  # a centroid remembers about this much speech, then adapts


@dataclass
class OnlineClusters:
    """The session's speakers as centroids of L2-normalised embeddings, updated online.

    Thresholds are cosine similarities. An embedding joins the best centroid when similar enough
    (``match_threshold``); it founds a new speaker only when below ``new_speaker_threshold`` for every
    centroid, backed by ``new_speaker_min_s`` of clean speech, and under ``max_speakers``. In between,
    it is attributed to the nearest speaker without moving its centroid.
    """

    config: SpeakersConfig
    sums: list[np.ndarray] = field(default_factory=list)  # weighted sums of embeddings
    weights: list[float] = field(default_factory=list)  # seconds of speech behind each sum

    @property
    def count(self) -> int:
        return len(self.sums)

    def centroids(self) -> np.ndarray:
        """Unit centroids; a retired speaker's is all zeros (similarity 0 to everything)."""
        stacked = np.stack(self.sums)
        return stacked / np.linalg.norm(stacked, axis=1, keepdims=True).clip(1e-9)

    def replace(self, index: int, total: np.ndarray, seconds: float) -> None:
        """Set a speaker's centroid from re-clustered evidence (a zero ``total`` retires it)."""
        if seconds > CENTROID_MAX_WEIGHT_S:
            total, seconds = total * (CENTROID_MAX_WEIGHT_S / seconds), CENTROID_MAX_WEIGHT_S
        self.sums[index] = total
        self.weights[index] = seconds

    def _create(self, embedding: np.ndarray, seconds: float) -> int:
        self.sums.append(embedding * seconds)
        self.weights.append(seconds)
        return self.count - 1

    def _update(self, index: int, embedding: np.ndarray, seconds: float) -> None:
        if seconds <= 0:
            return
        self.sums[index] = self.sums[index] + embedding * seconds
        self.weights[index] += seconds
        if self.weights[index] > CENTROID_MAX_WEIGHT_S:
            scale = CENTROID_MAX_WEIGHT_S / self.weights[index]
            self.sums[index] = self.sums[index] * scale
            self.weights[index] = CENTROID_MAX_WEIGHT_S

    def assign(
        self,
        embeddings: np.ndarray,
        seconds: list[float],
        new_seconds: list[float] | None = None,
        commit: bool = True,
    ) -> list[int | None]:
        """Session speaker index for each local speaker of one window (None: cannot tell yet).

        ``seconds``: clean speech behind each embedding; ``new_seconds``: how much of it no earlier
        window saw (the weight of a centroid update, so overlapping windows do not count audio
        twice; default: all of it). Local speakers of one window are different people, so they go
        to different session speakers whenever the similarities allow it. Only confident matches
        (``match_threshold``) move a centroid. With ``commit=False`` no centroid moves and no
        speaker is created (such an embedding gets None), except the session's very first one.
        """
        new_seconds = list(seconds) if new_seconds is None else new_seconds
        result: list[int | None] = [None] * len(embeddings)
        if len(embeddings) == 0:
            return result
        cfg = self.config
        taken: set[int] = set()
        confident: set[int] = set()  # local speakers matched above match_threshold
        if self.count:
            similarity = embeddings @ self.centroids().T  # (locals, speakers)
            pairs = sorted(
                ((similarity[i, j], i, j) for i in range(len(embeddings)) for j in range(self.count)),
                reverse=True,
            )
            for sim, i, j in pairs:
                if sim >= cfg.match_threshold and result[i] is None and j not in taken:
                    result[i] = j
                    taken.add(j)
                    confident.add(i)
        for i in sorted(range(len(embeddings)), key=lambda k: -seconds[k]):
            if result[i] is not None:
                continue
            sims = embeddings[i] @ self.centroids().T if self.count else np.zeros(0)
            best_any = float(sims.max()) if len(sims) else -1.0
            free = [j for j in range(len(sims)) if j not in taken]
            can_create = self.count < cfg.max_speakers and (
                self.count == 0 or seconds[i] >= cfg.new_speaker_min_s
            )
            # Far from everyone, or close (not confidently) only to speakers that are already
            # other voices of this window.
            best_free = max((float(sims[j]) for j in free), default=-1.0)
            distinct = best_free < cfg.new_speaker_threshold and best_any < cfg.match_threshold
            if can_create and (best_any < cfg.new_speaker_threshold or distinct):
                if not commit and self.count:  # provisional: only the very first speaker may appear
                    continue
                result[i] = self._create(embeddings[i], seconds[i])
                taken.add(result[i])
                continue
            if free and best_free >= cfg.new_speaker_threshold:
                result[i] = max(free, key=lambda j: sims[j])
            elif len(sims):
                result[i] = int(sims.argmax())
            if result[i] is not None:
                taken.add(result[i])
        for i in confident if commit else ():
            self._update(result[i], embeddings[i], new_seconds[i])
        return result


@dataclass
class WindowAnalysis:
    """Segmentation and embeddings of one analysis window (what the tracker decides from)."""

    activity: np.ndarray  # (frames, local speakers) 0/1
    frame_times: np.ndarray  # stream seconds of each frame's centre
    alone: np.ndarray  # activity where exactly one local speaker is active ("clean" frames)
    clean_seconds: np.ndarray  # clean speech per local speaker
    embeddable: list[int]  # local speakers with at least min_embedding_s of clean speech
    embeddings: np.ndarray  # (len(embeddable), dimension), L2-normalised


def analyse_window(
    engine: Engine, audio: np.ndarray, window_start: int, min_embedding_s: float
) -> WindowAnalysis:
    """Segment a window starting at stream sample ``window_start``; embed its local speakers that have
    ``min_embedding_s`` of clean speech, each pooled over exactly its clean frames."""
    activity = engine.segment(audio)  # (frames, locals)
    grid = engine.frame_grid
    frame_times = window_start / SAMPLE_RATE + grid.first_center + grid.step * np.arange(len(activity))
    alone = activity * (activity.sum(axis=1, keepdims=True) == 1)
    clean_seconds = alone.sum(axis=0) * grid.step
    embeddable = [k for k in range(activity.shape[1]) if clean_seconds[k] >= min_embedding_s]
    embeddings = engine.embed(audio, alone[:, embeddable].T) if embeddable else np.zeros((0, 0), np.float32)
    return WindowAnalysis(activity, frame_times, alone, clean_seconds, embeddable, embeddings)


@dataclass
class WindowRecord:
    """What one committed window decided, kept for re-clustering and revisions."""

    end: int  # stream sample where the window ends
    write_from: int  # stream sample from which this window wrote labels (the earlier coverage)
    embeddings: np.ndarray  # (embeddable locals, dimension)
    seconds: np.ndarray  # clean speech behind each embedding
    clean_frames: list[np.ndarray]  # per embedding, its clean frames (stream time / frame step)
    speakers: np.ndarray  # session speaker of each embedding (as decided, then as revised)
    locals: list[int]  # local speaker index of each embedding
    mapping: np.ndarray  # session speaker of every local speaker (-1: none)
    activity: np.ndarray | None  # kept while inside the revision horizon, to rewrite labels
    frame_times: np.ndarray | None


def weighted_centre(embeddings: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The unit direction of embeddings weighted by their seconds of speech."""
    total = embeddings.T @ seconds
    return total / max(float(np.linalg.norm(total)), 1e-9)


def recluster(
    embeddings: np.ndarray, seconds: np.ndarray, current: np.ndarray, groups: np.ndarray, threshold: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cluster all embeddings again and map the clusters onto the current speaker ids.

    Average-linkage agglomerative clustering on cosine distance, cut where the average similarity
    between two clusters falls below ``threshold``. Each cluster takes the current speaker that has
    most of its speech (an optimal one-to-one assignment), so a speaker keeps its id. Returns the
    new speaker of every embedding, -1 for embeddings of clusters that no current speaker owns (a
    voice the online decisions missed: the caller decides whether it founds a speaker), and those
    orphan clusters as arrays of indices. Embeddings of one window (same ``groups`` value) are
    different people: if two of them land on one speaker, the one with less speech keeps its id.
    """
    count = len(embeddings)
    if count < 2:
        return current.copy(), []
    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    clusters = fcluster(tree, t=1.0 - threshold, criterion="distance") - 1
    speakers = sorted({int(c) for c in current if c >= 0})
    overlap = np.zeros((clusters.max() + 1, max(len(speakers), 1)))
    for i in range(count):
        if current[i] >= 0:
            overlap[clusters[i], speakers.index(int(current[i]))] += seconds[i]
    rows, cols = linear_sum_assignment(-overlap)
    owner = {int(r): speakers[c] for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0}
    result = np.array([owner.get(int(c), -1) for c in clusters], dtype=np.int64)
    orphans = [np.flatnonzero(clusters == c) for c in range(clusters.max() + 1) if c not in owner]
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        for speaker in {int(result[m]) for m in members if result[m] >= 0}:
            same = [m for m in members if result[m] == speaker]
            for m in sorted(same, key=lambda m: -seconds[m])[1:]:
                result[m] = current[m]
    return result, orphans


def speaker_id(index: int) -> str:
    return f"S{index + 1}"


class SpeakerTracker:
    """One session's speaker timeline; see the module docstring."""

    def __init__(self, engine: Engine, config: SpeakersConfig) -> None:
        self.engine = engine
        self.config = config
        self.clusters = OnlineClusters(config)
        self.window_samples = int(config.window_s * SAMPLE_RATE)
        self.step_samples = int(config.step_s * SAMPLE_RATE)
        self._audio = np.zeros(0, dtype=np.float32)
        self._audio_start = 0  # stream sample index of self._audio[0]
        self._labels = np.zeros(0, dtype=np.int16)  # session speaker index per cell, -1 unknown
        self._labels_start = 0  # cell index of self._labels[0]
        self.covered = 0  # stream samples analysed so far
        self._history: deque[WindowRecord] = deque()  # committed windows of recluster_history_s
        self.revision = 0  # incremented whenever re-clustering rewrites labels
        self._held_before_history: set[int] = set()  # speakers with windows older than the history

    @property
    def received(self) -> int:
        return self._audio_start + len(self._audio)

    @property
    def labels_version(self) -> tuple[int, int]:
        """Changes whenever settled labels may have changed: a committed window, or a revision."""
        return (self.covered, self.revision)

    def push(self, samples: np.ndarray) -> None:
        """Append stream audio (everything, speech or not)."""
        self._audio = np.concatenate([self._audio, samples])
        keep_from = max(0, min(self.covered, self.received) - self.window_samples)
        if keep_from > self._audio_start:
            self._audio = self._audio[keep_from - self._audio_start :]
            self._audio_start = keep_from

    def advance(self, until: int | None = None) -> None:
        """Run the committed windows: those ending on the ``step_s`` grid, up to what was pushed
        (or up to stream sample ``until``, when the caller pushes ahead of its own clock)."""
        limit = self.received if until is None else min(until, self.received)
        while self.covered + self.step_samples <= limit:
            self._analyse(self.covered + self.step_samples, commit=True)

    def advance_to(self, end_sample: int) -> None:
        """Labels up to ``end_sample`` now: committed windows, then a provisional one for the rest.

        The provisional window labels the audio past the grid with the current speakers (it
        creates and moves none); the next committed window relabels that audio. So the session's
        speakers evolve the same way whatever the utterance timing, and a caption need not wait
        for the grid.
        """
        self.advance(until=end_sample)
        end_sample = min(end_sample, self.received)
        if end_sample > self.covered:
            self._analyse(end_sample, commit=False)

    def _analyse(self, window_end: int, commit: bool) -> None:
        # A provisional window only needs context for the audio past the grid: half a window.
        # Windows keep fixed lengths (zeros before the stream's first sample): the models run
        # much faster on input shapes they have seen before.
        span = self.window_samples if commit else max(self.window_samples // 2, window_end - self.covered)
        window_start = window_end - span
        available_from = max(self._audio_start, window_start)
        audio = self._audio[available_from - self._audio_start : window_end - self._audio_start]
        if available_from > window_start:
            audio = np.concatenate([np.zeros(available_from - window_start, dtype=np.float32), audio])
        window = analyse_window(self.engine, audio, window_start, self.config.min_embedding_s)
        activity, frame_times, clean_seconds = window.activity, window.frame_times, window.clean_seconds
        mapping = np.full(activity.shape[1], -1, dtype=np.int64)

        embeddable = window.embeddable
        unseen = frame_times >= self.covered / SAMPLE_RATE
        unseen_seconds = window.alone[unseen].sum(axis=0) * self.engine.frame_grid.step
        if embeddable:
            # an embedding moves its centroid only when backed by update_min_s of clean speech
            weights = [
                float(unseen_seconds[k]) if clean_seconds[k] >= self.config.update_min_s else 0.0
                for k in embeddable
            ]
            assigned = self.clusters.assign(
                window.embeddings, [float(clean_seconds[k]) for k in embeddable], weights, commit=commit
            )
            for k, j in zip(embeddable, assigned, strict=True):
                if j is not None:
                    mapping[k] = j

        # Local speakers without an embedding inherit their label from the overlap with earlier windows.
        already = frame_times < self.covered / SAMPLE_RATE
        for k in np.flatnonzero(mapping < 0):
            frames = np.flatnonzero(already & (activity[:, k] > 0))
            if len(frames):
                previous = self._labels_at(frame_times[frames])
                previous = previous[previous >= 0]
                if len(previous):
                    mapping[k] = np.bincount(previous).argmax()

        if commit:
            assigned_embeddable = mapping[embeddable] if embeddable else np.zeros(0, np.int64)
            record = WindowRecord(
                end=window_end,
                write_from=self.covered,
                embeddings=window.embeddings if embeddable else np.zeros((0, 0), np.float32),
                seconds=np.array([float(clean_seconds[k]) for k in embeddable]),
                clean_frames=[
                    np.round(frame_times[window.alone[:, k] > 0] / self.engine.frame_grid.step).astype(
                        np.int64
                    )
                    for k in embeddable
                ],
                speakers=assigned_embeddable.copy(),
                locals=list(embeddable),
                mapping=mapping.copy(),
                activity=activity,
                frame_times=frame_times,
            )
        self._write_labels(self.covered, window_end, activity, frame_times, mapping)
        if commit:
            self.covered = window_end
            self._history.append(record)
            if self.config.recluster:
                self._recluster()

    def _recluster(self) -> None:
        """Re-cluster the history's embeddings; rewrite the labels of the horizon where they moved."""
        cfg = self.config
        while self._history and self._history[0].end < self.covered - cfg.recluster_history_s * SAMPLE_RATE:
            self._held_before_history.update(int(j) for j in self._history.popleft().speakers if j >= 0)
        horizon = self.covered - cfg.revision_horizon_s * SAMPLE_RATE
        for record in self._history:
            if record.end < horizon:
                record.activity = record.frame_times = None
        records = [r for r in self._history if len(r.speakers)]
        if len(records) < 2:
            return
        embeddings = np.concatenate([r.embeddings for r in records])
        seconds = np.concatenate([r.seconds for r in records])
        clean_frames = [frames for r in records for frames in r.clean_frames]
        current = np.concatenate([r.speakers for r in records])
        groups = np.concatenate([np.full(len(r.speakers), n) for n, r in enumerate(records)])
        revised, orphans = recluster(embeddings, seconds, current, groups, cfg.recluster_threshold)
        # An orphan cluster is a voice the online decisions folded into others. Re-clustering already
        # set it apart from every voice of the history; it founds a speaker when it is also far
        # from the speakers the history no longer holds, and backed by onboard_min_s of speech.
        owned = {int(r) for r in revised if r >= 0}
        absent = [j for j in range(self.clusters.count) if j not in owned]
        for members in orphans:
            revised[members] = current[members]
            centre = weighted_centre(embeddings[members], seconds[members])
            nearest_absent = float((self.clusters.centroids()[absent] @ centre).max()) if absent else -1.0
            if (
                self.clusters.count < cfg.max_speakers
                and len(np.unique(groups[members])) >= 2  # seen alike by two windows, not one's mix
                and self._speech_seconds([clean_frames[m] for m in members]) >= cfg.onboard_min_s
                and nearest_absent < cfg.new_speaker_threshold
            ):
                revised[members] = self.clusters._create(centre, float(seconds[members].sum()))
        self._dissolve_unconfirmed(revised, embeddings, seconds, groups, records)
        changed = np.flatnonzero(revised != current)
        if not len(changed):
            return
        involved = {int(current[i]) for i in changed} | {int(revised[i]) for i in changed}
        for speaker in involved - {-1}:
            members = revised == speaker
            self.clusters.replace(
                speaker, embeddings[members].T @ seconds[members], float(seconds[members].sum())
            )
        offset, rewritten = 0, False
        for record in records:
            mine = revised[offset : offset + len(record.speakers)]
            offset += len(record.speakers)
            moved = mine != record.speakers
            if not moved.any():
                continue
            record.speakers = mine.copy()
            for local, speaker in zip(record.locals, mine, strict=True):
                record.mapping[local] = speaker
            if record.activity is not None and record.frame_times is not None:
                self._write_labels(
                    record.write_from,
                    record.end,
                    record.activity,
                    record.frame_times,
                    record.mapping,
                    overwrite=True,
                )
                rewritten = True
        if rewritten:
            self.revision += 1

    def _labels_at(self, times: np.ndarray) -> np.ndarray:
        cells = (times * SAMPLE_RATE / CELL_SAMPLES).astype(np.int64) - self._labels_start
        inside = (cells >= 0) & (cells < len(self._labels))
        out = np.full(len(times), -1, dtype=np.int64)
        out[inside] = self._labels[cells[inside]]
        return out

    def _dissolve_unconfirmed(
        self,
        revised: np.ndarray,
        embeddings: np.ndarray,
        seconds: np.ndarray,
        groups: np.ndarray,
        records: list[WindowRecord],
    ) -> None:
        """A speaker that only one window ever held, once the windows after it (which hear the same
        audio) have all disagreed, was founded from a mixture (the first window of a call may pool
        two voices): its embeddings go to the most similar other speaker, when that one is at least
        ``new_speaker_threshold`` alike (a real voice heard once stays far from everyone)."""
        settled = self.covered - self.window_samples
        for speaker in np.unique(revised[revised >= 0]):
            members = np.flatnonzero(revised == speaker)
            windows = set(groups[members].tolist())
            if len(windows) != 1 or records[next(iter(windows))].end > settled:
                continue
            if int(speaker) in self._held_before_history:  # confirmed long ago
                continue
            others = [int(o) for o in np.unique(revised[revised >= 0]) if o != speaker]
            if not others:
                continue
            centre = weighted_centre(embeddings[members], seconds[members])
            similarity = {}
            for other in others:
                mine = revised == other
                similarity[other] = float(centre @ weighted_centre(embeddings[mine], seconds[mine]))
            nearest = max(similarity, key=lambda other: similarity[other])
            if similarity[nearest] >= self.config.new_speaker_threshold:
                revised[members] = nearest

    def _speech_seconds(self, frames: list[np.ndarray]) -> float:
        """Seconds of audio behind embeddings whose windows overlap (each frame counted once)."""
        return len(np.unique(np.concatenate(frames))) * self.engine.frame_grid.step

    def _write_labels(
        self,
        write_from: int,
        window_end: int,
        activity: np.ndarray,
        frame_times: np.ndarray,
        mapping: np.ndarray,
        overwrite: bool = False,
    ) -> None:
        """Labels of stream samples [write_from, window_end) from a window's activity; ``overwrite``
        rewrites them in place (a revision) instead of replacing everything from ``write_from`` on."""
        first_cell = write_from // CELL_SAMPLES
        last_cell = -(-window_end // CELL_SAMPLES)
        cell_times = (np.arange(first_cell, last_cell) + 0.5) * CELL_SAMPLES / SAMPLE_RATE
        step = frame_times[1] - frame_times[0] if len(frame_times) > 1 else 1.0
        frames = np.clip(
            np.round((cell_times - frame_times[0]) / step).astype(np.int64), 0, len(frame_times) - 1
        )
        active = activity[frames] > 0  # (cells, locals)
        # Where several local speakers are active, prefer the one most present in the window.
        order = np.argsort(-activity.sum(axis=0))
        labels = np.full(len(frames), -1, dtype=np.int16)
        for k in order[::-1]:
            if mapping[k] >= 0:
                labels[active[:, k]] = mapping[k]
        if overwrite:
            self._overwrite(first_cell, labels)
        else:
            self._store(first_cell, labels)

    def _overwrite(self, first_cell: int, labels: np.ndarray) -> None:
        start = first_cell - self._labels_start
        begin, end = max(start, 0), min(start + len(labels), len(self._labels))
        if end > begin:
            self._labels[begin:end] = labels[begin - start : end - start]

    def _store(self, first_cell: int, labels: np.ndarray) -> None:
        end_cell = self._labels_start + len(self._labels)
        if first_cell > end_cell:
            labels = np.concatenate([np.full(first_cell - end_cell, -1, dtype=np.int16), labels])
        elif first_cell < end_cell:
            self._labels = self._labels[: first_cell - self._labels_start]
        self._labels = np.concatenate([self._labels, labels.astype(np.int16)])
        excess = len(self._labels) - int(TIMELINE_KEEP_S * SAMPLE_RATE / CELL_SAMPLES)
        if excess > 0:
            self._labels = self._labels[excess:]
            self._labels_start += excess

    def speaker_between(self, start: float, end: float, search_s: float = 1.0) -> int | None:
        """The session speaker most active in [start, end] seconds (nearest within ``search_s`` if none)."""
        first = int(start * SAMPLE_RATE / CELL_SAMPLES) - self._labels_start
        last = int(np.ceil(end * SAMPLE_RATE / CELL_SAMPLES)) - self._labels_start
        span = self._labels[max(first, 0) : max(last, first + 1, 0)]
        span = span[span >= 0]
        if len(span):
            return int(np.bincount(span).argmax())
        reach = int(search_s * SAMPLE_RATE / CELL_SAMPLES)
        for distance in range(1, reach + 1):
            for cell in (first - distance, last - 1 + distance):
                if 0 <= cell < len(self._labels) and self._labels[cell] >= 0:
                    return int(self._labels[cell])
        return None
