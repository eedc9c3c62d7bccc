"""Benchmarks and the year-in-a-day simulation (bench/README.md)."""
