"""The chain's product catalog model (styles, SKUs, stock) and its JSON file form.

A package of its own because both sides speak it and neither may import the other: the edge
(``edge.catalog`` builds on it) and the central store (``cloud_sync.central`` stores and serves it).
It imports nothing of ours.
"""
