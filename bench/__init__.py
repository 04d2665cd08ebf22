"""Benchmarks (never run by the tests): `make bench` or `python -m bench.<script>`."""
