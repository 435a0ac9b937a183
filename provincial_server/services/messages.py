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
    ProblemCode.SYNC_TEXT_TOO_LONG: "{field} has {length} characters; at most {max_length} are allowed",
    ProblemCode.SYNC_TEXT_UNSAFE: "{field} holds control or invisible characters",
    ProblemCode.SYNC_PAID_IN_FUTURE: "the payment is dated {date}, after the server's date {today}",
    ProblemCode.SYNC_TOP_UP_OTHER_PROVINCE:
        "a top-up of province {province} at a point of province {point_province}",
    ProblemCode.SYNC_SUPPORT_HISTORY_BEHIND:
        "counted {months} supported months before this payment; the server holds {held}",
    ProblemCode.SYNC_CARD_HISTORY_BEHIND:
        "follows a card ending {claimed}; the server holds a card ending {held}",
    ProblemCode.SYNC_VOID_RECEIPT_UNKNOWN: "no payment of this device with receipt {number} reached the server",
    ProblemCode.PAYMENT_MONEY_MISMATCH: "{field} is {amount}, but policy table {version} gives {expected}",
    ProblemCode.PAYMENT_DATE_MISMATCH: "{field} is {claimed}, but the rules give {computed}",
    ProblemCode.PAYMENT_COUNT_MISMATCH: "{field} is {claimed}, but the rules give {computed}",
    ProblemCode.PAYMENT_MEMBERS_OUT_OF_ORDER: "{field} is {claimed}, not after {after}: members out of order",
    ProblemCode.PAYMENT_VSI_ONE_PARTICIPANT: "a voluntary SI payment is for one person, not {count}",
    ProblemCode.PAYMENT_INPUT_MISSING: "{field} lacks what its figures are computed from",
    ProblemCode.PAYMENT_POLICY_VERSION_MISMATCH: "names policy version {claimed}, computed with {version}",
    ProblemCode.PAYMENT_PERIOD_ALREADY_PAID: "the period from {period_from} is already paid up to {paid_to}",
    ProblemCode.SYNC_DUPLICATE_IN_BATCH: "record {record_id} appears twice in this batch",
    ProblemCode.SYNC_RECORD_DUPLICATE: "already received in batch {batch_id}; kept once",
    ProblemCode.SYNC_RECORD_CONFLICT: "batch {batch_id} delivered this record id with other content",
    ProblemCode.SYNC_RECEIPT_TAKEN: "receipt number {number} is already used by another payment",
    ProblemCode.RECEIPT_NUMBER_FORMAT: "{text!r} is not a receipt number",
    ProblemCode.RECEIPT_ALREADY_VOID: "receipt {number} is already void",
    ProblemCode.VOID_REASON_EMPTY: "the void has no reason",
    ProblemCode.DAY_UNKNOWN_DENOMINATION: "the count holds a note of {denomination} VND, which does not exist",
    ProblemCode.DAY_NOTES_OUT_OF_RANGE: "the count holds {count} notes of {denomination} VND; 0 to {max} allowed",
    ProblemCode.DAY_REASON_REQUIRED: "the day's cash differs by {amount} VND and the closing gives no reason",
    ProblemCode.DAY_REASON_TOO_LONG: "reason has {length} characters; at most {max_length} are allowed",
    ProblemCode.COMMISSION_RATES_MISSING: "the newest policy table has no commission rates in force on {date}",
}


def describe(problem: Problem) -> str:
    """One English line for `problem`; codes raised by the policy calculators show their params."""
    template = ENGLISH.get(problem.code)
    params = problem.as_dict()["params"]
    if template is None:
        details = ", ".join(f"{name}={value}" for name, value in sorted(params.items()))
        return f"refused by the policy calculator: {problem.code}" + (f" ({details})" if details else "")
    return template.format(**params)


def format_count(count: int) -> str:
    """A count grouped as the app groups figures, "." between thousands: 1263600 -> "1.263.600".

    The server keeps its own (collector_app.formatting is the app's, on Babel): one rule, in both places
    the same output, tested against each other in tests/server/test_server_commands.py.
    """
    return f"{count:,}".replace(",", ".")


def format_vnd(amount: int) -> str:
    """An amount as receipts show it: 1263600 -> "1.263.600 đ"."""
    return f"{format_count(amount)} đ"
