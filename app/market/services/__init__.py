"""Use cases of the market."""
