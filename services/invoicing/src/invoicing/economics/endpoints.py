"""The economics' HTTP surface (finance and admins): ``GET /economics`` and ``GET /economics.csv``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["economics"])
