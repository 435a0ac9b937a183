"""AttentionTableModel: records rejected by the server or by a supervisor, one `AttentionRecord` per row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from collector_app.formatting import format_vnd
from collector_app.i18n import N_, _
from collector_app.services.sync import REJECTED_BY_SERVER, AttentionRecord, rejection_text
from collector_app.ui.models.columns import CENTER, RIGHT, Column, RowsTableModel
from collector_app.ui.sync_controller import local_time_text

# The wire's record kinds (collector_app.wire.RecordKind), as the user calls them.
RECORD_KINDS = {"payment": N_("payment"), "void": N_("void"), "reprint": N_("reprint"),
                "household": N_("household"), "person": N_("person"), "enrolment": N_("enrolment"),
                "person_correction": N_("correction of a person"), "day_close": N_("day closing"),
                "handover": N_("hand-over"),
                "round": N_("visit round"), "round_visit": N_("visit of a round's household")}


def kind_text(kind: str) -> str:
    return _(RECORD_KINDS[kind]) if kind in RECORD_KINDS else kind


def rejected_by_text(record: AttentionRecord) -> str:
    return _("Server") if record.rejected_by == REJECTED_BY_SERVER else _("Supervisor")


def reason_text(record: AttentionRecord) -> str:
    """The reason in the current language: the server's code through our messages, or the supervisor's words."""
    if record.rejected_by == REJECTED_BY_SERVER:
        return rejection_text(record.code, record.params, record.message)
    return record.message


def reason_details(record: AttentionRecord) -> str:
    """The whole reason, what to do about it, the server's own words as they came (English) beside ours,
    and where the record is."""
    lines = [reason_text(record)]
    if record.way_out:
        lines.append("{label} {way}".format(label=_("What to do:"), way=record.way_out))
    if record.rejected_by == REJECTED_BY_SERVER and record.message and record.message != lines[0]:
        lines.append("{label} {original}".format(label=_("The server wrote:"), original=record.message))
    lines.append(_("Record {record_id} in batch {batch_id}").format(
        record_id=record.record_id, batch_id=record.batch_id))
    return "\n".join(lines)


ATTENTION_COLUMNS: tuple[Column[AttentionRecord], ...] = (
    Column("rejected_by", N_("Rejected by"), rejected_by_text),
    Column("kind", N_("Record"), lambda r: kind_text(r.kind)),
    Column("receipt", N_("Receipt number"), lambda r: r.receipt_number or ""),
    Column("person", N_("Full name"), lambda r: r.person or ""),
    Column("amount", N_("Amount"), lambda r: format_vnd(r.amount) if r.amount is not None else "", RIGHT),
    Column("when", N_("When"), lambda r: local_time_text(r.at), CENTER),
    Column("code", N_("Error code"), lambda r: r.code or ""),
    Column("reason", N_("Reason"), reason_text),
)


class AttentionTableModel(RowsTableModel[AttentionRecord]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(ATTENTION_COLUMNS, parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            return reason_details(self.row(index.row()))
        return super().data(index, role)
