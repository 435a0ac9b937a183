"""Collector app: offline-first registration and payment collection for voluntary SI and family HI."""

__version__ = "0.1.0"
