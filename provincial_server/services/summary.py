"""Figures over the whole server, comparable with a device's `collector-app status --json`."""

from __future__ import annotations

from typing import Any

from provincial_server.store.unit_of_work import UnitOfWork


def summary(uow: UnitOfWork) -> dict[str, Any]:
    """`batches` received, `records` in them, `payments` stored once each and `payments_total` (VND)."""
    with uow:
        batch_count, record_count, rejected, duplicates = uow.batches.counts()
        payments, payments_total, voided_total = uow.ledger.totals()
        return {
            "points": uow.points.count(),
            "devices": uow.points.device_count(),
            "batches": batch_count,
            "records": record_count,
            "rejected_records": rejected,
            "duplicate_records": duplicates,
            "payments": payments,
            "payments_total": payments_total,
            "voided_total": voided_total,
            "policy_versions": uow.feed.policy_versions(),
        }
