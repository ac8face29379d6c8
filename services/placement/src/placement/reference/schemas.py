from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from placement.reference.models import TargetGroup


class TargetGroupOut(BaseModel):
    code: str
    name: str
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, group: TargetGroup) -> TargetGroupOut:
        return cls.model_validate(group, from_attributes=True)
