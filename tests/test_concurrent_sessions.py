"""Three sessions at once over real sockets, as fast as the server takes them: the scheduler serves
them all, and each gets every one of its finals, in order, with the words of a session run alone."""

from __future__ import annotations

import asyncio
import re
import urllib.request

import pytest

from parley.client.stream import iter_pcm_chunks, stream_audio
from parley.server.app import ParleyServer
from tests.conftest import loopback_config
from tests.scoring import stm_text, word_error_rate

pytestmark = pytest.mark.slow


def _counter(text: str, name: str, priority: str) -> float:
    match = re.search(rf'^{name}_total{{priority="{priority}"}} (\S+)$', text, re.M)
    assert match, f"{name} {priority} missing from /metrics"
    return float(match.group(1))


async def test_three_concurrent_sessions_each_get_all_their_finals_in_order(
    config, engine, sample, sample_audio
):
    reference = stm_text(sample.stm)
    # speed 0: each client sends as fast as the server accepts, so the three sessions' model calls
    # queue in the scheduler for the whole run (the most contention three clients can cause)
    async with ParleyServer(loopback_config(config), engine=engine) as server:
        results = await asyncio.gather(
            *(
                stream_audio(
                    server.url, iter_pcm_chunks(sample_audio, chunk_ms=100), speed=0, session_name=f"s{i}"
                )
                for i in range(3)
            )
        )
        url = f"{server.http_url}metrics"  # the server runs on this loop: fetch from a thread
        text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
    for result in results:
        assert result.done is not None, "every session ends with done"
        ids = [final["id"] for final in result.finals]
        assert ids == list(range(1, len(ids) + 1)), "finals arrive numbered 1..n with none missing"
        ends = [final["end"] for final in result.finals]
        assert ends == sorted(ends), "finals arrive in stream order"
        assert result.done["finals"] == len(ids)
        wer = word_error_rate(reference, " ".join(final["text"] for final in result.finals))
        assert wer <= 0.30, f"WER {wer:.3f} with two other sessions running"  # the sample alone: 0.17-0.22
        assert len(result.speakers) == 2
    # the model calls went through the scheduler (a closed utterance's decode is a final call; the
    # finals committed from agreed partials come from partial calls), and no final call was shed
    assert _counter(text, "parley_inference_calls", "final") >= 3
    assert _counter(text, "parley_inference_calls", "partial") >= 3
    assert _counter(text, "parley_inference_calls", "speakers") >= 3
    assert _counter(text, "parley_inference_shed", "final") == 0
