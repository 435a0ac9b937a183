"""Checking the audit log: `collector-app audit verify` and the window's check at every start
(`services.backups.start_check`).

`verify_audit` runs `store.audit_trail.verify_chain` (the whole chain, and the money tables against
it) and turns each break into a `Problem` (AUDIT_*), the first entry that fails first, so that the
command line and the window say the same sentence; `WHAT_TO_DO` is the advice after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector_app.domain.problems import Problem, ProblemCode
from collector_app.i18n import N_, _
from collector_app.store.audit_trail import ChainBreak, Finding, verify_chain
from collector_app.store.db import Store

WHAT_TO_DO = N_(
    "Someone changed the money records outside the app. Record nothing more on this computer: copy the data "
    "folder to a USB stick, tell your supervisor, and keep the receipts; the provincial server keeps what was "
    "already sent."
)

_CODES = {
    Finding.HASH_MISMATCH: ProblemCode.AUDIT_ENTRY_CHANGED,
    Finding.BROKEN_LINK: ProblemCode.AUDIT_ENTRY_OUT_OF_ORDER,
    Finding.GAP: ProblemCode.AUDIT_ENTRY_OUT_OF_ORDER,
    Finding.ROW_CHANGED: ProblemCode.AUDIT_ROW_CHANGED,
    Finding.ROW_MISSING: ProblemCode.AUDIT_ROW_MISSING,
    Finding.UNLOGGED_ROW: ProblemCode.AUDIT_ROW_UNLOGGED,
}


@dataclass(frozen=True)
class AuditVerdict:
    entries: int  # money entries checked
    head: str  # the chain's last hash
    breaks: tuple[ChainBreak, ...]
    problems: tuple[Problem, ...]  # one per break, the first entry that fails first

    @property
    def sound(self) -> bool:
        return not self.problems

    def what_to_do(self) -> str:
        return _(WHAT_TO_DO)


def _when(text: str | None) -> datetime | str:
    if text is None:
        return "—"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def break_problem(found: ChainBreak) -> Problem:
    """The break as a Problem: which entry, what kind of money event, when, and what differs."""
    params: dict[str, object] = {"entry": found.chain_seq, "kind": found.kind, "at": _when(found.created_at),
                                 "record": found.record_id}
    if found.fields:
        params["fields"] = ", ".join(found.fields)
    elif found.finding is Finding.ROW_CHANGED:
        params["fields"] = "—"
    return Problem(_CODES[found.finding], params)


def verify_audit(store: Store) -> AuditVerdict:
    """Check the whole money chain and the money tables against it."""
    report = verify_chain(store)
    return AuditVerdict(entries=report.entries, head=report.head, breaks=report.breaks,
                        problems=tuple(break_problem(found) for found in report.breaks))
