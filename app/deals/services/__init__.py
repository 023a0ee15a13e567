"""Use cases of the deals domain."""
