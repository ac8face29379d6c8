"""Company rules: CVR validation."""

from __future__ import annotations

import re

from vikar_shared.errors import invalid

_CVR = re.compile(r"^[1-9]\d{7}$")
_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def parse_cvr(raw: str, field: str = "cvr") -> str:
    """Eight digits, no leading zero, modulus-11 check with weights 2 7 6 5 4 3 2 1."""
    cvr = raw.replace(" ", "")
    if not _CVR.match(cvr):
        raise invalid(field, "cvr-format", "CVR must be 8 digits and not start with 0")
    if sum(int(d) * w for d, w in zip(cvr, _WEIGHTS, strict=True)) % 11 != 0:
        raise invalid(field, "cvr-checksum", "CVR fails the modulus-11 check")
    return cvr
