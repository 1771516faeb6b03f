"""The edge's web layer: the FastAPI app factory and one router per resource."""

from edge.web.app import create_app

__all__ = ["create_app"]
