"""Pure image functions (OpenCV/NumPy): page detection, perspective, deskew, split, enhance, quality."""
