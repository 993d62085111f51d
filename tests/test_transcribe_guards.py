"""Whisper's failure guards and caption assembly, as pure logic (no model).

``parley.server.transcribe``: repeated n-gram runs, text normalisation, stock phrases Whisper emits
on silence, and the words a commit's lead-in hears again. ``parley.server.captions``: words ->
speakers -> turns -> text. The few tests that go through ``_decode`` use a stub in place of the
engine, returning canned Whisper segments.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from parley.config import AsrConfig
from parley.server.captions import SHORT_ISLAND_S, attribute_words, caption_text, split_turns
from parley.server.language import LanguageChange, LanguageTracker
from parley.server.transcribe import (
    LEAD_IN_MARGIN_S,
    SILENCE_PHRASE_MIN_PROBABILITY,
    Partial,
    UtteranceTranscriber,
    Word,
    commit_boundary,
    drop_repeats,
    normalise,
)
from parley.server.vad import Utterance


def words(text: str, start: float = 0.0, step: float = 0.3, probability: float = 0.9) -> list[Word]:
    """One Word per whitespace-separated token, ``step`` seconds apart, each 0.2 s long."""
    return [
        Word(token, round(start + i * step, 3), round(start + i * step + 0.2, 3), probability)
        for i, token in enumerate(text.split())
    ]


def texts(ws: list[Word]) -> list[str]:
    return [w.text for w in ws]


# --- drop_repeats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the the the the the end", "the the end"),
        ("I think I think I think I think so", "I think I think so"),
        ("a b c a b c a b c a b c", "a b c a b c"),
        ("one two three four one two three four one two three four end", "one two three four " * 2 + "end"),
        ("Yes, yes. Yes! YES no", "Yes, yes. no"),  # compared after normalise(), first ones kept
        ("go go go stop go go go", "go go stop go go"),  # each run is cut on its own
    ],
)
def test_drop_repeats_cuts_runs_to_two(text: str, expected: str) -> None:
    """A word or phrase (up to 4 words) repeated more than twice in a row is cut to two occurrences,
    keeping the first ones (their original text and times) in order."""
    ws = words(text)
    kept = drop_repeats(ws)
    assert texts(kept) == expected.split()
    assert all(any(k is w for w in ws) for k in kept)  # the same Word objects, not copies
    assert [k.start for k in kept] == sorted(k.start for k in kept)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no no",  # two in a row is allowed
        "I said no no and then no no",
        "a b a c a d a",
        "one two three four five one two three four five one two three four five",  # 5-grams: not cut
    ],
)
def test_drop_repeats_leaves_non_repeats_untouched(text: str) -> None:
    """Text without a run of more than two (n <= 4)-grams comes back unchanged."""
    ws = words(text)
    assert drop_repeats(ws) == ws


def test_drop_repeats_max_repeats_parameter() -> None:
    assert texts(drop_repeats(words("la la la la"), max_repeats=1)) == ["la"]
    assert texts(drop_repeats(words("la la la la"), max_repeats=3)) == ["la", "la", "la"]


# --- normalise and the silence phrases ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("  Don't STOP.  ", "dont stop"),
        ("Thank you.", "thank you"),
        ("Subtitles by the Amara.org community", "subtitles by the amaraorg community"),
        ("Café", "café"),
        ("...", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    """Lower case, no punctuation, apostrophes removed, surrounding space stripped."""
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "probability", "dropped"),
    [
        ("Thank you.", 0.5, True),
        ("Thanks for watching!", 0.3, True),
        ("Subtitles by the Amara.org community", 0.6, True),
        ("you", 0.2, True),
        ("Thank you.", SILENCE_PHRASE_MIN_PROBABILITY, False),  # confident enough: spoken
        ("Thank you.", 0.95, False),
        ("Thank you for coming.", 0.3, False),  # not a stock phrase
        ("Thank", 0.3, False),
    ],
)
def test_is_silence_phrase(text: str, probability: float, dropped: bool) -> None:
    """A stock phrase is treated as hallucinated unless every word is at least
    ``SILENCE_PHRASE_MIN_PROBABILITY`` certain; other phrases never are."""
    assert UtteranceTranscriber._is_silence_phrase(words(text, probability=probability)) is dropped


def test_is_silence_phrase_uses_the_least_certain_word() -> None:
    ws = words("Thank you.", probability=0.99)
    ws[1].probability = 0.4
    assert UtteranceTranscriber._is_silence_phrase(ws)


# --- commit overlap ---------------------------------------------------------------------------------


@pytest.fixture
def transcriber() -> UtteranceTranscriber:
    return UtteranceTranscriber(engine=None, config=AsrConfig(), language="en", task="transcribe")  # type: ignore[arg-type]


def test_nothing_dropped_before_any_commit(transcriber: UtteranceTranscriber) -> None:
    ws = words("we went home", start=0.0)
    assert transcriber._drop_committed_overlap(ws) == ws


@pytest.mark.parametrize(
    ("text", "start", "kept"),
    [
        ("home and then", 4.9, "and then"),  # the last committed word heard again
        ("went home. And then", 4.6, "And then"),  # the last two (punctuation and case ignored)
        ("we went home and", 4.3, "and"),  # the whole committed tail
        ("and then", 4.9, "and then"),  # no overlap
        ("home sweet home", 5.6, "home sweet home"),  # too late after the cut: said again
        ("went away", 4.9, "went away"),  # must match the *end* of the commit
    ],
)
def test_drop_committed_overlap(
    transcriber: UtteranceTranscriber, text: str, start: float, kept: str
) -> None:
    """After ``commit(words, until)``, leading words that repeat the end of the committed words and
    start before ``until + 0.5`` s are dropped; anything else is kept."""
    transcriber.commit(words("so we went home.", start=3.5), until=5.0)
    assert transcriber.committed_until == 5.0
    assert texts(transcriber._drop_committed_overlap(words(text, start=start))) == kept.split()


def test_commit_replaces_the_previous_tail(transcriber: UtteranceTranscriber) -> None:
    """Only the latest commit's words are matched."""
    transcriber.commit(words("we went home", start=3.0), until=4.0)
    transcriber.commit(words("and then slept", start=5.0), until=6.0)
    assert texts(transcriber._drop_committed_overlap(words("home again", start=5.9))) == ["home", "again"]
    assert texts(transcriber._drop_committed_overlap(words("slept well", start=5.9))) == ["well"]


class StubEngine:
    """Returns canned Whisper segments (word times relative to the utterance start)."""

    def __init__(self, segments: list[SimpleNamespace]) -> None:
        self.segments = segments

    def transcribe(self, audio: np.ndarray, **options: object):
        return iter(self.segments), SimpleNamespace(language="en")


def segment(*timed: tuple[str, float, float], **scores: float) -> SimpleNamespace:
    """A Whisper segment with these (word, start, end) words; good scores unless overridden."""
    ws = [SimpleNamespace(word=f" {t}", start=s, end=e, probability=0.9) for t, s, e in timed]
    fields = {"no_speech_prob": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.2, **scores}
    return SimpleNamespace(words=ws, **fields)


def test_decode_drops_the_lead_in_after_a_commit() -> None:
    """Words heard in the lead-in before a commit cut (ending before ``until - LEAD_IN_MARGIN_S``) are
    dropped, one straddling the cut is clamped to start at it unless it repeats the committed end, and
    repeats are cut; times are shifted to the stream clock."""
    engine = StubEngine(
        [
            segment(
                ("went", 0.0, 0.3),  # ends at 10.3 < 10.6 - 0.15: lead-in, dropped
                ("home.", 0.35, 0.55),  # ends at 10.55 >= 10.45: kept by time, dropped as an overlap
                ("And", 0.6, 0.8),
                ("no", 0.9, 1.0),
                ("no", 1.0, 1.1),
                ("no", 1.1, 1.2),
                ("way", 1.2, 1.5),
            )
        ]
    )
    transcriber = UtteranceTranscriber(engine, AsrConfig(), "en", "transcribe")  # type: ignore[arg-type]
    transcriber.commit(words("we went home.", start=9.5), until=10.6)
    assert LEAD_IN_MARGIN_S < 0.3
    utterance = Utterance(10 * 16000, np.full(2 * 16000, 0.1, np.float32))
    final = transcriber.final(utterance)
    assert texts(final.words) == ["And", "no", "no", "way"]
    assert final.words[0].start == pytest.approx(10.6)
    assert final.words[-1].end == pytest.approx(11.5)


def test_decode_skips_junk_segments_and_silence_phrases() -> None:
    """Segments Whisper scores as non-speech (high no_speech_prob and low avg_logprob) or as
    repetitive are dropped; a final that is only an unsure stock phrase is empty."""
    junk = segment(("music", 0.0, 0.5), no_speech_prob=0.9, avg_logprob=-1.5)
    repetitive = segment(("la", 0.5, 0.7), compression_ratio=3.0)
    confident_silent = segment(("hello", 0.7, 1.0), no_speech_prob=0.9)  # avg_logprob fine: kept
    engine = StubEngine([junk, repetitive, confident_silent])
    transcriber = UtteranceTranscriber(engine, AsrConfig(), "en", "transcribe")  # type: ignore[arg-type]
    utterance = Utterance(0, np.full(16000, 0.1, np.float32))
    assert texts(transcriber.final(utterance).words) == ["hello"]
    thanks = segment(("Thank", 0.0, 0.3), ("you.", 0.3, 0.5))
    for w in thanks.words:
        w.probability = 0.4
    transcriber.engine = StubEngine([thanks])
    assert transcriber.final(utterance).words == []
    quiet = Utterance(0, np.full(16000, 0.001, np.float32))  # below min_speech_rms: not decoded
    transcriber.engine = StubEngine([segment(("hello", 0.0, 0.5))])
    assert transcriber.final(quiet).words == []


def test_partial_reports_agreed_prefix() -> None:
    """Partials: the words two consecutive hypotheses agree on (after normalise) are stable."""
    engine = StubEngine([segment(("We", 0.0, 0.2), ("went", 0.2, 0.4))])
    transcriber = UtteranceTranscriber(engine, AsrConfig(), "en", "transcribe")  # type: ignore[arg-type]
    utterance = Utterance(0, np.full(16000, 0.1, np.float32))
    assert transcriber.partial(utterance).stable_words == 0
    engine.segments = [segment(("we", 0.0, 0.2), ("went", 0.2, 0.4), ("home", 0.4, 0.6))]
    partial = transcriber.partial(utterance)
    assert partial.stable == "we went" and partial.unstable == "home"
    engine.segments = [segment(("we", 0.0, 0.2), ("want", 0.2, 0.4), ("home", 0.4, 0.6))]
    assert transcriber.partial(utterance).stable_words == 1
    transcriber.reset(carry_over=words("we want"))
    assert transcriber.partial(utterance).stable_words == 2


# --- captions ---------------------------------------------------------------------------------------


def timeline(*spans: tuple[float, float, str]):
    """A ``speaker_between`` over (start, end, speaker) spans: the speaker overlapping most, or None."""

    def speaker_between(start: float, end: float) -> str | None:
        best, best_overlap = None, 0.0
        for a, b, who in spans:
            overlap = min(b, end) - max(a, start)
            if overlap > best_overlap:
                best, best_overlap = who, overlap
        return best

    return speaker_between


def test_attribute_words_follows_the_timeline() -> None:
    ws = words("one two three four", step=1.0)
    attribute_words(ws, timeline((0.0, 1.9, "S1"), (1.9, 5.0, "S2")))
    assert [w.speaker for w in ws] == ["S1", "S1", "S2", "S2"]


def test_attribute_words_fills_gaps() -> None:
    """Words without speaker activity take the previous word's speaker; leading ones the first known."""
    ws = words("a b c d e", step=1.0)  # words at 0, 1, 2, 3, 4 s
    attribute_words(ws, timeline((1.0, 1.5, "S2"), (3.0, 3.5, "S1")))
    assert [w.speaker for w in ws] == ["S2", "S2", "S2", "S1", "S1"]


def test_attribute_words_smooths_one_word_islands() -> None:
    """A single short word of another speaker between two runs of one speaker joins them; a word
    of ``SHORT_ISLAND_S`` or longer, or a run of two, keeps its own speaker."""
    ws = words("a b c", step=1.0)
    attribute_words(ws, timeline((0.0, 1.0, "S1"), (1.0, 2.0, "S2"), (2.0, 3.0, "S1")))
    assert [w.speaker for w in ws] == ["S1", "S1", "S1"]

    ws = words("a b c", step=1.0)
    ws[1].end = ws[1].start + SHORT_ISLAND_S
    attribute_words(ws, timeline((0.0, 1.0, "S1"), (1.0, 2.0, "S2"), (2.0, 3.0, "S1")))
    assert [w.speaker for w in ws] == ["S1", "S2", "S1"]

    ws = words("a b c d", step=1.0)
    attribute_words(ws, timeline((0.0, 1.0, "S1"), (1.0, 3.0, "S2"), (3.0, 4.0, "S1")))
    assert [w.speaker for w in ws] == ["S1", "S2", "S2", "S1"]


def test_attribute_words_without_any_speaker() -> None:
    ws = words("nobody is labelled")
    attribute_words(ws, lambda start, end: None)
    assert [w.speaker for w in ws] == [None, None, None]
    attribute_words([], lambda start, end: "S1")  # no words: nothing to do


def test_split_turns_and_caption_text() -> None:
    """Turns are maximal runs of one speaker, in order; the caption text joins the words."""
    ws = words("hi there hello yes ok")
    for w, who in zip(ws, ["S1", "S1", "S2", "S1", "S1"], strict=True):
        w.speaker = who
    turns = split_turns(ws)
    assert [caption_text(t) for t in turns] == ["hi there", "hello", "yes ok"]
    assert [t[0].speaker for t in turns] == ["S1", "S2", "S1"]
    assert [w for t in turns for w in t] == ws
    assert split_turns([]) == []
    assert caption_text([]) == ""


# --- commit points ------------------------------------------------------------------------------

COMMIT = AsrConfig(commit_min_s=2.0, commit_force_s=4.5, commit_tail_s=0.6)


def committed(text: str, agreed: int, duration: float, audio_end: float) -> str | None:
    """The words :func:`commit_boundary` commits of a hypothesis (one word every 0.3 s from 0)."""
    hypothesis = words(text)
    last = commit_boundary(Partial(hypothesis, agreed), duration, audio_end, COMMIT)
    return None if last is None else " ".join(texts(hypothesis[: last + 1]))


def test_commit_at_the_last_agreed_sentence_end() -> None:
    # 8 words, ending at 2.3 s; all agreed: the cut goes after "there."
    assert (
        committed("so we went. out there. and then", 8, duration=3.0, audio_end=3.0)
        == "so we went. out there."
    )
    # only the first 3 agreed: "there." is not, so the cut goes after "went."
    assert committed("so we went. out there. and then", 3, duration=3.0, audio_end=3.0) == "so we went."


def test_no_commit_before_commit_min_s_nor_into_the_tail() -> None:
    assert committed("so we went. out there. and then", 8, duration=1.9, audio_end=3.0) is None
    # audio ends at 1.8 s: only words ending by 1.2 s ("went." ends at 0.8) may go
    assert committed("so we went. out there. and then", 8, duration=2.0, audio_end=1.8) == "so we went."


def test_forced_commit_takes_agreed_words_only() -> None:
    """Past commit_force_s without a sentence end, the cut goes after the last *agreed* word; with
    nothing agreed nothing is committed (a lone hypothesis is what one changed token rewrites)."""
    text = "and then we all went out for a walk"
    assert committed(text, 5, duration=5.0, audio_end=5.0) == "and then we all went"
    assert committed(text, 0, duration=5.0, audio_end=5.0) is None
    assert committed(text, 5, duration=4.4, audio_end=5.0) is None  # not yet forced
    # agreed words never include the last one: a next word must follow the cut
    assert committed("one two three", 3, duration=5.0, audio_end=5.0) == "one two"


# --- one language per session (server/language.py) --------------------------------------------------


def probs(**languages: float) -> dict[str, float]:
    return dict(languages)


def test_language_is_pooled_over_seconds_of_speech_then_kept() -> None:
    """Short utterances weigh by their seconds: a 0.5 s "it" does not outvote 2 s of "fr"; the pooled
    top language is provisional until asr.language_detect_s of speech, then decided."""
    tracker = LanguageTracker(AsrConfig(language_detect_s=5.0))
    first = tracker.observe(0.5, probs(it=0.9, fr=0.1))
    assert first == LanguageChange("it", 0.9, 0.5, "provisional")
    second = tracker.observe(2.0, probs(fr=0.8, it=0.2))  # fr 1.65 s vs it 0.85 s
    assert second == LanguageChange("fr", 0.66, 2.5, "provisional")
    assert tracker.observe(1.0, probs(fr=0.5, de=0.5)) is None  # still fr: nothing new to say
    assert not tracker.decided
    decided = tracker.observe(1.5, probs(de=0.6, fr=0.4))
    assert decided is not None and (decided.language, decided.reason, decided.speech_s) == (
        "fr",
        "detected",
        5.0,
    )
    assert tracker.decided and tracker.language == "fr"


def test_language_switches_only_on_strong_sustained_evidence() -> None:
    cfg = AsrConfig(
        language_detect_s=1.0,
        language_switch_s=6.0,
        language_switch_probability=0.9,
        language_min_utterance_s=1.5,
    )
    tracker = LanguageTracker(cfg)
    assert tracker.observe(2.0, probs(fr=0.9)).reason == "detected"  # type: ignore[union-attr]
    assert not tracker.wants(1.0) and tracker.wants(1.5)
    assert tracker.observe(4.0, probs(ru=0.95)) is None  # 4 s of strong ru: not yet
    assert tracker.observe(1.0, probs(fr=0.99)) is None  # too short to count either way
    assert tracker.observe(3.0, probs(ru=0.85)) is None  # weak: the run ends
    assert tracker.observe(4.0, probs(ru=0.95)) is None
    assert tracker.observe(2.0, probs(fr=0.7)) is None  # the session's own language: the run ends
    assert tracker.observe(4.0, probs(ru=0.95)) is None
    assert tracker.observe(2.0, probs(it=0.95)) is None  # another language: a new run
    assert tracker.language == "fr"
    assert tracker.observe(4.0, probs(it=0.92)) == LanguageChange("it", 0.92, 6.0, "switched")
    assert tracker.language == "it"


def test_language_never_switches_without_switch_s() -> None:
    tracker = LanguageTracker(AsrConfig(language_detect_s=1.0, language_switch_s=None))
    tracker.observe(2.0, probs(fr=0.9))
    assert not tracker.wants(30.0)
    assert tracker.observe(30.0, probs(ru=1.0)) is None and tracker.language == "fr"


class DetectingEngine(StubEngine):
    """A stub that answers language detection with canned probabilities and records decode languages."""

    def __init__(self, segments: list[SimpleNamespace], detections: list[dict[str, float]]) -> None:
        super().__init__(segments)
        self.detections = detections
        self.decoded: list[object] = []
        self.detected = 0

    def detect_language(self, audio: np.ndarray, **options: object) -> dict[str, float]:
        self.detected += 1
        return self.detections.pop(0)

    def transcribe(self, audio: np.ndarray, **options: object):
        self.decoded.append(options.get("language"))
        return iter(self.segments), SimpleNamespace(language=options.get("language") or "en")


def test_a_detecting_transcriber_decodes_in_the_session_language() -> None:
    """language null: each final's utterance is detected first, the decode uses the pooled language,
    finals carry it; with a requested language nothing is detected."""
    engine = DetectingEngine([segment(("oui", 0.0, 0.3))], [probs(fr=0.9), probs(it=0.6, fr=0.4)])
    transcriber = UtteranceTranscriber(engine, AsrConfig(language_detect_s=10.0), None, "transcribe")  # type: ignore[arg-type]
    utterance = Utterance(0, np.full(2 * 16000, 0.1, np.float32))
    first = transcriber.final(utterance)
    assert first.language == "fr" and first.language_change == LanguageChange("fr", 0.9, 2.0, "provisional")
    short = Utterance(3 * 16000, np.full(8000, 0.1, np.float32))  # 0.5 s of "it": fr stays
    second = transcriber.final(short)
    assert (second.language, second.language_change) == ("fr", None)
    assert engine.decoded == ["fr", "fr"]
    fixed = DetectingEngine([segment(("oui", 0.0, 0.3))], [])
    french = UtteranceTranscriber(fixed, AsrConfig(), "fr", "transcribe")  # type: ignore[arg-type]
    assert french.final(utterance).language == "fr" and fixed.detected == 0 and fixed.decoded == ["fr"]


def test_keyterms_become_whispers_hotwords() -> None:
    engine = DetectingEngine([segment(("Sibelius", 0.0, 0.5))], [])
    seen: list[object] = []
    engine.transcribe = lambda audio, **options: (  # type: ignore[method-assign]
        seen.append(options.get("hotwords")) or (iter(engine.segments), SimpleNamespace(language="en"))
    )
    keyed = UtteranceTranscriber(engine, AsrConfig(), "en", "transcribe", ("Sibelius", "Ainola"))  # type: ignore[arg-type]
    keyed.final(Utterance(0, np.full(16000, 0.1, np.float32)))
    plain = UtteranceTranscriber(engine, AsrConfig(), "en", "transcribe")  # type: ignore[arg-type]
    plain.final(Utterance(0, np.full(16000, 0.1, np.float32)))
    assert seen == ["Sibelius, Ainola.", None]
