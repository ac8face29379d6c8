from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class TargetGroupOut(BaseModel):
    code: str
    name: str
    valid_from: date
    valid_to: date | None
