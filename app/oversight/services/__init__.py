"""Use cases of the bureau's oversight."""
