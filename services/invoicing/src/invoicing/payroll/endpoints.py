"""The pay periods' HTTP surface (finance and admins): list, preview, close, wage-basis exports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pay-periods"])
