"""Settings of the web application: the one settings object (``openaims.settings``)."""

from __future__ import annotations

from openaims.settings import Settings

#: The web application reads the same settings object as the rest of OpenAIMS.
WebSettings = Settings

__all__ = ["WebSettings"]
