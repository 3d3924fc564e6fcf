"""The caption page in a real browser: Debian's chromium + chromedriver driven by selenium (headless).

Set TOLK_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/events-phone.png and events-obs-overlay.png.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from events_helpers import launch, sample_audio, speak, until

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)  # fmt: skip
SCREENSHOTS = Path("docs/screenshots")
STAGE = "linear-gradient(160deg, #22313f 0%, #34495e 45%, #5d6d7e 100%)"
"""Stands in for the video under the OBS overlay in the screenshot (the page itself is transparent)."""

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()), reason="needs chromium and chromium-driver"
)


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    reg = Registry()
    try:
        yield reg
    finally:
        reg.close()


@pytest_asyncio.fixture
async def server(registry: Registry) -> AsyncIterator[TolkServer]:
    handle = await launch(replace(ServerConfig(), http_port=0), registry)
    try:
        yield handle
    finally:
        await handle.stop(None)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tolk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


async def follow(port: int, room: str, finals: list[pb.RoomCaption]) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        async for event in pb_grpc.InterpreterStub(channel).Listen(
            pb.ListenRequest(room=room, language="es")
        ):
            if event.WhichOneof("event") == "caption" and event.caption.is_final:
                finals.append(event.caption)


def page_lines(driver: object) -> list[str]:
    from selenium.webdriver.common.by import By

    return [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#captions p[data-segment]")]  # type: ignore[attr-defined]


async def test_the_page_shows_live_spanish_captions(
    server: TolkServer, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert server.rooms is not None and server.rooms.http_port
    hub, base = server.rooms.hub, f"http://127.0.0.1:{server.rooms.http_port}/rooms/keynote"
    driver = browser
    call = asyncio.to_thread
    await call(driver.set_window_size, 412, 860)  # type: ignore[attr-defined]
    await call(driver.get, f"{base}?lang=en")  # type: ignore[attr-defined]
    await until(lambda: hub.listeners_of("keynote") == 1)
    picker = await call(lambda: Select(driver.find_element(By.ID, "lang")))  # type: ignore[attr-defined]
    assert "es" in await call(lambda: [o.get_attribute("value") for o in picker.options])
    await call(picker.select_by_value, "es")  # picks Spanish: the page reconnects in Spanish
    await until(lambda: hub.listeners_of("keynote") == 1 and _languages(server) == {"es"})
    assert await call(lambda: driver.find_element(By.ID, "captions").get_attribute("aria-live")) == "polite"  # type: ignore[attr-defined]

    grpc_finals: list[pb.RoomCaption] = []
    follower = asyncio.create_task(follow(server.port, "keynote", grpc_finals))
    await until(lambda: hub.listeners_of("keynote") == 2)
    hold = asyncio.Event()
    speaker = asyncio.create_task(speak(server.port, "keynote", sample_audio(18.25), ["es"], hold=hold))
    await until(lambda: any(c.audio_end_s > 17.0 for c in grpc_finals))
    expected = [c.text for c in grpc_finals]

    async def shown() -> list[str]:
        return await call(page_lines, driver)

    for _ in range(300):
        if await shown() == expected:
            break
        await asyncio.sleep(0.05)
    assert await shown() == expected, "the page shows every Spanish final, in order"
    await save(driver, tmp_path / "events-phone.png")

    await call(driver.switch_to.new_window, "window")  # type: ignore[attr-defined]
    await call(driver.set_window_size, 1280, 720)  # type: ignore[attr-defined]
    await call(driver.get, f"{base}?lang=es&overlay=1")  # type: ignore[attr-defined]
    for _ in range(300):
        if await shown() == expected[-2:]:
            break
        await asyncio.sleep(0.05)
    assert await shown() == expected[-2:], "the overlay keeps the last two lines"
    background = await call(driver.execute_script, "return getComputedStyle(document.body).backgroundColor")  # type: ignore[attr-defined]
    assert background in ("rgba(0, 0, 0, 0)", "transparent")
    await call(driver.execute_script, f"document.documentElement.style.background = '{STAGE}'")  # type: ignore[attr-defined]
    await save(driver, tmp_path / "events-obs-overlay.png")

    hold.set()
    await speaker
    await asyncio.wait_for(follower, 30)
    status = await call(lambda: driver.find_element(By.ID, "status").get_attribute("textContent"))  # type: ignore[attr-defined]
    assert "ended" in (status or "")


def _languages(server: TolkServer) -> set[str]:
    assert server.rooms is not None
    fanout = server.rooms.hub._fanouts.get("keynote")
    return {listener.language for listener in fanout.listeners} if fanout else set()


async def save(driver: object, path: Path) -> None:
    await asyncio.to_thread(driver.execute_script, "document.activeElement.blur()")  # type: ignore[attr-defined]
    await asyncio.sleep(0.6)  # the newest line's fade-in is over
    await asyncio.to_thread(driver.save_screenshot, str(path))  # type: ignore[attr-defined]
    await asyncio.to_thread(keep, path)


def keep(path: Path) -> None:
    assert path.stat().st_size > 10_000
    if os.environ.get("TOLK_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
