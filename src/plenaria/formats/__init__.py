"""Serialized outputs of a Transcript: JSON, WebVTT, SRT."""
