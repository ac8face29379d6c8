from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from vikar_shared.types.text import SingleLine


class DigestRequestIn(BaseModel):
    """``consultant``: the consultant's token subject; a consultant may leave it out (themselves), an admin names
    it."""

    model_config = ConfigDict(extra="forbid")
    consultant: Annotated[str, SingleLine(200)] | None = None


class DigestRequestOut(BaseModel):
    consultant: str
    week: str = Field(description="ISO week, e.g. 2026-W49")
    planned: bool = Field(description="False: a digest of this week was already asked for today")
