"""Deterministic synthetic multi-speaker conversations with exact speaker and word truth.

Each conversation is rendered from a :class:`ConversationSpec`: its speakers are distinct
espeak-ng voices (voice + variant, pitch ``-p`` and speed ``-s``), its words come from
:data:`SENTENCES`, and a seeded RNG decides who speaks next (everyone once first, then favouring
whoever has spoken least), how many sentences each turn has, the silences between turns (short or
long, depending on the :class:`TurnStyle`) and, with the spec's ``overlap_probability``, a turn
that starts 0.2-0.5 s before the previous one ends.

Every sentence is rendered on its own (``espeak-ng -v VOICE -p P -s S -w tmp.wav TEXT``), converted
to 16 kHz mono 16-bit with sox (``sox -R -D tmp.wav -r 16000 -c 1 -b 16 out.wav``: repeatable,
no dither), trimmed of espeak's leading and trailing silence (everything outside the first and last
sample above 1 % of the sentence's peak), scaled to -26 dBFS RMS (or less, keeping its peak at
most 0.6 of full scale), multiplied by its speaker's gain (within +-3 dB) and placed at an exact
sample offset. Seeded white noise at -60 dBFS RMS is added under the whole mix; the sum is clipped
to 16 bits.

Output of :func:`generate`, in ``out_dir``, for a spec named ``NAME``:

* ``NAME.wav``: 16 kHz mono 16-bit PCM;
* ``NAME.rttm``: one ``SPEAKER`` line per sentence, exactly where its (trimmed) audio lies, onset
  and duration in seconds as exact decimals of the sample positions (``SPEAKER NAME 1 onset
  duration <NA> <NA> spkN <NA> <NA>``). Sentences of one turn are separated by 0.1-0.4 s pauses,
  shorter than the customary 0.5 s DER collar, so scoring per sentence or per turn gives the same
  DER with that collar;
* ``NAME.stm``: one line per sentence, the same times as the RTTM (``NAME 1 spkN start end
  text``), in start-time order;
* ``NAME.spec.json``: the spec, the turn style and the generator version, used as the cache key.

Speakers are labelled ``spk1`` ... ``spkN`` in the order of ``spec.speakers``. Rendering is
deterministic: the same spec gives byte-identical files on the same espeak-ng, sox and NumPy
versions (the planning RNG is Python's :class:`random.Random`, the noise NumPy's PCG64).

Needs the ``espeak-ng`` and ``sox`` executables (Debian: ``apt-get install espeak-ng sox``).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

__all__ = [
    "GENERATOR_VERSION",
    "SAMPLE_RATE",
    "SENTENCES",
    "SUITE_SPECS",
    "TURN_STYLES",
    "Conversation",
    "ConversationSpec",
    "TurnStyle",
    "Voice",
    "generate",
    "make_suite",
    "speaker_labels",
]

SAMPLE_RATE = 16000
GENERATOR_VERSION = 1  # bump when the rendering changes, so cached conversations are regenerated

SPEECH_RMS = 0.05  # -26 dBFS, before each speaker's gain (espeak's crest factor is about 8)
PEAK_LIMIT = 0.6  # ... unless that would put a sentence's peak above this, before the gain
SPEAKER_GAIN_DB = 3.0  # each speaker's level is drawn within +-this
NOISE_RMS = 0.001  # -60 dBFS
TRIM_THRESHOLD = 0.01  # fraction of a sentence's peak that counts as sound when trimming
OVERLAP_SECONDS = (0.2, 0.5)  # how early an overlapping turn starts, at most half the sentence before
LEAD_IN_SECONDS = (0.3, 1.0)  # silence before the first turn
TAIL_SECONDS = 0.5  # at least this much silence after the last sentence
FIT_ATTEMPTS = 12  # sentences tried at a position near the end before the conversation stops

# Plain sentences with common words (no numbers, names or abbreviations), so that a small Whisper
# transcribes them the same way they are written.
SENTENCES: tuple[str, ...] = (
    "The weather was nice so we walked to the park after lunch.",
    "Could you please close the window before you leave the room?",
    "I think we should start the meeting a little earlier tomorrow.",
    "She bought fresh bread and a bag of apples at the market.",
    "The train was late again this morning because of the snow.",
    "We need to finish the report by the end of the week.",
    "My brother plays the guitar in a small band on weekends.",
    "Please send me the notes from the last meeting.",
    "The children were playing football in the garden all afternoon.",
    "I forgot my umbrella and got completely wet on the way home.",
    "This coffee is too hot to drink right now.",
    "The new library opens early in the morning and closes late at night.",
    "Can you tell me where the nearest bus stop is?",
    "We watched a very long film about the history of the ocean.",
    "He always reads the newspaper while he eats his breakfast.",
    "The kitchen smells wonderful when my mother bakes a cake.",
    "I would like to book a table for dinner this evening.",
    "The price of fruit has gone up a lot this year.",
    "Our team won the game in the last minute.",
    "Let me check my calendar and call you back later.",
    "The dog ran across the field and jumped into the river.",
    "It is important to drink enough water every day.",
    "They moved to a bigger house near the sea last summer.",
    "The computer was very slow so I turned it off and on again.",
    "Please remember to water the plants while I am away.",
    "The shop on the corner sells the best ice cream in town.",
    "I have been learning to cook simple meals at home.",
    "The sky turned dark and it started to rain very hard.",
    "We should ask the teacher to explain the question again.",
    "My phone battery is almost empty so I need to charge it.",
    "The old bridge over the river was built a long time ago.",
    "She sings beautifully and wants to become a music teacher.",
    "There are many different birds living in the forest.",
    "I usually go for a run before work when the weather is good.",
    "The doctor told him to rest and stay in bed for a few days.",
    "Could we move the meeting to the afternoon instead?",
    "The museum has a large collection of paintings and old maps.",
    "He left his keys on the kitchen table this morning.",
    "We are planning a small party for her birthday next month.",
    "The road was closed so we had to find another way.",
    "Reading a good book is a great way to relax in the evening.",
    "The flowers in the garden are growing very quickly this spring.",
    "I think the answer to the question is much simpler than it looks.",
    "The airport was very busy because of the holiday.",
    "Please turn the music down a little, the baby is sleeping.",
    "Our neighbours have a friendly black cat with green eyes.",
    "The soup needs a bit more salt and some pepper.",
    "We walked along the beach and watched the sun go down.",
    "The students asked many good questions at the end of the class.",
    "I will bring some cold drinks and sandwiches to the picnic.",
    "The office is quiet today because most people are working from home.",
    "He fixed the broken chair with some glue and a few nails.",
    "The mountains look beautiful when they are covered in snow.",
    "I am not sure if we have enough time to visit the castle.",
    "The farmer grows potatoes, carrots and onions on his land.",
    "Let us take a short break and continue in a few minutes.",
    "She wrote a long letter to her grandmother in the village.",
    "The lights in the city were shining brightly across the water.",
    "We should save some money for the trip next summer.",
    "Thank you very much for your help with the project.",
    "The wind was so strong that the trees were bending.",
    "Everyone agreed that the plan was clear and simple.",
    "Yes, I agree with that.",
    "That sounds like a good idea.",
    "Good morning, everyone.",
    "I am not so sure about that.",
    "What do you think we should do?",
    "Sorry, could you say that again?",
    "Let me think about it for a moment.",
    "That is exactly what I meant.",
)


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker: an espeak-ng voice (``LANG[+VARIANT]``), pitch and speed."""

    voice: str  # espeak-ng -v, e.g. "en-us+f3"
    pitch: int  # espeak-ng -p, 0-99
    speed: int  # espeak-ng -s, words per minute


@dataclass(frozen=True)
class TurnStyle:
    """How turns are shaped.

    Each turn draws a speech length uniformly from ``turn_seconds`` and adds sentences (at least
    one) until its speech reaches it, with a ``pause`` between its sentences. Between turns the
    silence is drawn from ``long_gap`` with probability ``long_gap_probability``, otherwise from
    ``short_gap`` (unless the spec's overlap draw makes the turn overlap the previous one).
    """

    turn_seconds: tuple[float, float]
    short_gap: tuple[float, float] = (0.2, 0.6)
    long_gap: tuple[float, float] = (1.5, 3.0)
    long_gap_probability: float = 0.2
    pause: tuple[float, float] = (0.1, 0.4)


TURN_STYLES: dict[str, TurnStyle] = {
    # quick back-and-forth: one sentence a turn
    "quick": TurnStyle(turn_seconds=(0.0, 0.0), long_gap_probability=0.1),
    # meeting-like: one to a few sentences a turn
    "meeting": TurnStyle(turn_seconds=(2.0, 10.0), long_gap_probability=0.25),
    # long monologues
    "monologue": TurnStyle(turn_seconds=(20.0, 40.0), long_gap_probability=0.5),
    # sparse talk with long silences, up to 8 s
    "sparse": TurnStyle(turn_seconds=(0.0, 3.0), long_gap=(4.0, 8.0), long_gap_probability=0.75),
}


@dataclass(frozen=True)
class ConversationSpec:
    """A synthetic conversation: who speaks, for how long, in which style, from which seed.

    ``duration`` is the exact length of the rendered file in seconds; sentences are added while one
    of the next few drawn fits before ``duration`` minus 0.5 s. ``turn_style`` names an entry of
    :data:`TURN_STYLES`. ``overlap_probability`` is the chance that a turn (after the first) starts
    0.2-0.5 s before the previous sentence ends instead of after a silence.
    """

    name: str
    speakers: tuple[Voice, ...]
    duration: float
    turn_style: str
    overlap_probability: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class Conversation:
    """A rendered conversation: its audio, its truth files, its length and speaker labels."""

    name: str
    wav: Path  # 16 kHz mono 16-bit PCM
    rttm: Path  # one SPEAKER line per sentence
    stm: Path  # one line per sentence, with its text
    duration: float  # seconds
    speakers: tuple[str, ...]  # the labels used in the RTTM and STM: spk1, spk2, ...


# Voices that sound clearly different from each other (gender, accent, pitch, speed).
_US_MALE = Voice("en-us", 40, 165)
_US_FEMALE = Voice("en-us+f3", 70, 155)
_RP_DEEP = Voice("en-gb-x-rp+m7", 30, 145)
_US_FEMALE_HIGH = Voice("en-us+f5", 85, 175)
_SCOTTISH_MALE = Voice("en-gb-scotland+m3", 55, 135)
_GB_FEMALE = Voice("en-gb+f2", 60, 160)

# The benchmark suite. Seeds were picked (by looking at a few) for reasonably balanced speakers,
# several overlaps in "4spk-overlap" and gaps close to 8 s in "silences".
SUITE_SPECS: tuple[ConversationSpec, ...] = (
    ConversationSpec("2spk-short-turns", (_US_MALE, _US_FEMALE), 60.0, "quick", 0.0, seed=101),
    ConversationSpec("3spk-meeting", (_RP_DEEP, _US_FEMALE_HIGH, _US_MALE), 90.0, "meeting", 0.0, seed=202),
    ConversationSpec(
        "4spk-overlap", (_US_MALE, _US_FEMALE, _RP_DEEP, _US_FEMALE_HIGH), 90.0, "meeting", 0.5, seed=318
    ),
    ConversationSpec(
        "5spk-panel",
        (_US_MALE, _US_FEMALE, _RP_DEEP, _US_FEMALE_HIGH, _SCOTTISH_MALE),
        120.0,
        "meeting",
        0.0,
        seed=407,
    ),
    ConversationSpec("2spk-monologues", (_SCOTTISH_MALE, _GB_FEMALE), 120.0, "monologue", 0.0, seed=505),
    ConversationSpec("silences", (_US_FEMALE, _RP_DEEP), 60.0, "sparse", 0.0, seed=617),
    ConversationSpec("10min-session", (_US_MALE, _GB_FEMALE, _RP_DEEP), 600.0, "meeting", 0.05, seed=707),
)


def speaker_labels(spec: ConversationSpec) -> tuple[str, ...]:
    """The labels of ``spec``'s speakers in its RTTM and STM: ``spk1``, ``spk2``, ..."""
    return tuple(f"spk{index}" for index in range(1, len(spec.speakers) + 1))


# ------------------------------------------------------------------------------------------ render


def _require_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(
            f"synthetic conversations need {' and '.join(missing)} on PATH "
            "(Debian/Ubuntu: apt-get install -y espeak-ng sox)"
        )


def _read_wav(path: Path) -> np.ndarray:
    """A 16-bit mono WAV file as float64 samples in [-1, 1)."""
    with wave.open(str(path), "rb") as reader:
        if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono, got {reader.getparams()}")
        frames = reader.readframes(reader.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0


def _write_wav(path: Path, samples: np.ndarray) -> None:
    """Float samples as 16 kHz mono 16-bit PCM (clipped, rounded to the nearest step)."""
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(SAMPLE_RATE)
        writer.writeframes(pcm.tobytes())


class _Renderer:
    """Renders (voice, sentence) pairs to trimmed, RMS-normalised 16 kHz audio, memoised."""

    def __init__(self, work_dir: Path) -> None:
        self._work_dir = work_dir
        self._cache: dict[tuple[Voice, str], np.ndarray] = {}

    def __call__(self, voice: Voice, text: str) -> np.ndarray:
        key = (voice, text)
        if key not in self._cache:
            self._cache[key] = self._render(voice, text)
        return self._cache[key]

    def _render(self, voice: Voice, text: str) -> np.ndarray:
        raw = self._work_dir / "espeak.wav"
        converted = self._work_dir / "16k.wav"
        espeak = ["espeak-ng", "-v", voice.voice, "-p", str(voice.pitch), "-s", str(voice.speed)]
        subprocess.run([*espeak, "-w", str(raw), text], check=True, capture_output=True)
        sox = ["sox", "-R", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(converted)]
        subprocess.run(sox, check=True, capture_output=True)
        audio = _read_wav(converted)
        peak = float(np.max(np.abs(audio), initial=0.0))
        if peak == 0.0:
            raise RuntimeError(f"espeak-ng produced silence for voice {voice} and text {text!r}")
        loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD * peak)
        audio = audio[loud[0] : loud[-1] + 1]
        rms = math.sqrt(float(np.mean(audio**2)))
        return audio * min(SPEECH_RMS / rms, PEAK_LIMIT / float(np.max(np.abs(audio))))


# ---------------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Placed:
    speaker: int  # index into spec.speakers
    start: int  # samples
    text: str
    audio: np.ndarray


class _Deck:
    """Sentences in seeded random order, reshuffled each time they run out."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._cards: list[str] = []

    def draw(self) -> str:
        if not self._cards:
            self._cards = list(SENTENCES)
            self._rng.shuffle(self._cards)
        return self._cards.pop()


def _seconds(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def _plan(spec: ConversationSpec, render: Callable[[Voice, str], np.ndarray]) -> list[_Placed]:
    """Place sentences on the timeline: every random decision comes from the spec's seed."""
    style = TURN_STYLES[spec.turn_style]
    rng = random.Random(spec.seed)
    deck = _Deck(rng)
    count = len(spec.speakers)
    gains = [10 ** (rng.uniform(-SPEAKER_GAIN_DB, SPEAKER_GAIN_DB) / 20) for _ in range(count)]
    opening_order = rng.sample(range(count), count)  # everyone speaks once before anyone repeats
    spoken_by = [0] * count  # samples of speech so far: later turns favour whoever has spoken least
    limit = _seconds(spec.duration - TAIL_SECONDS)

    placed: list[_Placed] = []
    speaker = -1
    for turn in range(1_000_000):
        if turn < count:
            speaker = opening_order[turn]
        else:
            others = [other for other in range(count) if other != speaker]
            weights = [1 / (1 + spoken_by[other] / SAMPLE_RATE) for other in others]
            speaker = rng.choices(others, weights=weights)[0]
        if not placed:
            start = _seconds(rng.uniform(*LEAD_IN_SECONDS))
        else:
            previous = placed[-1]
            previous_end = previous.start + len(previous.audio)
            if rng.random() < spec.overlap_probability:
                overlap = min(_seconds(rng.uniform(*OVERLAP_SECONDS)), len(previous.audio) // 2)
                start = previous_end - overlap
            elif rng.random() < style.long_gap_probability:
                start = previous_end + _seconds(rng.uniform(*style.long_gap))
            else:
                start = previous_end + _seconds(rng.uniform(*style.short_gap))
        turn_target = _seconds(rng.uniform(*style.turn_seconds))
        spoken = 0
        while True:
            for _ in range(FIT_ATTEMPTS):
                text = deck.draw()
                audio = render(spec.speakers[speaker], text) * gains[speaker]
                if start + len(audio) <= limit:
                    break
            else:
                return placed  # nothing fits before the end any more
            placed.append(_Placed(speaker, start, text, audio))
            spoken += len(audio)
            spoken_by[speaker] += len(audio)
            if spoken >= turn_target:
                break
            start += len(audio) + _seconds(rng.uniform(*style.pause))
    raise AssertionError("unreachable: a conversation always ends when its time is up")


# ------------------------------------------------------------------------------------------ output


def _decimal_seconds(samples: int) -> str:
    """Exact decimal seconds of a sample count (16 kHz: at most 7 decimals), trailing zeros cut."""
    text = format(Decimal(samples) / Decimal(SAMPLE_RATE), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _spec_record(spec: ConversationSpec) -> dict[str, object]:
    """What the cache compares: a JSON-ready record of everything the rendering depends on."""
    record = {
        "generator_version": GENERATOR_VERSION,
        "sample_rate": SAMPLE_RATE,
        "spec": asdict(spec),
        "turn_style": asdict(TURN_STYLES[spec.turn_style]),
    }
    return json.loads(json.dumps(record))


def _paths(spec: ConversationSpec, out_dir: Path) -> tuple[Path, Path, Path, Path]:
    """The wav, rttm, stm and spec.json paths of ``spec`` in ``out_dir``."""
    return tuple(out_dir / f"{spec.name}{suffix}" for suffix in (".wav", ".rttm", ".stm", ".spec.json"))


def _wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)


def _validate(spec: ConversationSpec) -> None:
    if not spec.name or any(char in spec.name for char in "/\\ \t\n"):
        raise ValueError(f"spec name {spec.name!r} must be a non-empty file name without spaces")
    if spec.turn_style not in TURN_STYLES:
        raise ValueError(f"unknown turn style {spec.turn_style!r}; known: {', '.join(TURN_STYLES)}")
    if not spec.speakers:
        raise ValueError(f"spec {spec.name!r} has no speakers")
    if spec.duration <= TAIL_SECONDS + LEAD_IN_SECONDS[1]:
        raise ValueError(f"spec {spec.name!r} is too short: {spec.duration} s")
    if not 0.0 <= spec.overlap_probability <= 1.0:
        raise ValueError(f"overlap_probability must be within [0, 1], got {spec.overlap_probability}")


def generate(spec: ConversationSpec, out_dir: str | Path) -> Conversation:
    """Render ``spec`` into ``out_dir`` (created if needed) and return where it lies.

    Writes ``NAME.wav``, ``NAME.rttm``, ``NAME.stm`` and ``NAME.spec.json``. If the three first
    exist and ``NAME.spec.json`` matches the spec (and its turn style and the generator version),
    nothing is rendered and the existing files are returned. The same spec always gives
    byte-identical files (for the same espeak-ng, sox and NumPy). Raises :class:`RuntimeError`
    when ``espeak-ng`` or ``sox`` is missing, :class:`ValueError` for an invalid spec.
    """
    _validate(spec)
    out_dir = Path(out_dir)
    wav_path, rttm_path, stm_path, spec_path = _paths(spec, out_dir)
    record = _spec_record(spec)
    labels = speaker_labels(spec)

    if all(path.exists() for path in (wav_path, rttm_path, stm_path, spec_path)):
        try:
            cached = json.loads(spec_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = None
        if cached == record:
            return Conversation(spec.name, wav_path, rttm_path, stm_path, _wav_duration(wav_path), labels)

    _require_tools()
    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path.unlink(missing_ok=True)  # a half-written conversation must never look cached
    with tempfile.TemporaryDirectory(prefix="parley-synth-") as work_dir:
        placed = _plan(spec, _Renderer(Path(work_dir)))
    if not placed:
        raise ValueError(f"spec {spec.name!r}: not even one sentence fits in {spec.duration} s")

    total = _seconds(spec.duration)
    mix = np.random.default_rng(spec.seed).normal(0.0, NOISE_RMS, total)
    for item in placed:
        mix[item.start : item.start + len(item.audio)] += item.audio

    ordered = sorted(placed, key=lambda item: (item.start, item.speaker))
    rttm_lines: list[str] = []
    stm_lines: list[str] = []
    for item in ordered:
        label = labels[item.speaker]
        start, end = item.start, item.start + len(item.audio)
        onset, duration = _decimal_seconds(start), _decimal_seconds(end - start)
        rttm_lines.append(f"SPEAKER {spec.name} 1 {onset} {duration} <NA> <NA> {label} <NA> <NA>\n")
        stm_lines.append(f"{spec.name} 1 {label} {onset} {_decimal_seconds(end)} {item.text}\n")

    _write_atomically(wav_path, lambda path: _write_wav(path, mix))
    _write_atomically(rttm_path, lambda path: path.write_text("".join(rttm_lines), encoding="utf-8"))
    _write_atomically(stm_path, lambda path: path.write_text("".join(stm_lines), encoding="utf-8"))
    spec_json = json.dumps(record, indent=2, sort_keys=True) + "\n"
    _write_atomically(spec_path, lambda path: path.write_text(spec_json, encoding="utf-8"))
    return Conversation(spec.name, wav_path, rttm_path, stm_path, total / SAMPLE_RATE, labels)


def make_suite(
    out_dir: str | Path,
    names: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = print,
    specs: Sequence[ConversationSpec] = SUITE_SPECS,
) -> list[Conversation]:
    """Generate (or reuse from the cache) the suite's conversations into ``out_dir``.

    ``names`` picks conversations of ``specs`` (default: all of :data:`SUITE_SPECS`), in the order
    given; an unknown name raises :class:`ValueError` before anything is rendered. ``progress``,
    unless ``None``, gets one line per conversation.
    """
    by_name = {spec.name: spec for spec in specs}
    chosen = list(by_name) if names is None else list(names)
    unknown = [name for name in chosen if name not in by_name]
    if unknown:
        raise ValueError(f"unknown conversation(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    conversations: list[Conversation] = []
    for name in chosen:
        began = time.monotonic()
        conversation = generate(by_name[name], out_dir)
        conversations.append(conversation)
        if progress is not None:
            progress(
                f"{name}: {conversation.duration:.1f} s, {len(conversation.speakers)} speakers "
                f"({time.monotonic() - began:.1f} s) -> {conversation.wav}"
            )
    return conversations
