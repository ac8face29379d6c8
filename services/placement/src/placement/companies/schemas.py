from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class ApproverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    cvr: str = Field(max_length=20)
    approvers: list[ApproverIn] = Field(min_length=1, max_length=20)


class ApproverOut(BaseModel):
    email: str
    name: str


class CompanyOut(BaseModel):
    id: UUID
    name: str
    cvr: str
    approvers: list[ApproverOut]
