"""The fitting rooms at work: the session manager (the pure session machine kept in step with the
database), the worker that feeds it from the bus off the event loop, and their Prometheus metrics."""
