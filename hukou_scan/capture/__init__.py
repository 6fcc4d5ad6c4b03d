"""Frame sources: document cameras (OpenCV), network streams, the simulated camera, auto-capture."""
