"""Benchmarks: plain scripts that print figures; run one with `python -m bench.<name>`, all with `python -m bench`."""
