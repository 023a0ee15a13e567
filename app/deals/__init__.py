"""Deals: expressions of interest, the NDA of a confidential need, the conversation, technology contracts and incubations."""
