"""English sentences for the problem codes the server puts in its answers (for logs and supervisors).

Devices do not show these: they translate `code` and `params` with `collector_app.messages`.
"""

from __future__ import annotations

from collector_app.domain.problems import Problem, ProblemCode

ENGLISH: dict[ProblemCode, str] = {
    ProblemCode.SYNC_UNKNOWN_KIND: "unknown record kind {kind!r}",
    ProblemCode.SYNC_FIELD_MISSING: "missing field {field}",
    ProblemCode.SYNC_FIELD_INVALID: "invalid value in field {field}",
    ProblemCode.SYNC_AMOUNT_NOT_NET: "{field} is {amount}, but gross minus support is {expected}",
    ProblemCode.SYNC_TOTAL_MISMATCH: "{field} is {amount}, but the items add up to {expected}",
    ProblemCode.SYNC_SERIES_NOT_DEVICE: "receipt {number} is not of this device's series {series}",
    ProblemCode.SYNC_RECEIPT_YEAR_MISMATCH: "receipt {number} is numbered for another year than {date}",
    ProblemCode.SYNC_POLICY_UNKNOWN: "policy table version {version} is not published on this server",
    ProblemCode.SYNC_GROSS_MISMATCH: "{field} is {amount}, but policy table {version} gives {expected}",
    ProblemCode.SYNC_DUPLICATE_IN_BATCH: "record {record_id} appears twice in this batch",
    ProblemCode.SYNC_RECORD_DUPLICATE: "already received in batch {batch_id}; kept once",
    ProblemCode.SYNC_RECORD_CONFLICT: "batch {batch_id} delivered this record id with other content",
    ProblemCode.SYNC_RECEIPT_TAKEN: "receipt number {number} is already used by another payment",
    ProblemCode.RECEIPT_NUMBER_FORMAT: "{text!r} is not a receipt number",
    ProblemCode.RECEIPT_ALREADY_VOID: "receipt {number} is already void",
    ProblemCode.VOID_REASON_EMPTY: "the void has no reason",
}


def describe(problem: Problem) -> str:
    """One English line for `problem`; codes raised by the policy calculators show their params."""
    template = ENGLISH.get(problem.code)
    params = problem.as_dict()["params"]
    if template is None:
        details = ", ".join(f"{name}={value}" for name, value in sorted(params.items()))
        return f"refused by the policy calculator: {problem.code}" + (f" ({details})" if details else "")
    return template.format(**params)
