"""Use cases of the accounts domain."""
