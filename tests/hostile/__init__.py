"""Hostile inputs, built in memory: nothing big or dangerous is committed to the repository."""
