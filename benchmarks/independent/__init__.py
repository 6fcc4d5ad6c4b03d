"""Independent evaluation material: drawn by code that shares nothing with the project's simulator.

See :mod:`benchmarks.independent.frames`.  Nothing under ``hukou_scan`` may import this
package, and this package imports nothing from ``hukou_scan.capture.simulated``: a
detector tuned on the simulator must meet frames it has never seen the like of.
"""
