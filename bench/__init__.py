"""Benchmarks for the public site; see bench/README.md."""
