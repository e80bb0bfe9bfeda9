"""credo: an open credit-scoring engine."""

__version__ = "0.1.0"
