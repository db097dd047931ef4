"""What the health endpoints answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ComponentStatus(BaseModel):
    status: Literal["ok", "down"]
    detail: str = ""


class HealthReport(BaseModel):
    status: Literal["ok", "degraded", "down"]
    version: str
    components: dict[str, ComponentStatus] = {}


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"
