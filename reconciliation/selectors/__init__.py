"""Reads, one module per concern."""
