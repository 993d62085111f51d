"""The stream client's resend buffer: audio kept until acknowledged, and bounded (pure logic)."""

from __future__ import annotations

import asyncio

from parley.client.stream import MAX_UNACKED_S, _Session


async def test_audio_is_kept_until_acknowledged_and_the_sender_waits_at_the_bound():
    session = _Session(bytes_per_second=100, frame_bytes=2, on_event=None)
    limit = int(MAX_UNACKED_S * 100)
    session.sent(b"\x01\x00" * (limit // 2))  # exactly the bound: room to send
    await asyncio.wait_for(session.room_to_send(), 0.1)
    session.sent(b"\x02\x00")  # one sample past it: the sender must wait
    waiting = asyncio.create_task(session.room_to_send())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    session.record('{"type": "ack", "ack": 10, "lag": 0}')  # 10 samples = 20 bytes acknowledged
    await asyncio.wait_for(waiting, 1.0)
    assert len(session.unacked) == limit + 2 - 20 and session.unacked_from == 20
    session.acknowledge(5)  # an older ack changes nothing
    assert session.unacked_from == 20


def test_replayed_finals_are_dropped_once_seen():
    session = _Session(bytes_per_second=32000, frame_bytes=2, on_event=None)
    first = '{"type": "final", "id": 1, "start": 0, "end": 1, "text": "a", "lag": 0}'
    assert session.record(first) is not None
    assert session.record(first) is None  # replayed after a resume
    assert [f["id"] for f in session.result.finals] == [1]
