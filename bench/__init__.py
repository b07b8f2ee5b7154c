"""Benchmarks: twofa under load from a separate process, against baselines of the same run."""
