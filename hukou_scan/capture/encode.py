"""Encoding of captured frames (OpenCV lives in capture/imaging, so services call this)."""

from __future__ import annotations

import cv2
import numpy as np

from hukou_scan.errors import ImageProcessingError
from hukou_scan.imaging.limits import check_image_file


def encode_jpeg(frame_bgr: np.ndarray, quality: int = 95) -> bytes:
    """The capture original: baseline JPEG at ``quality`` (q95 keeps handwriting strokes intact)."""
    ok, enc = cv2.imencode(".jpg", frame_bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ImageProcessingError("图像编码失败。", "Could not encode the captured frame as JPEG.")
    return bytes(enc.tobytes())


def decode_image(data: bytes) -> np.ndarray:
    """Decode image bytes to BGR (for thumbnails and re-processing); the pixel limit applies."""
    check_image_file(data)
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if arr is None:
        raise ImageProcessingError("无法解码图像。", "Could not decode the image.")
    return np.asarray(arr)


def thumbnail_jpeg(data: bytes, width: int = 160, quality: int = 80) -> bytes:
    """A small JPEG for the page strip, decoded at reduced size when the codec allows."""
    check_image_file(data)
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
    if arr is None:
        arr = decode_image(data)
    return thumbnail_from_array(arr, width, quality)


def thumbnail_from_array(image: np.ndarray, width: int = 160, quality: int = 80) -> bytes:
    """A small JPEG of an image already in memory (grey or BGR).

    The processing worker calls this on the derivative it has just made, so a stored
    thumbnail costs one resize instead of a second decode of an 8 MP file.
    """
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, enc = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ImageProcessingError("缩略图生成失败。", "Could not make a thumbnail.")
    return bytes(enc.tobytes())


def resize_to_width(frame_bgr: np.ndarray, width: int) -> np.ndarray:
    """Shrink to ``width`` pixels wide (aspect kept); smaller images are returned as they are."""
    h, w = frame_bgr.shape[:2]
    if w <= width:
        return frame_bgr
    return cv2.resize(frame_bgr, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def rotate_quarter(frame_bgr: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90° clockwise (for previews of the clerk's turns)."""
    k = (degrees // 90) % 4
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return frame_bgr if k == 0 else np.asarray(cv2.rotate(frame_bgr, codes[k]))
