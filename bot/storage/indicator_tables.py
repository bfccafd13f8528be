"""Tables for imported indicator values (見える化 exports, surveys, the demo sample).

Real public statistics shipped in ``data/raw`` are read from CSV at start-up; only what users
import lives in the database, one row per indicator × year × municipality × small area.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base


class IndicatorValue(Base):
    __tablename__ = "analytics_indicator_value"
    __table_args__ = (UniqueConstraint("indicator", "year", "code5", "area", name="uq_ind_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    code5: Mapped[str] = mapped_column(String(5))
    # "" for the whole municipality, else a 日常生活圏域 / 地区 name
    area: Mapped[str] = mapped_column(String(100), default="")
    # NULL = missing (never shown as 0)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)


class ImportBatch(Base):
    """One successful import; ``data status`` shows the file and time per indicator-year."""

    __tablename__ = "analytics_import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
