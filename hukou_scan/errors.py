"""Error hierarchy with user-facing messages in Chinese and English.

Core code cannot use Qt's translation system (it never imports Qt), so every
error carries its message in both UI languages.  The GUI and the CLI pick the
one matching the user's language via :meth:`HukouScanError.user_message`.
"""

from __future__ import annotations

import os

_LANG_ENV = "HUKOU_LANG"


def current_language() -> str:
    """Return the UI language for core messages: ``zh_CN`` (default) or ``en``."""
    lang = os.environ.get(_LANG_ENV, "zh_CN")
    return "en" if lang.lower().startswith("en") else "zh_CN"


def set_language(lang: str) -> None:
    """Select the language core messages are rendered in (process-wide)."""
    os.environ[_LANG_ENV] = "en" if lang.lower().startswith("en") else "zh_CN"


def localized(text: str, lang: str | None = None) -> str:
    """One language of a stored bilingual 「中文 / English」 text (page state reasons, job
    errors, QA details), so a Chinese screen never shows the English half and vice versa.

    Text that is not such a pair is returned unchanged.
    """
    zh, sep, en = text.partition(" / ")
    if not sep or not any("\u4e00" <= c <= "\u9fff" for c in zh):
        return text
    if any("\u4e00" <= c <= "\u9fff" for c in en):
        return text
    return en.strip() if (lang or current_language()) == "en" else zh.strip()


class HukouScanError(Exception):
    """Base of all errors a user may see.

    Args:
        zh: message in Simplified Chinese (the default UI language).
        en: the same message in English.
        hint_zh: what to do next, in Chinese (optional).
        hint_en: what to do next, in English (optional).
    """

    exit_code = 1

    def __init__(self, zh: str, en: str, *, hint_zh: str = "", hint_en: str = "") -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.hint_zh = hint_zh
        self.hint_en = hint_en

    def user_message(self, lang: str | None = None) -> str:
        """The message in the requested (or current) language, with the hint appended."""
        lang = lang or current_language()
        if lang == "en":
            return f"{self.en}\n{self.hint_en}".strip()
        return f"{self.zh}\n{self.hint_zh}".strip()


class ConfigError(HukouScanError):
    """Settings file or environment is invalid."""

    exit_code = 2


class MissingDependencyError(HukouScanError):
    """A system tool, language pack or font is not installed."""

    exit_code = 3


class DeviceError(HukouScanError):
    """Camera not found, busy or disconnected."""

    exit_code = 4


class ImageProcessingError(HukouScanError):
    """An image could not be decoded or processed."""

    exit_code = 5


class OcrError(HukouScanError):
    """Text recognition failed."""

    exit_code = 6


class OcrTimeoutError(OcrError):
    """Text recognition took longer than allowed."""


class StorageError(HukouScanError):
    """Database or file store failure (disk full, corrupt file, checksum mismatch)."""

    exit_code = 7


class NotFoundError(HukouScanError):
    """A requested record does not exist."""

    exit_code = 8


class SyncError(HukouScanError):
    """Object storage failure; ``retryable`` tells the sync engine whether to try again."""

    exit_code = 9

    def __init__(
        self, zh: str, en: str, *, retryable: bool = True, hint_zh: str = "", hint_en: str = ""
    ) -> None:
        super().__init__(zh, en, hint_zh=hint_zh, hint_en=hint_en)
        self.retryable = retryable


class ExportError(HukouScanError):
    """PDF export failed."""

    exit_code = 10


class PermissionDenied(HukouScanError):
    """The logged-in user's roles do not allow the action."""

    exit_code = 11


class InvalidInputError(HukouScanError):
    """A value typed or supplied by a user was rejected (empty, too long, control characters …)."""

    exit_code = 2


class ImportRowError(HukouScanError):
    """One row of a registry import file is malformed."""

    exit_code = 12

    def __init__(self, row: int, zh: str, en: str) -> None:
        super().__init__(f"第 {row} 行：{zh}", f"Row {row}: {en}")
        self.row = row
