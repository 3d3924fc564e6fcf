"""A real Tolk server on port 0 with the real default engines (pocketsphinx, apertium), one per module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tolk.backend.offline import embedded_backend


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server_target() -> AsyncIterator[str]:
    async with embedded_backend() as backend:
        target = backend.target
        yield target
