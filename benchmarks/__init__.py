"""Synthetic evidence at larger scales, and the benchmark that times the pipeline on it (not installed with sskg)."""
