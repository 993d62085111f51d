"""One language per session: decided over the first seconds of speech, kept, switched only on
strong, sustained evidence (pure logic: no model, socket or clock).

Whisper detects a language per decode from the first tokens' probabilities; over a short
utterance ("Oui.", "Bonjour") that guess flips between languages (a Dutch two-speaker clip got
finals in 8 languages). A :class:`LanguageTracker` instead pools Whisper's language probabilities
over the session's utterances, each weighted by its length in seconds, and:

1. while fewer than ``asr.language_detect_s`` seconds of speech have been heard, the language with
   the most pooled probability is *provisional* (the decodes use it);
2. at ``asr.language_detect_s`` seconds the pooled top language is *detected*, and kept;
3. after that, it *switches* only when consecutive utterances of at least
   ``asr.language_min_utterance_s`` each name one other language as their top language with
   probability >= ``asr.language_switch_probability``, for ``asr.language_switch_s`` seconds of
   speech in all (a speaker who really switches); any other utterance of that length ends the run.
   ``language_switch_s: null``: never switch (no detection at all once detected).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from parley.config import AsrConfig

Reason = Literal["provisional", "detected", "switched"]


@dataclass(frozen=True)
class LanguageChange:
    """The session's language is now ``language``: why, how sure, over how much speech."""

    language: str
    probability: float  # pooled probability share (provisional, detected) or the run's lowest (switched)
    speech_s: float  # seconds of speech the evidence covers
    reason: Reason


class LanguageTracker:
    """The language of one session, from per-utterance language probabilities."""

    def __init__(self, config: AsrConfig) -> None:
        self.config = config
        self.language: str | None = None
        self.decided = False
        self._pooled: dict[str, float] = {}  # language -> sum of duration x probability
        self._speech_s = 0.0
        self._run: str | None = None  # the other language of a run of strong utterances
        self._run_s = 0.0
        self._run_probability = 1.0

    def wants(self, duration: float) -> bool:
        """Whether an utterance of ``duration`` seconds is worth a language detection."""
        if not self.decided:
            return duration > 0
        return self.config.language_switch_s is not None and duration >= self.config.language_min_utterance_s

    def observe(self, duration: float, probabilities: dict[str, float]) -> LanguageChange | None:
        """Whisper's language probabilities for an utterance of ``duration`` seconds; returns what
        changed, if anything."""
        if duration <= 0 or not probabilities:
            return None
        if not self.decided:
            return self._pool(duration, probabilities)
        return self._maybe_switch(duration, probabilities)

    def _pool(self, duration: float, probabilities: dict[str, float]) -> LanguageChange | None:
        for language, probability in probabilities.items():
            self._pooled[language] = self._pooled.get(language, 0.0) + duration * probability
        self._speech_s += duration
        best = max(self._pooled, key=lambda language: self._pooled[language])
        share = round(self._pooled[best] / self._speech_s, 3)
        speech = round(self._speech_s, 3)
        if self._speech_s >= self.config.language_detect_s:
            self.decided, self.language = True, best
            self._pooled.clear()  # not needed any more (bounded: one entry per Whisper language)
            return LanguageChange(best, share, speech, "detected")
        if best != self.language:
            self.language = best
            return LanguageChange(best, share, speech, "provisional")
        return None

    def _maybe_switch(self, duration: float, probabilities: dict[str, float]) -> LanguageChange | None:
        cfg = self.config
        if cfg.language_switch_s is None or duration < cfg.language_min_utterance_s:
            return None  # too short to say anything either way
        top = max(probabilities, key=lambda language: probabilities[language])
        probability = probabilities[top]
        if top == self.language or probability < cfg.language_switch_probability:
            self._run, self._run_s = None, 0.0
            return None
        if top != self._run:
            self._run, self._run_s, self._run_probability = top, 0.0, 1.0
        self._run_s += duration
        self._run_probability = min(self._run_probability, probability)
        if self._run_s < cfg.language_switch_s:
            return None
        change = LanguageChange(top, round(self._run_probability, 3), round(self._run_s, 3), "switched")
        self.language, self._run, self._run_s = top, None, 0.0
        return change
