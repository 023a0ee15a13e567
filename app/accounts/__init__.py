"""Accounts: registration, login, API tokens, organizations, the bureau's verification and claims to a taken credit code."""
