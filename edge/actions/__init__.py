"""What the mirror and the associate console do, one module per capability: ``mirror`` (size requests,
buy now, help calls, "email me the rest") and ``associate`` (claiming and completing tasks).

Actions apply the shop's rules and write through the session manager and data access; they raise
``edge.errors`` domain errors and know nothing of HTTP, so the routes that call them stay thin.
"""
