"""Words -> speakers -> captions: each word takes the speaker active at its time, and an
utterance becomes one caption per speaker turn."""

from __future__ import annotations

from collections.abc import Callable

from parley.server.transcribe import Word

SHORT_ISLAND_S = 0.6  # a lone word shorter than this, between two runs of one speaker, joins them


def attribute_words(words: list[Word], speaker_between: Callable[[float, float], str | None]) -> None:
    """Set each word's ``speaker``; words with no speaker activity take their neighbour's."""
    for word in words:
        word.speaker = speaker_between(word.start, word.end)
    known = [w.speaker for w in words if w.speaker is not None]
    if not known:
        return
    previous: str | None = known[0]
    for word in words:  # fill gaps forward (the first gap takes the first known speaker)
        if word.speaker is None:
            word.speaker = previous
        previous = word.speaker
    for i in range(1, len(words) - 1):  # smooth one-word islands
        before, word, after = words[i - 1], words[i], words[i + 1]
        if before.speaker == after.speaker != word.speaker and word.end - word.start < SHORT_ISLAND_S:
            word.speaker = before.speaker


def split_turns(words: list[Word]) -> list[list[Word]]:
    """Consecutive runs of words with the same speaker."""
    turns: list[list[Word]] = []
    for word in words:
        if turns and turns[-1][-1].speaker == word.speaker:
            turns[-1].append(word)
        else:
            turns.append([word])
    return turns


def caption_text(words: list[Word]) -> str:
    return " ".join(w.text for w in words).strip()


def majority_speaker(words: list[Word]) -> str | None:
    """The speaker of most of the words' time (the first such speaker on a tie)."""
    spoken: dict[str, float] = {}
    for word in words:
        if word.speaker is not None:
            spoken[word.speaker] = spoken.get(word.speaker, 0.0) + max(word.end - word.start, 0.01)
    return max(spoken, key=lambda speaker: spoken[speaker]) if spoken else None
