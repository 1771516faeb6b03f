"""The fitting-room queue: walk-in parties wait for a room that sensing releases."""
