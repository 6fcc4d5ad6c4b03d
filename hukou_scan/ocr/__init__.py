"""Text recognition engines and registry field extraction.

- :mod:`.engine` – the :class:`~.engine.OcrEngine` protocol and the registry of engines
  by name (``rapidocr`` default, ``tesseract``; more via ``register_engine``, a
  ``hukou_scan.ocr_engines`` entry point or a ``"module:factory"`` name).
- :mod:`.rapid` / :mod:`.tesseract` – the two engines (bundled models only / one
  wrapper with probe and timeouts).
- :mod:`.form` – our page pipeline: blank check, whole-page reading, ruled-cell grid,
  reading order, label/value pairing, write-back of confirmed repairs.
- :mod:`.fields` – field parsers and cross-checks with reason codes.
- :mod:`.worker` – the worker-process loop used by ``services.ocr.OcrService``.

Entry point for callers: ``recognize_page(create_engine(name), image)``.
"""
