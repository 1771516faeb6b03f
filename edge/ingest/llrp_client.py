"""The one module that talks to the LLRP library (llrpkit, the optional extra ``fitroom[llrp]``).

Everything above this module sees only what is defined here, so the library can be swapped by rewriting
this file alone. What callers may rely on:

- ``require_library()`` raises ``LlrpUnavailable`` when the extra is not installed; importing this module
  never fails.
- ``run_inventory`` connects to one reader as its LLRP client (the reader's ``ConnectionAttemptEvent``
  must say Success), adds, enables and starts one ROSpec of continuous inventory on the given antennas
  whose ROReportSpec asks for the antenna id, peak RSSI and first-seen timestamp of every tag
  (``Upon_N_Tags`` with N = 1, so each tag report arrives as it is read), calls ``on_connected`` once the
  inventory runs, ``on_report`` for every tag report and ``on_antenna(antenna, connected)`` for every antenna
  event the reader notifies (it is asked to). It returns only when cancelled (the ROSpec is
  stopped and deleted and the connection closed politely on the way out) and otherwise raises:
  ``LlrpReaderError`` when the reader answers a message with an LLRP error status, ``LlrpConnectionLost``
  when it cannot be reached, refuses us, or the connection drops or stops answering (a liveness probe
  every ``probe_interval_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "LIBRARY",
    "LlrpConnectionLost",
    "LlrpFailure",
    "LlrpReaderError",
    "LlrpUnavailable",
    "TagReport",
    "library_available",
    "require_library",
    "run_inventory",
]

LIBRARY = "llrpkit"
_EXTRA = "fitroom[llrp]"
# The ROSpec id the edge owns on every reader it drives (any non-zero 32-bit value; "FR").
_ROSPEC_ID = 0x4652
_CONNECTION_CHECK_S = 0.5


class LlrpUnavailable(RuntimeError):
    """The LLRP library (the ``fitroom[llrp]`` extra) is not installed."""


class LlrpFailure(Exception):
    """The LLRP conversation with a reader ended; subclasses say how."""


class LlrpConnectionLost(LlrpFailure):
    """The reader cannot be reached, refused the connection, dropped it or stopped answering."""


class LlrpReaderError(LlrpFailure):
    """The reader answered with an LLRP error status (``status`` is its LLRP name, e.g. ``P_FieldError``)."""

    def __init__(self, status: str, description: str) -> None:
        self.status = status
        self.description = description
        super().__init__(f"LLRP error status {status}" + (f": {description}" if description else ""))


@dataclass(frozen=True, slots=True)
class TagReport:
    """One ``TagReportData``: antenna id, the EPC in upper-case hex, peak RSSI (dBm), first seen (µs UTC)."""

    antenna: int
    epc_hex: str
    rssi_dbm: float | None
    first_seen_us: int | None


def library_available() -> bool:
    try:
        importlib.import_module(LIBRARY)
    except ImportError:
        return False
    return True


def require_library() -> None:
    """Raise ``LlrpUnavailable`` (saying what to install) unless the LLRP library can be imported."""
    if not library_available():
        raise LlrpUnavailable(f"the LLRP library {LIBRARY!r} is not installed (pip install '{_EXTRA}')")


async def run_inventory(
    host: str,
    port: int,
    antennas: Sequence[int],
    *,
    on_connected: Callable[[], None],
    on_report: Callable[[TagReport], None],
    on_antenna: Callable[[int, bool], None] = lambda _antenna, _connected: None,
    connect_timeout_s: float = 10.0,
    response_timeout_s: float = 5.0,
    probe_interval_s: float = 5.0,
) -> None:
    """Run continuous inventory on ``host:port`` until cancelled; see the module docstring."""
    require_library()
    from llrpkit import LLRPConnectionError, LLRPError, LLRPStatusError, LLRPTimeoutError, Reader
    from llrpkit.client import check_status
    from llrpkit.inventory import TagReport as LibTagReport
    from llrpkit.inventory import build_rospec
    from llrpkit.protocol import enums, messages, params

    reader = Reader(host, port, response_timeout=response_timeout_s, connect_timeout=connect_timeout_s)
    client = reader.client
    answering = True
    try:
        await reader.connect()
        # Octane extensions (when the reader is an Impinj) only add sub-dBm peak RSSI to the reports.
        rospec = build_rospec(
            ro_spec_id=_ROSPEC_ID,
            antennas=list(antennas),
            report_every_n=1,
            enable_impinj_reports=reader.impinj_extensions_enabled,
        )
        # A ROSpec of ours left by a previous run (we crashed, the link dropped) is in the way: delete it,
        # and it is fine if there was none.
        with contextlib.suppress(LLRPStatusError):
            check_status(await client.transact(messages.DELETE_ROSPEC(ro_spec_id=_ROSPEC_ID)))
        check_status(await client.transact(messages.ADD_ROSPEC(ro_spec=rospec)))
        check_status(await client.transact(messages.ENABLE_ROSPEC(ro_spec_id=_ROSPEC_ID)))
        check_status(await client.transact(messages.START_ROSPEC(ro_spec_id=_ROSPEC_ID)))
        # Antenna events (a cable pulled, a port back) make a room unknown, as an MQTT reader's do.
        check_status(
            await client.transact(
                messages.SET_READER_CONFIG(
                    reset_to_factory_default=False,
                    reader_event_notification_spec=params.ReaderEventNotificationSpec(
                        event_notification_states=[
                            params.EventNotificationState(
                                event_type=enums.NotificationEventType.Antenna_Event, notification_state=True
                            )
                        ]
                    ),
                )
            )
        )
        on_connected()
        loop = asyncio.get_running_loop()
        probe_at = loop.time() + probe_interval_s
        next_report = asyncio.ensure_future(client.reports.get())
        next_event = asyncio.ensure_future(client.events.get())
        try:
            while True:
                # Woken at least twice a second: a dropped connection is noticed at once, not at the probe.
                done, _ = await asyncio.wait(
                    {next_report, next_event},
                    timeout=min(_CONNECTION_CHECK_S, max(0.0, probe_at - loop.time())),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                reports = []
                if next_report in done:
                    reports.append(next_report.result())
                    next_report = asyncio.ensure_future(client.reports.get())
                if next_event in done:
                    # Reports and events come in two queues: the reports queued now were received before
                    # this event (a tag read just before its antenna went down must not bring it back).
                    while not client.reports.empty():
                        reports.append(client.reports.get_nowait())
                for report in reports:
                    for data in report.tag_report_datas:
                        tag = LibTagReport.from_param(data)
                        if tag.antenna is not None:
                            epc = tag.epc.hex().upper()
                            on_report(TagReport(tag.antenna, epc, tag.rssi_dbm, tag.first_seen_us))
                if next_event in done:
                    notification = getattr(next_event.result(), "reader_event_notification_data", None)
                    next_event = asyncio.ensure_future(client.events.get())
                    antenna_event = getattr(notification, "antenna_event", None)
                    if antenna_event is not None:
                        up = int(antenna_event.event_type) == int(enums.AntennaEventType.Antenna_Connected)
                        on_antenna(int(antenna_event.antenna_id), up)
                if not client.connected:
                    raise LLRPConnectionError("connection lost")
                if done or loop.time() < probe_at:
                    continue
                # A reader that lost power leaves a half-open socket that says nothing: ask it something
                # small on a period; no answer within the response timeout is a lost connection.
                check_status(
                    await client.transact(
                        messages.GET_READER_CONFIG(
                            antenna_id=0,
                            requested_data=enums.GetReaderConfigRequestedData.Identification,
                            gpi_port_num=0,
                            gpo_port_num=0,
                        )
                    )
                )
                probe_at = loop.time() + probe_interval_s
        finally:
            next_report.cancel()
            next_event.cancel()
    except LLRPStatusError as exc:
        raise LlrpReaderError(_status_name(exc.status_code), exc.error_description) from None
    except (LLRPConnectionError, LLRPTimeoutError, OSError) as exc:
        answering = False
        raise LlrpConnectionLost(str(exc) or type(exc).__name__) from None
    except LLRPError as exc:  # undecodable bytes or another protocol failure: the conversation is over
        answering = False
        raise LlrpConnectionLost(f"{type(exc).__name__}: {exc}") from None
    finally:
        # Leave a reader that still answers as we found it (no ROSpec of ours running, connection closed
        # politely); one that stopped answering gets its socket closed without waiting on it.
        polite_s = 2.0 if answering else 0.0
        if client.connected and answering:
            with contextlib.suppress(Exception):
                await client.transact(messages.STOP_ROSPEC(ro_spec_id=_ROSPEC_ID), timeout=polite_s)
                await client.transact(messages.DELETE_ROSPEC(ro_spec_id=_ROSPEC_ID), timeout=polite_s)
        with contextlib.suppress(Exception):
            # A close cut short by the timeout still releases the transport (llrpkit's close does so).
            async with asyncio.timeout(polite_s or 0.01):
                await reader.close()


def _status_name(code: int) -> str:
    from llrpkit.protocol import enums

    try:
        return enums.StatusCode(code).name
    except ValueError:
        return f"status {code}"
