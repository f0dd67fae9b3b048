"""Benchmarks: ratios against baselines measured in the same run (these machines are shared)."""
