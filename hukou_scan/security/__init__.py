"""Users, roles, password hashing, ID masking and the hash-chained audit log."""

from __future__ import annotations

from hukou_scan.security.audit import GENESIS, Anchor, AuditChain, ChainProblem, VerifyReport
from hukou_scan.security.masking import mask_id
from hukou_scan.security.passwords import InvalidInputError, PasswordHashing
from hukou_scan.security.roles import ROLE_LABELS_EN, ROLE_LABELS_ZH, has_any_role, may_act_on_station

__all__ = [
    "GENESIS",
    "ROLE_LABELS_EN",
    "ROLE_LABELS_ZH",
    "Anchor",
    "AuditChain",
    "ChainProblem",
    "InvalidInputError",
    "PasswordHashing",
    "VerifyReport",
    "has_any_role",
    "mask_id",
    "may_act_on_station",
]
