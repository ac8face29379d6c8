"""The parties' mails in pure terms (issue 14, part B): an invoicing event waiting for its recipients."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

COMPANY = "company"
MUNICIPALITY = "municipality"


@dataclass(frozen=True)
class Waiting:
    """An invoicing event (``event_id``, ``event_type``, its ``data`` as published) whose party (``company`` or
    ``municipality`` ``party_id``) has no recipient known yet; ``invoice_id`` a payment reminder's invoice."""

    event_id: uuid.UUID
    event_type: str
    party: str
    party_id: uuid.UUID
    invoice_id: uuid.UUID | None
    data: dict[str, Any]
