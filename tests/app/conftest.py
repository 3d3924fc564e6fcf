"""Fixtures for the desktop app tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_fakes import FakeSoundDevice, ServerThread


@pytest.fixture
def fake_device() -> FakeSoundDevice:
    return FakeSoundDevice()


@pytest.fixture
def server() -> Iterator[ServerThread]:
    thread = ServerThread()
    thread.start()
    yield thread
    thread.close()
