"""Speech recognition of one session's utterances: partial hypotheses and final words.

Partials re-decode the growing utterance greedily; the words two consecutive hypotheses agree on
(the "local agreement" policy of whisper_streaming) are reported as ``stable``. Finals decode the
closed utterance with beam search and word timestamps, then pass Whisper's known failure guards:

* segments Whisper itself scores as non-speech (``no_speech_prob`` high and ``avg_logprob`` low)
  or as repetitive gibberish (``compression_ratio`` high) are dropped;
* near-silent utterances are not decoded at all (Whisper "hears" words in silence);
* the stock phrases Whisper emits on silence and noise ("Thank you.", "Thanks for watching!") are
  dropped unless the decoder was confident they were spoken;
* runs of a repeated word or phrase are cut to at most two occurrences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from parley.config import AsrConfig
from parley.server.engine import SAMPLE_RATE, Engine
from parley.server.language import LanguageChange, LanguageTracker
from parley.server.scheduler import Priority
from parley.server.vad import Utterance

SILENCE_PHRASES = frozenset(
    {
        "thank you",
        "thanks",
        "thank you very much",
        "thanks for watching",
        "thank you for watching",
        "thank you so much for watching",
        "please subscribe",
        "subscribe to my channel",
        "bye",
        "you",
        "oh",
        "so",
        "the end",
        "subtitles by the amaraorg community",
    }
)
SILENCE_PHRASE_MIN_PROBABILITY = 0.75  # a stock phrase must be at least this certain to be kept
MAX_REPEATS = 2
OVERLAP_MAX_WORDS = 4  # how many words a commit's lead-in can repeat
LEAD_IN_MARGIN_S = 0.15  # Whisper's word times are this uncertain around a commit cut


@dataclass
class Word:
    """A recognised word; times are seconds on the stream's sample clock."""

    text: str
    start: float
    end: float
    probability: float
    speaker: str | None = None


@dataclass
class Partial:
    """A hypothesis of the open utterance; ``words[:stable_words]`` were agreed by two hypotheses."""

    words: list[Word]
    stable_words: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def stable(self) -> str:
        return " ".join(w.text for w in self.words[: self.stable_words])

    @property
    def unstable(self) -> str:
        return " ".join(w.text for w in self.words[self.stable_words :])


@dataclass
class FinalTranscript:
    words: list[Word]
    language: str | None
    language_change: LanguageChange | None = None  # the session's language changed with this utterance


def normalise(text: str) -> str:
    """Lower-case, punctuation-free form used to compare words and phrases."""
    return re.sub(r"[^\w\s']", "", text.lower()).replace("'", "").strip()


def drop_repeats(words: list[Word], max_repeats: int = MAX_REPEATS, max_ngram: int = 4) -> list[Word]:
    """Cut any word n-gram (n <= max_ngram) repeated more than ``max_repeats`` times in a row."""
    keys = [normalise(w.text) for w in words]
    kept = list(range(len(words)))
    for n in range(1, max_ngram + 1):
        result: list[int] = []
        i = 0
        while i < len(kept):
            gram = [keys[j] for j in kept[i : i + n]]
            repeats = 1
            if len(gram) == n:
                while [keys[j] for j in kept[i + repeats * n : i + (repeats + 1) * n]] == gram:
                    repeats += 1
            if repeats > max_repeats:
                result.extend(kept[i : i + max_repeats * n])
                i += repeats * n
            else:
                result.append(kept[i])
                i += 1
        kept = result
    return [words[j] for j in kept]


def commit_boundary(partial: Partial, duration: float, audio_end: float, config: AsrConfig) -> int | None:
    """Index of the last word of an open utterance to commit as final now, or None.

    ``duration``: the open utterance's length (s); ``audio_end``: the stream time its audio ends.
    Only words two consecutive hypotheses agreed on are ever committed: a single greedy hypothesis
    of a growing utterance is what one changed token in the decoder turns into other words. The
    cut goes between two words (a next word must follow it): after the last agreed word that ends a
    sentence once the utterance is ``commit_min_s`` long, after any agreed word once it is
    ``commit_force_s`` long, and always with the committed words ending ``commit_tail_s`` before
    ``audio_end``. Committing an unagreed hypothesis at the force point was what cut the sample's
    "Okay, I thought, you know," out of its captions with CTranslate2 4.7+.
    """
    if duration < config.commit_min_s:
        return None
    latest_end = audio_end - config.commit_tail_s
    agreed = min(partial.stable_words, len(partial.words) - 1)
    boundaries = [i for i in range(agreed) if partial.words[i].end <= latest_end]
    sentence_ends = [i for i in boundaries if partial.words[i].text.endswith((".", "?", "!"))]
    if sentence_ends:
        return sentence_ends[-1]
    if boundaries and duration >= config.commit_force_s:
        return boundaries[-1]
    return None


class UtteranceTranscriber:
    """One session's ASR state: language, task and the partial hypothesis of the open utterance."""

    def __init__(
        self,
        engine: Engine,
        config: AsrConfig,
        language: str | None,
        task: str,
        keyterms: tuple[str, ...] = (),
    ) -> None:
        self.engine = engine
        self.config = config
        self.language = language
        self.task = task
        self.english_only = language == "en" and task == "transcribe"
        # key terms: Whisper's hotwords (a decoder prompt before the context), bounded by the protocol.
        # Ending in a full stop: bare "Waldo" made tiny.en drop most punctuation of a 25 s utterance;
        # "Glossary: Waldo." made it invent a sentence there (and a URL after "PIN number." with
        # "Glossary: Comedian Mail."); "Waldo." gave "Waldo's" (without: "while those"), punctuated
        self.hotwords = f"{', '.join(keyterms)}." if keyterms else None
        self._previous_hypothesis: list[str] = []  # normalised words of the last partial
        self._agreed_text = ""  # the words the last two partials agreed on, as Whisper wrote them
        self._detected_language: str | None = None  # Whisper's own guess, before the tracker has one
        self.languages = LanguageTracker(config)  # the session's language, when it detects
        self._context = ""  # the end of the session's caption text, at most context_chars long
        self.committed_until = 0.0  # stream seconds already captioned: earlier words are dropped
        self._committed_tail: list[str] = []  # normalised last words of the last commit

    @property
    def current_language(self) -> str | None:
        """The requested language, else the session's detected one (server/language.py), else (before
        any final) the one Whisper guessed for the last partial."""
        return self.language or self.languages.language or self._detected_language

    def _detect(self, utterance: Utterance) -> LanguageChange | None:
        """Pool this utterance's language probabilities into the session's (when it detects)."""
        if self.language is not None or not self.languages.wants(utterance.duration):
            return None
        probabilities = self.engine.detect_language(utterance.audio, priority=Priority.FINAL)
        assert probabilities is not None  # a FINAL slot is never shed
        return self.languages.observe(utterance.duration, probabilities)

    @property
    def model_name(self) -> str:
        return self.engine.asr_name(self.english_only)

    def _too_quiet(self, audio: np.ndarray) -> bool:
        return float(np.sqrt(np.mean(audio**2))) < self.config.min_speech_rms if len(audio) else True

    def reset(self, carry_over: list[Word] | None = None) -> None:
        """Forget the partial hypothesis; ``carry_over``: words after a commit, still to be agreed."""
        self._previous_hypothesis = [normalise(w.text) for w in carry_over or []]
        self._agreed_text = ""

    def partial(self, utterance: Utterance) -> Partial | None:
        """A greedy hypothesis of the open utterance, with word times; agreed words come first."""
        if self._too_quiet(utterance.audio):
            return None
        # asr.partial_prefix: the agreed words are forced as the decoder's prefix, so only the words
        # after them are generated; not after a commit cut, whose lead-in audio precedes them
        prefix = None
        if (
            self.config.partial_prefix
            and not self.hotwords  # faster-whisper drops hotwords whenever a prefix is given
            and self._agreed_text
            and self.committed_until <= utterance.start / SAMPLE_RATE
        ):
            prefix = self._agreed_text
        words = self._decode(
            utterance,
            Priority.PARTIAL,
            self.config.partial_shed_after_s,
            beam_size=self.config.partial_beam_size,
            temperature=0.0,
            prefix=prefix,
        )
        if words is None:
            return None  # shed: no inference slot in time (counted by the scheduler); the next catches up
        if not words:
            return None
        agreed = 0
        for old, new in zip(self._previous_hypothesis, words, strict=False):
            if old != normalise(new.text):
                break
            agreed += 1
        self._previous_hypothesis = [normalise(w.text) for w in words]
        self._agreed_text = " ".join(w.text for w in words[:agreed])
        return Partial(words, agreed)

    def final(self, utterance: Utterance) -> FinalTranscript:
        """Words of a closed utterance with stream timestamps, after the failure guards."""
        self.reset()
        if self._too_quiet(utterance.audio):
            return FinalTranscript([], self.current_language)
        change = self._detect(utterance)  # before the decode: it decodes in the session's language
        # temperature 0 only: faster-whisper's fallback samples at higher temperatures when a decode
        # fails its guards, and sampling is not reproducible (a process-wide random state shared by
        # every session); such a segment is dropped by the same guards instead. On the sample the
        # fallback never changed a caption (measured: identical finals with and without it).
        words = self._decode(
            utterance, Priority.FINAL, None, beam_size=self.config.beam_size, temperature=0.0
        )
        assert words is not None  # finals wait for their slot, they are never shed
        if words and self._is_silence_phrase(words):
            words = []
        return FinalTranscript(words, self.current_language, change)

    def remember(self, words: list[Word]) -> None:
        """Words that became captions: the prompt context of the next decodes (bounded)."""
        if self.config.context_chars > 0:
            text = (self._context + " " + " ".join(w.text for w in words)).strip()
            self._context = text[-self.config.context_chars :]

    def _decode(
        self, utterance: Utterance, priority: Priority, shed_after_s: float | None, **options: object
    ) -> list[Word] | None:
        """The words of ``utterance`` after the guards; None when the scheduler shed the call."""
        decoded = self.engine.transcribe(
            utterance.audio,
            priority=priority,
            shed_after_s=shed_after_s,
            sized=self.config.sized_encoder == "always"
            or (self.config.sized_encoder == "partials" and priority is Priority.PARTIAL),
            initial_prompt=self._context or None,
            hotwords=self.hotwords,
            english_only=self.english_only,
            language=self.language or self.languages.language,  # None: Whisper detects (first partials)
            task=self.task,
            word_timestamps=True,
            condition_on_previous_text=False,
            no_speech_threshold=self.config.no_speech_threshold,
            log_prob_threshold=self.config.logprob_threshold,
            compression_ratio_threshold=self.config.compression_ratio_threshold,
            **options,
        )
        if decoded is None:
            return None
        segments, info = decoded
        if info is not None and self.language is None and self.languages.language is None:
            self._detected_language = info.language
        offset = utterance.start / SAMPLE_RATE
        duration = utterance.duration
        words: list[Word] = []
        for segment in segments:
            if self._is_junk(segment):
                continue
            for w in segment.words or []:
                text = w.word.strip()
                if not normalise(text):
                    continue  # punctuation alone is no word (Whisper emits ". ." on noise)
                start = offset + min(max(w.start, 0.0), duration)
                end = offset + min(max(w.end, w.start, 0.0), duration)
                if end <= self.committed_until - LEAD_IN_MARGIN_S:
                    continue  # heard in the lead-in before a commit cut: already captioned
                start = max(start, self.committed_until)
                end = max(end, start)
                words.append(Word(text, round(start, 3), round(end, 3), round(float(w.probability), 3)))
        return drop_repeats(self._drop_committed_overlap(words))

    def _drop_committed_overlap(self, words: list[Word]) -> list[Word]:
        """Leading words that repeat the end of the committed caption (heard again in the lead-in)."""
        head = [normalise(w.text) for w in words[:OVERLAP_MAX_WORDS]]
        for n in range(min(len(self._committed_tail), len(head)), 0, -1):
            if head[:n] == self._committed_tail[-n:] and words[n - 1].start < self.committed_until + 0.5:
                return words[n:]
        return words

    def commit(self, words: list[Word], until: float) -> None:
        """Words captioned from the open utterance, whose audio ends at ``until`` stream seconds."""
        self.committed_until = until
        self._committed_tail = [normalise(w.text) for w in words[-OVERLAP_MAX_WORDS:]]

    def _is_junk(self, segment: object) -> bool:
        no_speech = getattr(segment, "no_speech_prob", 0.0) > self.config.no_speech_threshold
        unsure = getattr(segment, "avg_logprob", 0.0) < self.config.logprob_threshold
        repetitive = getattr(segment, "compression_ratio", 0.0) > self.config.compression_ratio_threshold
        return (no_speech and unsure) or repetitive

    @staticmethod
    def _is_silence_phrase(words: list[Word]) -> bool:
        phrase = normalise(" ".join(w.text for w in words))
        confidence = min(w.probability for w in words)
        return phrase in SILENCE_PHRASES and confidence < SILENCE_PHRASE_MIN_PROBABILITY
