"""Wire formats in, raw records out. Everything here is about bytes and envelopes, never meaning."""
