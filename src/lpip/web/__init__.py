"""The web app: `create_app(settings)` builds it; `lpip serve` runs it with uvicorn."""

from lpip.web.app import create_app

__all__ = ["create_app"]
