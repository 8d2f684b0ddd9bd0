"""Immutable typed records shared by every layer: Event, Finding, raw records."""
