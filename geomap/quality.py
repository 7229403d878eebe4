"""Row-level rejections: bad input is reported with file, row and field, and counted."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Rejection:
    """One rejected row or feature."""

    file: str
    row: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}: field {self.field!r}: {self.reason}"


@dataclass
class RejectLog:
    """Collects rejections while a layer loads; keeps every count, and the first ``keep`` rows."""

    keep: int = 2000
    items: list[Rejection] = field(default_factory=list)
    count: int = 0

    def add(self, file: str, row: object, field_name: str, reason: str) -> None:
        """Record one rejected row (``row`` is a 1-based line/row number or a feature id)."""
        self.count += 1
        if len(self.items) < self.keep:
            self.items.append(Rejection(str(file), str(row), field_name, reason))

    def to_json(self) -> list[dict]:
        return [asdict(r) for r in self.items]
