"""Presence v2 (issue 14), work in progress: a per-garment probabilistic model, measured by the bench.

NOT the edge's engine. ``bench/presence.py`` replays it beside the edge's rules (``engine``) and the
baselines as the ``model`` row, so the next step on it starts from a measured state; it becomes the edge's
engine only once it beats the rules on the holdout split. What it is:

- **State per garment** (``belief``): ``out`` of the fitting rooms; ``arriving`` / ``leaving`` along the
  corridor; per room ``hung``, ``worn`` (shielded from every antenna) and ``behind`` (worn, but the room
  behind the partition still hears it), worn and behind in two phases each so a try-on's length is
  peaked. A garment leaving a room reaches another only by way of the floor.
- **Evidence**, once per second of a garment's reads (raw, de-duplicated and aggregated readers look
  alike): per covered room, read or not and the peak RSSI. Rooms whose antenna or reader is down, or
  whose reader went improbably silent, say nothing.
- **Emissions learned online** (``radio``): each room's in-room level and the spread between garments,
  for each pair of rooms how often and how much weaker the other room hears a garment in this one (so
  neighbours are learned, nothing assumes a floor plan). Per garment: its read-rate distribution (a grid,
  re-drawn when handled), what is left of it while worn, and its own level above the room's (an offset
  shared by all reads of one second, so two rooms reading it in one second compare without knowing its
  orientation).
- **Decisions**: the place whose fixed-lag smoothed posterior (``lag_s`` later) reaches ``decide_at``.

Measured (``.venv/bin/python bench/presence.py``, holdout, 12 scenarios, 2026-12-05): acc* 0.936, entry p95
25.8 s, exit p50 6.8 s, flicker 0.72 per stay, false stays 0.65 per item-hour, 9 of 1,278 entries missed;
the edge's rules on the same traces: acc* 0.955, entry p95 5.5 s, exit p50 11.8 s, flicker 0.38, false
stays 2.60. Tune split (``--split tune``): acc* 0.938. What holds it back, from the tune split's traces:
entries (a new garment's level is unknown, so a door read and an in-room read look alike for several
seconds) and worn garments whose weak reads the corridor states explain better than the worn state.
"""
