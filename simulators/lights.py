"""The demo's fitting-room lights: subscribe to every light's command topic in the layout and print what
each light receives (scene commands in its own dialect), as a real bulb's bridge would take them.

    python -m simulators.lights --layout deploy/layouts/demo.toml --mqtt-url mqtt://127.0.0.1:1883

``make demo`` starts one beside the edge.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from edge.layout import Layout, LayoutError, load_layout

__all__ = ["LightPrinter", "main"]


class LightPrinter:
    """Prints ``light <room> (<dialect>) <- <payload>`` per command a light receives."""

    def __init__(self, layout: Layout, mqtt_url: str, out: Callable[[str], None] = print) -> None:
        self._rooms = {r.light.command_topic: r for r in layout.rooms if r.light is not None}
        parts = urlsplit(mqtt_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 1883
        self._out = out
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"demo-lights-{uuid.uuid4().hex[:6]}"
        )
        if parts.username:
            client.username_pw_set(parts.username, parts.password)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        self._client = client

    @property
    def topics(self) -> list[str]:
        return list(self._rooms)

    def start(self) -> None:
        if not self._rooms:
            return
        self._client.connect_async(self._host, self._port)
        self._client.loop_start()

    def stop(self) -> None:
        if self._rooms:
            self._client.disconnect()
            self._client.loop_stop()

    def _on_connect(self, client: paho.Client, *_args: Any) -> None:
        client.subscribe([(topic, 1) for topic in self._rooms])

    def _on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        room = self._rooms.get(msg.topic)
        if room is None or room.light is None:
            return
        text = msg.payload.decode("utf-8", "replace")
        self._out(f"light {room.id} ({room.light.dialect}) <- {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print what the layout's fitting-room lights receive")
    parser.add_argument("--layout", default="deploy/layouts/demo.toml")
    parser.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883")
    args = parser.parse_args(argv)
    try:
        layout = load_layout(args.layout)
    except LayoutError as exc:
        print(f"lights: {exc}", file=sys.stderr)
        return 2
    printer = LightPrinter(layout, args.mqtt_url, out=lambda line: print(line, flush=True))
    if not printer.topics:
        print("lights: the layout names no light", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    printer.start()
    print(f"lights: listening on {', '.join(printer.topics)}", flush=True)
    done.wait()
    printer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
