"""A store simulator that speaks the real device formats (docs/formats.md) with realistic radio behaviour.

Public entry points:

- ``simulators.store.Store``: the discrete-time store (tags, shoppers, readers, BLE nodes), pure and seeded.
- ``simulators.trace``: ``Simulation`` / ``write_trace`` write a trace (docs/formats.md §8) and its
  ground truth.
- ``simulators.script.ScriptedStore``: publishes realistic traffic for exactly what a test places.
- ``simulators.cli``: the ``fitroom-sim`` command; ``simulators.calibrate`` measures the radio model.

See ``simulators/README.md`` for the commands, the API and the radio model.
"""
