"""Accounts in the browser."""
