"""fitroom edge service: one process per store."""
