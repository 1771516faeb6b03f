"""Reserve to try at the edge: the reservations the centre sent, moved on by sensing."""
