"""The event format's closed vocabularies, in a module that imports nothing heavy, so that
the command line can show them in its help without loading pyarrow (see schema.py)."""

from __future__ import annotations

SOURCES: tuple[str, ...] = (
    "card",
    "loan",
    "bank",
    "utility",
    "telecom",
    "rent",
    "ecommerce",
    "payments",
    "identity",
    "social",
)

TYPES: tuple[str, ...] = (
    "account_opened",
    "account_closed",
    "statement",
    "payment",
    "account_status",
    "inquiry",
    "income",
    "purchase",
    "refund",
    "transfer",
    "balance",
    "profile",
    "activity",
)

PURPOSES: tuple[str, ...] = (
    "credit_scoring",
    "credit_application",
    "account_review",
    "collections",
    "fraud_prevention",
)
