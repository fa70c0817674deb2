"""Vigil: multi-modal surveillance and incident detection."""

__version__ = "0.1.0"
