"""Simulated document camera: fictional old registry pages on a desk, with ground truth.

The demo, the tests and the benchmarks all draw from here, so every stage can be
measured against the exact page corners, skew angle and text that were rendered.
"""
