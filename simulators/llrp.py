"""LLRP readers for tests and the demo: an emulated reader speaking real LLRP binary messages over TCP.

The protocol side is the LLRP library's own reader emulator (llrpkit, the ``fitroom[llrp]`` extra): the
connection handshake, capabilities, the ROSpec lifecycle and ``RO_ACCESS_REPORT`` tag reports on the
antennas the client's ROSpec asks for. This module is the only simulator code that touches the library.
It adds what a store's reader does and the library's emulator leaves out: an ``ADD_ROSPEC`` naming an
antenna the reader does not have is refused with an LLRP error status (``P_FieldError``), as a real reader
refuses it.

``ReaderEmulator`` runs on a thread of its own with its own event loop, so synchronous code (the live
simulator, pytest fixtures) can drive it: ``start()``, ``set_tags(...)`` (the garments in each antenna's
field), ``stop()`` (the reader drops off the network: the client's connection is cut), ``start()`` again on
the same port, ``close()``. It stops with the process (a daemon thread) if nobody closes it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from llrpkit.emulator.core import EmulatedTag, LLRPEmulator
from llrpkit.protocol import LLRPMessage, enums, params

if TYPE_CHECKING:
    from edge.layout import Reader

__all__ = ["LlrpReplay", "ReaderEmulator", "TagInView", "start_readers"]

_START_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class TagInView:
    """A tag in the field of one antenna, read at about ``rssi_dbm``."""

    epc_hex: str
    antenna: int
    rssi_dbm: float = -55.0


class _StoreReader(LLRPEmulator):
    """llrpkit's emulator, refusing ROSpecs that name antennas this reader does not have, and able to go
    silent (a reader that lost power behind a switch: the TCP connection stays open, nothing answers)."""

    silent = False

    async def _handle_message(self, msg: LLRPMessage) -> None:
        if not self.silent:
            await super()._handle_message(msg)

    def _add_rospec(self, rospec: params.ROSpec) -> params.LLRPStatus:
        for spec in rospec.spec_parameters:
            if isinstance(spec, params.AISpec):
                bad = [a for a in spec.antenna_ids if not 0 <= a <= self.antenna_count]
                if bad:
                    return params.LLRPStatus(
                        status_code=enums.StatusCode.P_FieldError,
                        error_description=f"AISpec AntennaID {bad[0]} is not a port of this reader "
                        f"(it has {self.antenna_count})",
                    )
        status: params.LLRPStatus = super()._add_rospec(rospec)
        return status


class ReaderEmulator:
    """One emulated LLRP reader on ``host:port`` (0: a free port, read ``port`` after ``start``).

    ``ReaderEmulator.listening(host, port)`` finds one already started in this process, so two users of
    one address (a test's fixture and the simulator it runs) share the reader, as they would a real one.
    """

    _listening: ClassVar[weakref.WeakValueDictionary[tuple[str, int], ReaderEmulator]] = (
        weakref.WeakValueDictionary()
    )

    @classmethod
    def listening(cls, host: str, port: int) -> ReaderEmulator | None:
        found = cls._listening.get((host, port))
        return found if found is not None and found.running else None

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        antenna_count: int = 4,
        reads_per_sec: float = 40.0,
        seed: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self.antenna_count = antenna_count
        self.reads_per_sec = reads_per_sec
        self.seed = seed
        self._tags: list[EmulatedTag] = []
        self._down: set[int] = set()
        self._emu: _StoreReader | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="llrp-emulator", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._emu is not None

    def start(self) -> None:
        """Listen (again) on ``host:port``; raises ``OSError`` if the port is taken."""
        if self._emu is not None:
            return
        emu = _StoreReader(
            host=self.host,
            port=self.port,
            tags=[t for t in self._tags if t.antennas[0] not in self._down],
            reads_per_sec=self.reads_per_sec,
            antenna_count=self.antenna_count,
            seed=self.seed,
            model_number=420,
        )
        self._call(emu.start())
        self.port = emu.port
        self._emu = emu
        ReaderEmulator._listening[(self.host, self.port)] = self

    def stop(self) -> None:
        """Drop off the network: close the listening socket and cut the client's connection."""
        emu, self._emu = self._emu, None
        if emu is not None:
            self._call(emu.stop())

    def close(self) -> None:
        """Stop, and end the emulator's thread."""
        self.stop()
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()

    def set_antenna(self, antenna: int, connected: bool) -> None:
        """Pull (or plug back) an antenna's cable: its tags go unread and the client is notified."""
        if connected:
            self._down.discard(antenna)
        else:
            # Out of the field before the notice goes out, so no read of that port follows the notice.
            self._down.add(antenna)
            self._swap()
        emu = self._emu
        if emu is not None:
            self._call(emu.set_antenna_connected(antenna, connected))
        self._swap()

    def go_silent(self) -> None:
        """Stop answering anything, keeping the connection open (until ``stop``)."""
        emu = self._emu
        if emu is not None:
            self._loop.call_soon_threadsafe(setattr, emu, "silent", True)

    def set_tags(self, tags: Iterable[TagInView]) -> None:
        """The tags in the reader's field from now on (replacing the previous ones)."""
        self._tags = [
            EmulatedTag(epc=bytes.fromhex(t.epc_hex), antennas=(t.antenna,), rssi_dbm=t.rssi_dbm)
            for t in tags
        ]
        self._swap()

    def _swap(self) -> None:
        population = [t for t in self._tags if t.antennas[0] not in self._down]

        def swap() -> None:
            if self._emu is not None:
                self._emu.tags = population  # the report loop picks from this list on every read

        asyncio.run_coroutine_threadsafe(_call_soon(swap), self._loop).result(timeout=_START_TIMEOUT_S)

    def __enter__(self) -> ReaderEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=_START_TIMEOUT_S)


async def _call_soon(fn: Callable[[], None]) -> None:
    fn()


class LlrpReplay:
    """Turns a simulated LLRP reader's messages (edge/decoders/llrp.py payloads) into its field of view.

    A tag read by an antenna within the last ``hold_s`` seconds (simulated time) is in that antenna's
    field; the emulator reports the tags in view at its own read rate, as a reader does. ``offline`` on the
    status channel cuts the connection (the reader dropped off), ``online`` brings it back.
    """

    def __init__(
        self, emulator: ReaderEmulator, *, owned: bool = True, hold_s: float = 2.0, refresh_s: float = 0.25
    ) -> None:
        self.emulator = emulator
        self.owned = owned
        self.hold_s = hold_s
        self.refresh_s = refresh_s
        self._seen: dict[tuple[str, int], tuple[float, float]] = {}  # (epc, antenna) -> (t, rssi)
        self._refreshed = float("-inf")

    def feed(self, t: float, topic: str, payload: str) -> None:
        if topic.endswith("/status"):
            if payload.strip() == "offline":
                self.emulator.stop()
                self._seen.clear()
            else:
                self.emulator.start()
            return
        try:
            doc = json.loads(payload)
            event = doc.get("AntennaEvent")
            if isinstance(event, dict):
                connected = event.get("EventType") == "Antenna_Connected"
                self.emulator.set_antenna(int(event["AntennaID"]), connected)
                return
            key = (str(doc["EPC"]), int(doc["AntennaID"]))
            rssi = float(doc.get("PeakRSSI", -60.0))
        except (ValueError, KeyError, TypeError, AttributeError):
            return  # neither a tag report nor an antenna event: a real reader would not have sent it
        self._seen[key] = (t, rssi)
        self.tick(t)

    def close(self) -> None:
        """Nothing in the field any more; the emulator is closed if it is ours, else left listening."""
        self._seen.clear()
        if self.owned:
            self.emulator.close()
        else:
            self.emulator.set_tags([])
            if not self.emulator.running:
                self.emulator.start()  # a shared reader that our outage took down comes back

    def tick(self, t: float) -> None:
        """Simulated time ``t`` has come: tags not read for ``hold_s`` leave the field."""
        if t - self._refreshed < self.refresh_s:
            return
        self._refreshed = t
        self._seen = {k: v for k, v in self._seen.items() if t - v[0] <= self.hold_s}
        in_view = [TagInView(epc, antenna, rssi) for (epc, antenna), (_, rssi) in self._seen.items()]
        self.emulator.set_tags(in_view)


def start_readers(readers: Sequence[Reader], *, reads_per_sec: float = 40.0) -> dict[str, ReaderEmulator]:
    """An emulator listening on each LLRP reader's ``host:port`` of the layout, keyed by reader id.

    Raises ``OSError`` naming the reader when an address is taken (the others are closed again)."""
    started: dict[str, ReaderEmulator] = {}
    for i, reader in enumerate(r for r in readers if r.is_llrp):
        running = ReaderEmulator.listening(reader.host or "127.0.0.1", reader.port)
        if running is not None:
            started[reader.id] = running
            continue
        ports = max([4, *reader.antenna_rooms()])  # a four-port Speedway unless the layout needs more
        emulator = ReaderEmulator(
            reader.host or "127.0.0.1",
            reader.port,
            antenna_count=ports,
            reads_per_sec=reads_per_sec,
            seed=i + 1,
        )
        try:
            emulator.start()
        except OSError as exc:
            emulator.close()
            for other in started.values():
                other.stop()
            where = f"{reader.host}:{reader.port}"
            raise OSError(f"LLRP reader {reader.id}: cannot listen on {where}: {exc}") from exc
        started[reader.id] = emulator
    return started
