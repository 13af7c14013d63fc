"""OpenAIMS: an open-source AI management system for ISO/IEC 42001."""

__version__ = "0.1.0"
