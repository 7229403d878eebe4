"""Benchmarks and the load test."""
