"""The province dashboard's figures, each one aggregate query over every point a filter selects (no query per point).

Its money and progress are the points' progress figures (`store.progress`), not read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, and_, func, select, true

from provincial_server.store.schema import (
    batch_records,
    batches,
    changes,
    devices,
    points,
)


@dataclass(frozen=True)
class PointFilter:
    """Which points: of one province, of one commune (codes of `collector_app.admin_units`), or all."""

    province_code: str | None = None
    commune_code: str | None = None


@dataclass(frozen=True)
class DashboardPoint:
    code: str
    name: str
    province_code: str | None
    commune_code: str | None


@dataclass(frozen=True)
class DashboardDevice:
    point_code: str
    series: str
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None  # its last call of any kind (noted at most once a minute)
    last_batch_at: datetime | None  # when its newest batch (by its sequence) was received


@dataclass(frozen=True)
class ReviewCounts:
    batches_pending: int  # batches with records still awaiting a decision
    records_pending: int


@dataclass(frozen=True)
class Rejections:
    at_receipt: int  # records the server rejected when the batch came in
    by_supervisor: int  # accepted records a supervisor has rejected since (current decision)


class Dashboard:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def points(self, where: PointFilter) -> list[DashboardPoint]:
        query = select(points.c.code, points.c.name, points.c.province_code, points.c.commune_code)
        rows = self._connection.execute(query.where(*_point_conditions(where)).order_by(points.c.code))
        return [DashboardPoint(*row) for row in rows]

    def devices(self, where: PointFilter) -> list[DashboardDevice]:
        """The points' devices that are not revoked, with when each last called and last sent a batch."""
        # The newest batch by the device's sequence, one index probe per device (not a scan of every batch).
        last_batch = (select(batches.c.received_at).where(batches.c.device_id == devices.c.id)
                      .order_by(batches.c.device_sequence.desc()).limit(1).scalar_subquery())
        query = (
            select(devices.c.point_code, devices.c.series, devices.c.name, devices.c.enrolled_at,
                   devices.c.last_seen_at, last_batch)
            .where(devices.c.revoked_at.is_(None), _of_points(devices.c.point_code, where))
            .order_by(devices.c.point_code, devices.c.device_code)
        )
        return [DashboardDevice(*row) for row in self._connection.execute(query)]

    def review_counts(self, where: PointFilter) -> dict[str, ReviewCounts]:
        query = (
            select(batches.c.point_code, func.count(), func.sum(batches.c.pending_review))
            .where(batches.c.pending_review > 0, _of_points(batches.c.point_code, where))
            .group_by(batches.c.point_code)
        )
        return {row[0]: ReviewCounts(int(row[1]), int(row[2])) for row in self._connection.execute(query)}

    def rejections(self, where: PointFilter, *, received_from: datetime, received_before: datetime
                   ) -> dict[str, Rejections]:
        """Records of the batches received in [from, before), rejected at receipt or by a supervisor since."""
        in_time = and_(batches.c.received_at >= received_from, batches.c.received_at < received_before,
                       _of_points(batches.c.point_code, where))
        at_receipt = self._connection.execute(
            select(batches.c.point_code, func.sum(batches.c.rejected))
            .where(in_time, batches.c.rejected > 0).group_by(batches.c.point_code))
        by_supervisor = self._connection.execute(
            select(batches.c.point_code, func.count())
            .select_from(batch_records.join(batches, batches.c.batch_id == batch_records.c.batch_id))
            .where(in_time, batch_records.c.review == "rejected").group_by(batches.c.point_code))
        server = {row[0]: int(row[1]) for row in at_receipt}
        supervisor = {row[0]: int(row[1]) for row in by_supervisor}
        return {code: Rejections(server.get(code, 0), supervisor.get(code, 0)) for code in server.keys() | supervisor.keys()}

    def version(self) -> tuple[Any, ...]:
        """What changes whenever a review figure may: batches received (rejections at receipt and records to
        review arrive in them), decisions (each is a change of the feed)."""
        received = self._connection.execute(select(func.count()).select_from(batches)).scalar()
        changed = self._connection.execute(select(func.max(changes.c.id))).scalar()
        return received, changed


def _point_conditions(where: PointFilter) -> Sequence[ColumnElement[bool]]:
    conditions = []
    if where.province_code is not None:
        conditions.append(points.c.province_code == where.province_code)
    if where.commune_code is not None:
        conditions.append(points.c.commune_code == where.commune_code)
    return conditions


def _of_points(point_code: Column[str], where: PointFilter) -> ColumnElement[bool]:
    """`point_code` is one of the points `where` selects (always true without a filter)."""
    conditions = _point_conditions(where)
    if not conditions:
        return true()
    return point_code.in_(select(points.c.code).where(*conditions))
