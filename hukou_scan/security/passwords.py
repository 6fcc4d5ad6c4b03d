"""Password hashing (argon2id via argon2-cffi) and input rules for login and user forms.

We never hash by hand: argon2-cffi's :class:`~argon2.PasswordHasher` produces
self-describing argon2id strings (``$argon2id$v=19$m=…``) and tells us when stored
hashes need a re-hash after the parameters change.  What is ours is the validation
of what a user may type: usernames, display names and passwords are checked here so
that every front end (GUI form, CLI prompt) rejects the same bad input with the same
bilingual message, before anything reaches the database.
"""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hukou_scan.domain.validation import clean_text
from hukou_scan.errors import InvalidInputError as InvalidInputError  # re-exported: it used to live here

MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_USERNAME = 64
MAX_DISPLAY_NAME = 100

_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@\-\u4e00-\u9fff]{2,64}$")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in text)


def validate_username(username: str) -> str:
    """Return the normalised username or raise :class:`InvalidInputError`.

    Letters, digits, ``_ . - @`` and Chinese characters, 2–64 long; NFC-normalised so
    that two visually identical names cannot coexist.
    """
    name = unicodedata.normalize("NFC", username or "").strip()
    if not name:
        raise InvalidInputError("用户名不能为空。", "The username must not be empty.")
    if len(name) > MAX_USERNAME:
        raise InvalidInputError(
            f"用户名过长（最多 {MAX_USERNAME} 个字符）。",
            f"The username is too long (at most {MAX_USERNAME} characters).",
        )
    if _has_control(name) or not _USERNAME_RE.match(name):
        raise InvalidInputError(
            "用户名只能包含字母、数字、汉字和 _ . - @，长度 2–64。",
            "A username may contain only letters, digits, Chinese characters and _ . - @ (2–64 long).",
        )
    return name


def validate_display_name(display_name: str) -> str:
    """Return the trimmed display name; any printable text up to 100 characters."""
    if not (display_name or "").strip():
        raise InvalidInputError("姓名不能为空。", "The display name must not be empty.")
    return clean_text(display_name, field_zh="姓名", field_en="display name", max_len=MAX_DISPLAY_NAME)


def validate_password(password: str) -> str:
    """Check a new password: 8–256 characters, no control characters, not only spaces,
    and at least two kinds of character (letters, digits, other)."""
    if not password or not password.strip():
        raise InvalidInputError("密码不能为空。", "The password must not be empty.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInputError(
            f"密码过长（最多 {MAX_PASSWORD} 个字符）。",
            f"The password is too long (at most {MAX_PASSWORD} characters).",
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(
            f"密码至少需要 {MIN_PASSWORD} 个字符。",
            f"The password needs at least {MIN_PASSWORD} characters.",
        )
    if _has_control(password):
        raise InvalidInputError("密码中含有控制字符。", "The password contains control characters.")
    kinds = sum(
        (
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2:
        raise InvalidInputError(
            "密码需同时包含字母、数字或符号中的至少两类。",
            "The password needs at least two of: letters, digits, symbols.",
        )
    return password


class PasswordHashing:
    """argon2id hashing with a dummy hash so unknown users take as long as known ones.

    Args:
        hasher: an :class:`argon2.PasswordHasher`; tests pass a cheap one.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("dummy-password-for-timing")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        """True when ``password`` matches ``stored``; malformed hashes never match."""
        if len(password) > MAX_PASSWORD:
            return False
        try:
            return bool(self.hasher.verify(stored or self._dummy, password)) and bool(stored)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def burn(self, password: str) -> None:
        """Spend the time of one verification (for unknown usernames)."""
        self.verify(self._dummy, password[:MAX_PASSWORD])

    def needs_rehash(self, stored: str) -> bool:
        try:
            return bool(self.hasher.check_needs_rehash(stored))
        except (InvalidHashError, ValueError):
            return True
