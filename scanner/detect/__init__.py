"""Event → Finding: the rules engine and the detectors that need more than a rule can say."""
