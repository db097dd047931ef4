"""What extraction produces: candidate values per field, and the record that carries them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

PageKind = Literal["item", "listing", "other"]

# How much a value is trusted for where it came from, before any other evidence (DESIGN §3).
KIND_PRIOR: dict[str, float] = {
    "jsonld": 0.95,
    "microdata": 0.92,
    "css": 0.9,
    "xpath": 0.9,
    "meta": 0.85,
    "opengraph": 0.85,
    "regex": 0.75,
    "text": 0.65,
    "heuristic": 0.6,
}


@dataclass(frozen=True)
class Candidate:
    """One value one extractor found for a field, and where it came from."""

    value: Any
    source: str  # e.g. "fields.price.extract[0] css:.price::text" or "product:jsonld:offers.price"
    kind: str  # a key of KIND_PRIOR
    from_template: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Classification:
    kind: PageKind
    score: float  # 0..1: how sure
    reason: str
