"""One table from problem code to translated message template, for the UI, the CLI and receipts."""

from __future__ import annotations

from datetime import date

from collector_app.domain.problems import Problem, ProblemCode
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _

TEMPLATES: dict[ProblemCode, str] = {
    ProblemCode.POLICY_NOT_IN_FORCE: N_(
        "No policy table is in force on {date} (missing: {missing}): the amount cannot be computed for that date."
    ),
    ProblemCode.INCOME_BELOW_FLOOR: N_(
        "The monthly income {income} is below the minimum of {floor} in force on {date}."
    ),
    ProblemCode.INCOME_ABOVE_CEILING: N_(
        "The monthly income {income} is above the maximum of {ceiling} in force on {date}."
    ),
    ProblemCode.INCOME_NOT_ON_STEP: N_("The monthly income {income} must be a multiple of {step}."),
    ProblemCode.VSI_MONTHS_NOT_ALLOWED: N_(
        "Voluntary SI cannot be paid for {months} months at once; allowed: {allowed}."
    ),
    ProblemCode.VSI_PERIOD_OUTSIDE_WINDOW: N_(
        "A {months}-month period starting {period_from} can be paid only within its first {window} "
        "month(s), not on {date}."
    ),
    ProblemCode.VSI_PREPAY_NEEDS_FUND_RETURN: N_(
        "Paying {months} months ahead needs the fund's published monthly return for {date}, "
        "and the policy table has none yet."
    ),
    ProblemCode.UNKNOWN_SUPPORT_GROUP: N_(
        "Unknown support group '{group}'; use one of: {allowed}."
    ),
    ProblemCode.SUPPORT_HISTORY_INVALID: N_(
        "Months of state support already received must be between 0 and {cap}; got {months}."
    ),
    ProblemCode.UNKNOWN_LOCAL_SUPPORT_AREA: N_(
        "No local support table exists for province '{province}'."
    ),
    ProblemCode.HI_MONTHS_NOT_ALLOWED: N_(
        "Family health insurance cannot be paid for {months} months at once; allowed: {allowed}."
    ),
    ProblemCode.HI_NO_MEMBERS: N_("A family health insurance payment needs at least one member."),
    ProblemCode.HOUSEHOLD_TOO_MANY_MEMBERS: N_(
        "A household can have at most {max_members} members, not {members}."
    ),
    ProblemCode.DATE_OUT_OF_RANGE: N_(
        "The date {value} is outside the dates this app works with ({earliest} to {latest})."
    ),
    # identity checks
    ProblemCode.CCCD_FORMAT: N_("A citizen ID number has exactly 12 digits."),
    ProblemCode.CCCD_UNKNOWN_PROVINCE: N_(
        "The citizen ID number starts with {code}, which is not a province code."
    ),
    ProblemCode.CCCD_UNKNOWN_COUNTRY: N_(
        "The citizen ID number starts with {code}, which is not the code of a country of birth abroad."
    ),
    ProblemCode.CCCD_BIRTH_YEAR_IN_FUTURE: N_(
        "The citizen ID number gives the birth year {birth_year}, which is in the future."
    ),
    ProblemCode.CCCD_BIRTH_YEAR_MISMATCH: N_(
        "The citizen ID number gives the birth year {decoded_year}, but the date of birth is in {year}."
    ),
    ProblemCode.CCCD_SEX_MISMATCH: N_(
        "The citizen ID number's 4th digit ({digit}) does not match the sex entered."
    ),
    ProblemCode.DATE_OF_BIRTH_IN_FUTURE: N_("The date of birth is in the future."),
    ProblemCode.SI_CODE_FORMAT: N_("A social insurance code has exactly 10 digits."),
    ProblemCode.PHONE_INVALID: N_("This is not a valid phone number."),
    ProblemCode.PHONE_NOT_VIETNAMESE: N_("The phone number must be a Vietnamese mobile number."),
    ProblemCode.PHONE_NOT_MOBILE: N_(
        "This is not a mobile number; enter a mobile number, e.g. 0912 345 678."
    ),
    ProblemCode.NAME_EMPTY: N_("The full name is empty."),
    ProblemCode.NAME_TOO_LONG: N_("The full name is longer than {max_length} characters."),
    ProblemCode.NAME_INVALID_CHARACTERS: N_(
        "The full name may contain only letters, spaces, hyphens and apostrophes, not: {characters}"
    ),
    ProblemCode.NAME_SINGLE_WORD: N_("Enter the full name: family name and given name."),
    ProblemCode.VSI_UNDER_MIN_AGE: N_(
        "Voluntary social insurance is open from age {min_age}; the person is {age}."
    ),
    ProblemCode.TEXT_UNSAFE_CHARACTERS: N_(
        "The {field} holds invisible or control characters ({characters}); type it again without them."
    ),
    ProblemCode.TEXT_TOO_LONG: N_("The {field} has {length} characters; at most {max_length} are allowed."),
    ProblemCode.FOREIGN_DIGITS: N_(
        "Write numbers with the digits 0-9; this one holds digits of another script ({characters})."
    ),
    # household import
    ProblemCode.IMPORT_UNSUPPORTED_FILE: N_(
        "Cannot import '{name}': only .csv and .xlsx files can be imported."
    ),
    ProblemCode.IMPORT_UNREADABLE_FILE: N_("Cannot read '{name}': {reason}"),
    ProblemCode.IMPORT_NOT_UTF8: N_(
        "The file '{name}' is not UTF-8 text; save it as \"CSV UTF-8\" and import it again."
    ),
    ProblemCode.IMPORT_EMPTY_FILE: N_("The file '{name}' has no header row."),
    ProblemCode.IMPORT_MISSING_COLUMNS: N_("The header row lacks the required columns: {columns}."),
    ProblemCode.IMPORT_DUPLICATE_COLUMN: N_("The header row has the column '{column}' more than once."),
    ProblemCode.IMPORT_FILE_NOT_FOUND: N_("There is no file '{name}'; check the name and the folder."),
    ProblemCode.IMPORT_NOT_A_FILE: N_(
        "'{name}' is not a file but a folder, a pipe or a device; choose the list's .csv or .xlsx file."
    ),
    ProblemCode.IMPORT_PERMISSION_DENIED: N_(
        "You may not read '{name}'; copy it into one of your own folders and import it from there."
    ),
    ProblemCode.IMPORT_FILE_TOO_LARGE: N_(
        "'{name}' is larger than {max_mb} MB, too large for a household list; split it into several files."
    ),
    ProblemCode.IMPORT_CSV_CELL_TOO_LONG: N_(
        "Line {line} of '{name}' has a cell longer than {max_length} characters, which no household list "
        "has: a quotation mark (\") is probably left open there. Correct the file and import it again."
    ),
    ProblemCode.IMPORT_MISSING_VALUE: N_("The column '{column}' is empty."),
    ProblemCode.IMPORT_BAD_DATE: N_("'{value}' is not a date; write dd/mm/yyyy, e.g. 25/03/1985."),
    ProblemCode.IMPORT_BAD_SEX: N_("'{value}' is not a sex; write Nam or Nữ (male or female)."),
    ProblemCode.IMPORT_BAD_MEMBER_ORDER: N_(
        "'{value}' is not a member order (a whole number from 1 to {max_members})."
    ),
    ProblemCode.IMPORT_UNKNOWN_PROVINCE: N_("There is no province '{value}'."),
    ProblemCode.IMPORT_UNKNOWN_COMMUNE: N_("There is no commune or ward '{value}'."),
    ProblemCode.IMPORT_AMBIGUOUS_COMMUNE: N_(
        "'{value}' may mean several communes ({candidates}); write the name with its accents or the code."
    ),
    ProblemCode.IMPORT_COMMUNE_NOT_IN_PROVINCE: N_("The commune '{commune}' is not in {province}."),
    ProblemCode.IMPORT_CITIZEN_ID_IN_STORE: N_(
        "The citizen ID {citizen_id} belongs to someone already registered."
    ),
    ProblemCode.IMPORT_CITIZEN_ID_TWICE: N_(
        "The citizen ID {citizen_id} is already on line {first_line} of this file."
    ),
    ProblemCode.IMPORT_HOUSEHOLD_CODE_IN_STORE: N_(
        "The household code {household} belongs to a household already registered."
    ),
    ProblemCode.IMPORT_HOUSEHOLD_DETAILS_DIFFER: N_(
        "The column '{column}' differs from line {first_line} of household {household}; "
        "a household has one address."
    ),
    ProblemCode.IMPORT_HOUSEHOLD_SKIPPED: N_("Household {household} skipped because line {line} is invalid."),
    ProblemCode.IMPORT_VALUE_TOO_LONG: N_(
        "The column '{column}' holds {length} characters; at most {max_length} are allowed."
    ),
    ProblemCode.IMPORT_UNSAFE_CHARACTERS_REMOVED: N_(
        "The column '{column}' held invisible or control characters ({characters}); they were removed."
    ),
    # receipt QR codes
    ProblemCode.RECEIPT_CODE_MALFORMED: N_(
        "This code is not a receipt code of this app, or it was read incompletely."
    ),
    ProblemCode.RECEIPT_CODE_BAD_SIGNATURE: N_(
        "The code of receipt {receipt_number} does not carry its device's signature: "
        "the receipt was altered or was not issued by that device."
    ),
    # payments, receipts, voids, device identity and roles
    ProblemCode.PAYMENT_AMOUNT_MISMATCH: N_(
        "The amount handed over, {amount}, is not the amount payable, {payable}; nothing was recorded."
    ),
    ProblemCode.PAYMENT_DISCOUNT_NOT_RECORDABLE: N_(
        "Paying {months} months ahead with a discount of {amount} cannot be recorded yet."
    ),
    ProblemCode.PAYMENT_PERIOD_ALREADY_PAID: N_(
        "The period from {period_from} is already paid up to {paid_to}; start after that date."
    ),
    ProblemCode.PAYMENT_UNKNOWN_METHOD: N_("Unknown payment method '{method}'; use one of: {allowed}."),
    ProblemCode.PAYMENT_PERSON_NOT_FOUND: N_("Nobody with citizen ID {citizen_id} is registered."),
    ProblemCode.PAYMENT_HOUSEHOLD_NOT_FOUND: N_("No household with code {household} is registered."),
    ProblemCode.RECEIPT_NUMBER_FORMAT: N_(
        "'{text}' is not a receipt number; write it as on the receipt, e.g. BD01M1-26-0000123."
    ),
    ProblemCode.RECEIPT_NOT_FOUND: N_("There is no receipt {number} on this device."),
    ProblemCode.RECEIPT_ALREADY_VOID: N_("Receipt {number} is already void."),
    ProblemCode.VOID_REASON_EMPTY: N_("Say why the receipt is void: the reason is empty."),
    ProblemCode.POINT_CODE_FORMAT: N_(
        "The collection point code '{value}' must be 1 to 12 capital letters or digits, e.g. BD01."
    ),
    ProblemCode.DEVICE_CODE_FORMAT: N_(
        "The device code '{value}' must be 1 to 12 capital letters or digits, e.g. M1."
    ),
    ProblemCode.SERIES_LOCKED: N_(
        "This device has already issued receipts in series {series}; its point and device codes "
        "can no longer change."
    ),
    ProblemCode.UNKNOWN_USER: N_("There is no active user '{user}' on this device."),
    ProblemCode.ROLE_MAY_NOT_RECORD_PAYMENTS: N_("The user {user} may not take payments."),
    ProblemCode.ROLE_MAY_NOT_PRINT_RECEIPTS: N_("The user {user} may not print receipts."),
    ProblemCode.ROLE_MAY_NOT_VOID_RECEIPTS: N_(
        "The user {user} may not void receipts: only a collector or a supervisor can."
    ),
    ProblemCode.ROLE_MAY_NOT_CHANGE_SETTINGS: N_("The user {user} may not change settings."),
    ProblemCode.ROLE_MAY_NOT_REVIEW_BATCHES: N_("The user {user} may not review batches."),
    # the provincial server's answer for one synced record
    ProblemCode.SYNC_UNKNOWN_KIND: N_("The server does not know the record kind '{kind}'."),
    ProblemCode.SYNC_FIELD_MISSING: N_("The record lacks the field {field}."),
    ProblemCode.SYNC_FIELD_INVALID: N_("The field {field} of the record has a value the server cannot accept."),
    ProblemCode.SYNC_AMOUNT_NOT_NET: N_("{field} is {amount}, but the gross amount minus support is {expected}."),
    ProblemCode.SYNC_TOTAL_MISMATCH: N_("{field} is {amount}, but the items add up to {expected}."),
    ProblemCode.SYNC_SERIES_NOT_DEVICE: N_("Receipt {number} is not of this device's series {series}."),
    ProblemCode.SYNC_RECEIPT_YEAR_MISMATCH: N_(
        "Receipt {number} is numbered for another year than its payment date, {date}."
    ),
    ProblemCode.SYNC_POLICY_UNKNOWN: N_(
        "The server does not have policy table version {version}; ask the province to publish it."
    ),
    ProblemCode.SYNC_GROSS_MISMATCH: N_(
        "The amount due before support ({field}) is {amount}, but policy table {version} gives {expected}."
    ),
    ProblemCode.SYNC_DUPLICATE_IN_BATCH: N_("The record {record_id} appears twice in the same batch."),
    ProblemCode.SYNC_RECORD_DUPLICATE: N_("Already received in batch {batch_id}; kept once."),
    ProblemCode.SYNC_RECORD_CONFLICT: N_(
        "A record with the same id but other content was received in batch {batch_id}."
    ),
    ProblemCode.SYNC_RECEIPT_TAKEN: N_("Receipt number {number} is already used by another payment."),
    # syncing on the device
    ProblemCode.SYNC_RECORD_NOT_QUARANTINED: N_(
        "The record {record_id} is not waiting to be sent again: only records the server rejected are."
    ),
    ProblemCode.SYNC_ENROL_SERIES_MISMATCH: N_(
        "This device has issued receipts in series {series}, but the code enrols it as {server_series}: "
        "ask for an enrolment code of collection point {point}."
    ),
    ProblemCode.RECEIPT_CODE_UNKNOWN_DEVICE: N_(
        "The receipt code names the device {device}, which is not enrolled on the server."
    ),
    ProblemCode.RECEIPT_CODE_DEVICE_REVOKED: N_(
        "The receipt is dated after its device was revoked, and the server has no such payment: "
        "do not accept it as proof of payment."
    ),
}


# Params that are amounts of money: shown as "1.500.000 đ". Dates are shown as dd/mm/yyyy.
MONEY_PARAMS = frozenset({"income", "floor", "ceiling", "step", "amount", "expected", "payable"})

# The `field` param of TEXT_* problems, as the messages name it.
FIELD_LABELS: dict[str, str] = {
    "point_name": N_("collection point name"),
    "organisation": N_("organisation name"),
    "form_number": N_("receipt form number"),
    "void_reason": N_("reason for voiding"),
    "full_name": N_("full name"),
    "address": N_("address"),
    "household_code": N_("household code"),
    "phone": N_("phone number"),
    "username": N_("user name"),
}


def _shown(name: str, value: object) -> object:
    if name == "field" and isinstance(value, str):
        return _(FIELD_LABELS[value]) if value in FIELD_LABELS else value
    if isinstance(value, date):
        return format_date(value)
    if name in MONEY_PARAMS and isinstance(value, int):
        return format_vnd(value)
    return value


def message(problem: Problem) -> str:
    """The problem as one sentence in the current language."""
    template = TEMPLATES.get(problem.code)
    if template is None:
        raise KeyError(f"no message template for {problem.code}")
    return _(template).format(**{name: _shown(name, value) for name, value in problem.params.items()})
