"""The tests' private Mosquitto: ``simulators.mosquitto`` (the benchmarks use it too)."""

from simulators.mosquitto import Mosquitto, find_mosquitto, free_port

__all__ = ["Mosquitto", "find_mosquitto", "free_port"]
