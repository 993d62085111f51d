"""The caption page in a real browser (Debian's Chromium, headless) whose microphone is the
two-speaker sample: captions of both speakers appear, a rename sticks, the SRT download carries it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.scoring import stm_text, word_error_rate

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


@pytest.fixture
async def browser_page(sample):
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={sample.wav}%noloop"],
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 860}, accept_downloads=True)
            yield page
        finally:
            await browser.close()


async def test_microphone_captions_rename_and_srt_download(server, browser_page, artifacts, sample):
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    await page.goto(f"http://127.0.0.1:{server.port}/")
    await page.click("#start")
    await page.wait_for_selector('#status[data-state="live"]', timeout=20_000)
    # the 30 s sample plays in real time; both voices must show up, with their words
    await page.wait_for_selector('.caption[data-speaker="S2"]', timeout=60_000)
    await page.wait_for_function(
        "[...document.querySelectorAll('.caption .text')].some(e => /hear that/i.test(e.textContent))",
        timeout=60_000,
    )
    transcript = " ".join(await page.locator("#transcript .caption .text").all_inner_texts()).lower()
    # Chromium's fake microphone resamples the file to 48 kHz and starts at an arbitrary point, so the
    # words vary a little from run to run: score them against the reference, a little looser than the
    # direct 16 kHz stream (tests/test_e2e_sample.py, WER <= 0.20)
    wer = word_error_rate(stm_text(sample.stm), transcript)
    assert wer <= 0.30, (wer, transcript)
    for word in ("hello", "jersey", "chicago"):
        assert word in transcript, (word, transcript)
    assert await page.locator('.caption[data-speaker="S1"]').count() > 0

    await page.locator('.caption[data-speaker="S1"] .speaker').first.click()
    await page.fill(".rename-input", "Diane")
    await page.press(".rename-input", "Enter")
    await page.wait_for_function(
        "[...document.querySelectorAll('.caption[data-speaker=\"S1\"] .speaker')]"
        ".every(e => e.textContent.trim() === 'Diane')",
        timeout=10_000,
    )
    await page.click("#stop")
    await page.wait_for_selector('#status[data-state="idle"]', timeout=30_000)
    await page.screenshot(path=str(artifacts / "browser.png"), full_page=False)

    async with page.expect_download() as download_info:
        await page.click("#download-srt")
    download = await download_info.value
    srt = Path(await download.path()).read_text()
    (artifacts / "browser-transcript.srt").write_text(srt)
    assert "Diane: " in srt and " --> " in srt
    async with page.expect_download() as download_info:
        await page.click("#download-rttm")
    rttm = Path(await (await download_info.value).path()).read_text()
    (artifacts / "browser-transcript.rttm").write_text(rttm)
    rows = [line.split() for line in rttm.splitlines()]
    assert rows and all(len(row) == 10 and row[0] == "SPEAKER" and float(row[4]) > 0 for row in rows)
    assert {row[7] for row in rows} >= {"S1", "S2"}  # ids, not names (RTTM fields hold no spaces)
    starts = [float(row[3]) for row in rows]
    assert starts == sorted(starts)
    assert not [line for line in console if line.startswith("error")], console


async def test_denied_microphone_gets_a_clear_message(server, sample):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # no --use-fake-ui-for-media-stream: the permission prompt is answered "block"
        flags = [f for f in CHROMIUM_FLAGS if f != "--use-fake-ui-for-media-stream"]
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{server.port}/")
            await page.click("#start")
            await page.wait_for_selector('#status[data-state="error"]', timeout=15_000)
            message = (await page.locator("#status").inner_text()).lower()
            assert "microphone" in message and "denied" in message
        finally:
            await browser.close()


async def test_dropped_socket_resumes_the_session_and_keeps_the_transcript(server, browser_page):
    page = browser_page
    resumed_before = server.metrics.sessions_resumed._value.get()
    await page.goto(f"http://127.0.0.1:{server.port}/")
    await page.click("#start")
    await page.wait_for_selector(".caption", timeout=40_000)
    before = await page.locator(".caption").count()
    session_ids = {c.session_id for c in server.connections}
    for connection in list(server.connections):  # the network blinks: TCP dies, no close frame
        connection.websocket.transport.abort()
    await page.wait_for_selector('#status[data-state="reconnecting"]', timeout=10_000)
    await page.wait_for_selector('#status[data-state="live"]', timeout=20_000)
    assert await page.locator(".caption").count() >= before  # what was on screen stays
    await page.wait_for_function(f"document.querySelectorAll('.caption').length > {before}", timeout=40_000)
    # the page resumed the same server session: same speakers, no break in the transcript
    assert server.metrics.sessions_resumed._value.get() == resumed_before + 1
    assert {c.session_id for c in server.connections} == session_ids
    assert await page.locator(".segment-break").count() == 0
    ids = await page.eval_on_selector_all(".caption", "els => els.map(e => e.dataset.id)")
    assert len(ids) == len(set(ids)), f"a replayed final was shown twice: {ids}"
    await page.click("#stop")


async def test_uploaded_file_is_streamed_and_captioned(server, browser_page, sample_audio, tmp_path):
    """No microphone: a file chosen on the page goes through the same protocol."""
    import wave

    clip = tmp_path / "hello.wav"
    hello = (sample_audio[int(6.5 * 16000) : int(10.2 * 16000)] * 32767).astype("<i2")
    with wave.open(str(clip), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(hello.tobytes())
    page = browser_page
    await page.goto(f"http://127.0.0.1:{server.port}/")
    await page.set_input_files("#file", str(clip))
    await page.click("#stream-file")
    await page.wait_for_function(
        "[...document.querySelectorAll('.caption .text')].some(e => /were there/i.test(e.textContent))",
        timeout=40_000,
    )
    await page.wait_for_selector('#status[data-state="idle"]', timeout=30_000)


async def test_speaker_update_relabels_a_caption_on_the_page(server, browser_page, sample_audio, tmp_path):
    """The sample with 10 ms of silence first (tests/test_speaker_revisions.py): its first window pools
    both voices and founds a third speaker, which re-clustering revises away. The page relabels the
    revised captions in place (class ``revised``), so it ends with the two real speakers."""
    import wave

    import numpy as np

    clip = tmp_path / "sample-10ms.wav"
    shifted = np.concatenate([np.zeros(160, dtype=np.float32), sample_audio])
    with wave.open(str(clip), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((shifted * 32767).astype("<i2").tobytes())
    page = browser_page
    updates: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda frame: (
                updates.append(frame) if isinstance(frame, str) and '"speaker_update"' in frame else None
            ),
        ),
    )
    await page.goto(f"http://127.0.0.1:{server.port}/")
    await page.set_input_files("#file", str(clip))
    await page.click("#stream-file")
    await page.wait_for_selector('#status[data-state="idle"]', timeout=90_000)
    assert updates, "the server revised some finals"
    revised = page.locator(".caption.revised")
    assert await revised.count() >= 1
    speakers = await page.eval_on_selector_all(
        ".caption", "cs => [...new Set(cs.map(c => c.dataset.speaker))]"
    )
    assert len(speakers) == 2, speakers


async def test_html_transcript_plays_and_seeks_in_chromium(sample, artifacts, tmp_path):
    """`parley transcribe sample --format html`, opened from disk in Chromium: the player and every
    word are there, a click on a word seeks the recording there, playing highlights the word spoken."""
    import subprocess
    import sys

    from playwright.async_api import async_playwright

    command = [sys.executable, "-m", "parley.cli", "transcribe", "sample", "--format", "html"]
    completed = subprocess.run(
        [*command, "--out", str(tmp_path), "--no-progress"], capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    (page_path,) = tmp_path.glob("*.html")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 700})
            await page.goto(page_path.as_uri())
            assert await page.locator("audio").count() == 1
            words = await page.eval_on_selector_all(".w", "ws => ws.map(w => w.textContent)")
            spoken = " ".join(words)
            assert word_error_rate(stm_text(sample.stm), spoken) <= 0.30  # the whole transcript is there
            speakers = await page.eval_on_selector_all("b", "bs => [...new Set(bs.map(b => b.textContent))]")
            assert {"Speaker 1", "Speaker 2"} <= set(speakers), speakers
            # a word about 10 s in: clicking it seeks there; playing marks it (class "now")
            target = await page.evaluate(
                "() => [...document.querySelectorAll('.w')].findIndex(w => Number(w.dataset.start) >= 10)"
            )
            word = page.locator(".w").nth(target)
            start = float(await word.get_attribute("data-start"))
            await page.evaluate("() => { document.querySelector('audio').muted = true; }")
            await word.click()
            await page.wait_for_function("() => !document.querySelector('audio').paused", timeout=10_000)
            position = await page.evaluate("() => document.querySelector('audio').currentTime")
            assert start - 0.05 <= position <= start + 2.0, (start, position)
            await page.wait_for_selector(".w.now", timeout=10_000)
            now = float(await page.locator(".w.now").first.get_attribute("data-start"))
            assert now >= start - 0.05
            await page.evaluate("() => document.querySelector('audio').pause()")
            await page.screenshot(path=str(artifacts / "html_transcript.png"))
        finally:
            await browser.close()
