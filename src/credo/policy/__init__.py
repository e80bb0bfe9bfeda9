"""Jurisdiction policies: which sources and features may be used, and which attributes are
protected. Presets (us, eu, cn) are JSON data files in presets/; a path loads a custom one."""

from credo.policy.policy import PRESETS, Policy, PolicyError, load_policy

__all__ = ["PRESETS", "Policy", "PolicyError", "load_policy"]
