"""Internals of the synthetic population generator (the public API is credo.events.synthetic)."""
