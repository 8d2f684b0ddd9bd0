"""Behaviour baselines per principal: first-seen novelty in the event path, pyod scoring at night.

The event-path modules (features, profile, store, detector, settings) import nothing heavy; pandas and
pyod live in `scoring` and are imported only by the `anomaly` command.
"""
