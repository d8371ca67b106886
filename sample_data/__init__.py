"""Deterministic sample data: a simulated support world written as vendor-shaped exports.

``simulate()`` builds the world in memory (canonical frames + truth); ``generate()`` writes the
files. See sample_data/README.md."""
