"""One table from problem code to translated message template, for the UI, the CLI and receipts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal

from collector_app.domain.applied_rules import AppliedRule, RuleCode
from collector_app.domain.people import SupportGroup
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.formatting import format_count, format_date, format_time, format_vnd
from collector_app.i18n import N_, _, language

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
        "Voluntary SI cannot be paid for {months} month(s) at once; allowed: {allowed}."
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
        "Family health insurance cannot be paid for {months} month(s) at once; allowed: {allowed}."
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
    ProblemCode.IMPORT_XLSX_TOO_LARGE_UNPACKED: N_(
        "'{name}' unpacks to more than {max_mb} MB, too large for a household list; split it into several files."
    ),
    ProblemCode.IMPORT_CSV_CELL_TOO_LONG: N_(
        "Line {line} of '{name}' has a cell longer than {max_length} characters, which no household list "
        "has: a quotation mark (\") is probably left open there. Correct the file and import it again."
    ),
    ProblemCode.IMPORT_MISSING_VALUE: N_("The column '{column}' is empty."),
    ProblemCode.IMPORT_BAD_DATE: N_("'{value}' is not a date; write dd/mm/yyyy, e.g. 25/03/1985."),
    ProblemCode.FACILITY_CODE_FORMAT: N_(
        "'{value}' is not a health-care facility code: Latin letters and digits, groups joined by single "
        "hyphens, at most {max_length} characters."
    ),
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
    ProblemCode.PAYMENT_MONEY_MISMATCH: N_(
        "{field} is {amount}, but policy table {version} gives {expected}."
    ),
    ProblemCode.PAYMENT_DATE_MISMATCH: N_("{field} is {claimed}, but the rules give {computed}."),
    ProblemCode.PAYMENT_COUNT_MISMATCH: N_("{field} is {claimed}, but the rules give {computed}."),
    ProblemCode.PAYMENT_MEMBERS_OUT_OF_ORDER: N_(
        "{field} is {claimed}: household members must be paid for in their declared order."
    ),
    ProblemCode.PAYMENT_VSI_ONE_PARTICIPANT: N_(
        "A voluntary SI payment is for one person, not {count}."
    ),
    ProblemCode.PAYMENT_INPUT_MISSING: N_("{field} lacks the figures its amounts are computed from."),
    ProblemCode.PAYMENT_POLICY_VERSION_MISMATCH: N_(
        "The payment names policy table {claimed}, but was computed with {version}."
    ),
    ProblemCode.PAYMENT_DATE_IN_FUTURE: N_(
        "A payment cannot be dated {date}, after today ({today}): check the date and this computer's clock."
    ),
    ProblemCode.PAYMENT_TOP_UP_NOT_RESIDENT: N_(
        "The top-up of province {province} is only for its residents; this household lives in province "
        "{residence}."
    ),
    ProblemCode.SYNC_RESEND_WOULD_FAIL: N_(
        "Record {record_id} would be refused again as it is. {way_out}"
    ),
    ProblemCode.RECEIPT_RECORD_DAMAGED: N_(
        "Receipt {number} is not printed: its record in this computer's store is damaged ({detail} does not "
        "match the payment as recorded). Do not hand out a copy; call your supervisor."
    ),
    ProblemCode.VOID_REASON_TOO_LONG: N_(
        "The reason has {length} characters; write it in at most {max_length}."
    ),
    ProblemCode.VOID_REASON_UNSAFE: N_(
        "The reason holds invisible or control characters ({characters}); type it again."
    ),
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
    ProblemCode.PERSON_NOT_FOUND: N_("Nobody with citizen ID {citizen_id} is registered."),
    ProblemCode.RECEIPT_NUMBER_FORMAT: N_(
        "'{text}' is not a receipt number; write it as on the receipt, e.g. BD01M1-26-0000123."
    ),
    ProblemCode.RECEIPT_NOT_FOUND: N_("There is no receipt {number} on this device."),
    ProblemCode.RECEIPT_ALREADY_VOID: N_("Receipt {number} is already void."),
    ProblemCode.DAY_COUNT_MALFORMED: N_(
        "'{item}' is not a count; write each denomination and its number of notes, e.g. 500000=3,200000=1."
    ),
    ProblemCode.DAY_UNKNOWN_DENOMINATION: N_("There is no {denomination} note; count only: {allowed}."),
    ProblemCode.DAY_NOTES_OUT_OF_RANGE: N_(
        "{count} notes of {denomination} is not a count; give 0 to {max} notes."
    ),
    ProblemCode.DAY_REASON_REQUIRED: N_(
        "The cash counted differs from the receipts by {amount}; say why before closing the day."
    ),
    ProblemCode.DAY_REASON_TOO_LONG: N_(
        "The reason has {length} characters; write it in at most {max_length}."
    ),
    ProblemCode.DAY_ALREADY_CLOSED: N_(
        "{user} already closed {date} (counted {amount}); a correction goes on the next day."
    ),
    ProblemCode.DAY_IN_FUTURE: N_("{date} has not come yet; a day is closed at its end or later."),
    ProblemCode.HANDOVER_AMOUNT_INVALID: N_("{amount} cannot be handed over; give the cash handed over in đồng."),
    ProblemCode.HANDOVER_NOTHING_HELD: N_("{user} holds no cash of receipts waiting to be handed over."),
    ProblemCode.HANDOVER_RECEIPT_NOT_HELD: N_(
        "Receipt {number} is not cash {user} still holds: another user's, paid by transfer, or handed over already."
    ),
    ProblemCode.HANDOVER_NOT_A_COLLABORATOR: N_("{user} is not a collaborator of this device."),
    ProblemCode.ROLE_MAY_NOT_RECEIVE_HANDOVER: N_(
        "The user {user} may not receive a hand-over: only a collector or a supervisor can."
    ),
    ProblemCode.ROUND_EMPTY: N_("Choose at least one household for the round."),
    ProblemCode.ROUND_UNKNOWN: N_("There is no visit round {round} on this device."),
    ProblemCode.ROUND_HOUSEHOLD_NOT_IN_ROUND: N_("Household {household} is not in round {round}."),
    ProblemCode.ROUND_OUTCOME_UNKNOWN: N_(
        "{outcome} is not an outcome of a visit; choose paid, not at home, will pay later or refused."
    ),
    ProblemCode.ROUND_FILE_UNREADABLE: N_("The file {path} is not a visit round file."),
    ProblemCode.ROUND_FILE_FORGED: N_(
        "The file {path} was altered or not signed by the device that made the round: nothing was imported."
    ),
    ProblemCode.ROUND_FILE_OTHER_POINT: N_(
        "The file {path} is for collection point {point}, not this device's point {own}: nothing was imported."
    ),
    ProblemCode.ROUND_FILE_ALREADY_IMPORTED: N_("Round {round} of {path} is on this device already: nothing new."),
    ProblemCode.ROUND_RESULTS_NOT_MADE_HERE: N_(
        "The file {path} holds the results of round {round}, which this device did not make: import it on the point's device."
    ),
    ProblemCode.DAY_CLOSED: N_(
        "{date} is closed for {user}: nothing more can be recorded on it. Record the correction on the next day."
    ),
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
    ProblemCode.ROLE_MAY_NOT_MANAGE_USER: N_("The user {user} may not manage users with the role {role}."),
    ProblemCode.ROLE_MAY_NOT_UNLOCK_USERS: N_(
        "Only a supervisor may unlock a user before the lock runs out; {user} is not one."
    ),
    ProblemCode.USERNAME_FORMAT: N_(
        "The username '{username}' is not valid: use 2 to 32 letters a-z, digits, dots, hyphens or "
        "underscores, without accents (for example: thu.nguyen)."
    ),
    ProblemCode.USERNAME_TAKEN: N_("The username '{username}' is already taken on this device."),
    ProblemCode.ROLE_UNKNOWN: N_("There is no role '{role}'; the roles are: {allowed}."),
    ProblemCode.PASSWORD_TOO_SHORT: N_("The password is too short: at least {least} characters."),
    ProblemCode.PASSWORD_TOO_LONG: N_("The password is too long: at most {most} characters."),
    ProblemCode.PASSWORD_UNSAFE: N_("The password holds control or invisible characters."),
    ProblemCode.PASSWORD_WRONG: N_("The current password is wrong; the password was not changed."),
    ProblemCode.SIGN_IN_FAILED: N_(
        "Wrong password for {user} (wrong passwords left before a {minutes}-minute lock: {left})."
    ),
    ProblemCode.SIGN_IN_LOCKED: N_(
        "The user {user} is locked after too many wrong passwords until {until}; "
        "try again then, or ask a supervisor to unlock it."
    ),
    ProblemCode.SIGN_IN_DISABLED: N_("The user {user} is disabled on this device."),
    ProblemCode.RECOVERY_CODE_WRONG: N_(
        "The recovery code is wrong; nothing was changed. Type the code printed when this device was set up."),
    ProblemCode.SIGN_IN_NO_USERS: N_(
        "This device has no user yet: create the first one with "
        "'collector-app init --user NAME --password-stdin' or by opening the window."
    ),
    ProblemCode.USER_CANNOT_DISABLE_SELF: N_("You cannot disable your own user ({user})."),
    ProblemCode.FIRST_USER_EXISTS: N_(
        "This device already has users; sign in as one of them to add another."
    ),
    ProblemCode.ROLE_MAY_NOT_REGISTER_PEOPLE: N_(
        "The user {user} may not register people: only a collector or a collaborator can."
    ),
    ProblemCode.ROLE_MAY_NOT_UPDATE_CONTACT: N_("The user {user} may not change contact details."),
    ProblemCode.ROLE_MAY_NOT_CORRECT_IDENTITY: N_(
        "The user {user} may not correct a person's name, date of birth, sex or citizen ID: "
        "only a collector or a supervisor can."
    ),
    # registering and correcting people
    ProblemCode.REGISTER_CITIZEN_ID_IN_STORE: N_(
        "Citizen ID {citizen_id} already belongs to {name}, born {date_of_birth}: "
        "a person is registered only once."
    ),
    ProblemCode.REGISTER_CITIZEN_ID_TWICE: N_("Citizen ID {citizen_id} is given to two members."),
    ProblemCode.REGISTER_HOUSEHOLD_CODE_IN_STORE: N_(
        "Household code {household_code} already belongs to another household."
    ),
    ProblemCode.REGISTER_POSSIBLE_DUPLICATE: N_(
        "{name}, born {date_of_birth}, may already be registered as {other_name}: "
        "check and confirm before saving."
    ),
    ProblemCode.REGISTER_NO_MEMBERS: N_("A household needs at least one member: its head."),
    ProblemCode.REGISTER_HEAD_FIRST: N_("The head of the household is the first member, and only the first."),
    ProblemCode.REGISTER_ADDRESS_EMPTY: N_("Enter the address: house number, street, hamlet or village."),
    ProblemCode.REGISTER_UNKNOWN_PROVINCE: N_("Choose a province from the list."),
    ProblemCode.REGISTER_UNKNOWN_COMMUNE: N_("Choose a commune or ward of the chosen province from the list."),
    ProblemCode.REGISTER_UNKNOWN_RELATIONSHIP: N_("Unknown relationship to the head '{value}'."),
    ProblemCode.REGISTER_FACILITY_CODE_INVALID: N_(
        "'{code}' is not a health-care facility code: choose one from the list."
    ),
    ProblemCode.REGISTER_HOUSEHOLD_NOT_FOUND: N_("There is no such household on this computer."),
    ProblemCode.REGISTER_PERSON_NOT_FOUND: N_("There is no such person on this computer."),
    ProblemCode.CORRECTION_UNKNOWN_FIELD: N_("'{field}' is not a detail that can be corrected here."),
    ProblemCode.CORRECTION_NOTHING_CHANGED: N_("Nothing was changed."),
    # the provincial server's answer for one synced record
    ProblemCode.SYNC_UNKNOWN_KIND: N_("The server does not know the record kind '{kind}'."),
    ProblemCode.SYNC_FIELD_MISSING: N_("The record lacks {field}."),
    ProblemCode.SYNC_FIELD_INVALID: N_("{field} of the record has a value the server cannot accept."),
    ProblemCode.SYNC_AMOUNT_NOT_NET: N_("{field} is {amount}, but the gross amount minus support is {expected}."),
    ProblemCode.SYNC_TOTAL_MISMATCH: N_("{field} is {amount}, but the items add up to {expected}."),
    ProblemCode.SYNC_SERIES_NOT_DEVICE: N_("Receipt {number} is not of this device's series {series}."),
    ProblemCode.SYNC_RECEIPT_YEAR_MISMATCH: N_(
        "Receipt {number} is numbered for another year than its payment date, {date}."
    ),
    ProblemCode.SYNC_POLICY_UNKNOWN: N_(
        "The server does not have policy table version {version}; ask the province to publish it."
    ),
    ProblemCode.SYNC_TEXT_TOO_LONG: N_("{field} has {length} characters; at most {max_length} are allowed."),
    ProblemCode.SYNC_TEXT_UNSAFE: N_("{field} holds control or invisible characters."),
    ProblemCode.SYNC_PAID_IN_FUTURE: N_(
        "The payment is dated {date}, after the server's date {today}: check this computer's date."
    ),
    ProblemCode.SYNC_TOP_UP_OTHER_PROVINCE: N_(
        "The payment gives the top-up of province {province}, but this collection point is in province "
        "{point_province}: only residents of the point's province get its top-up."
    ),
    ProblemCode.SYNC_SUPPORT_HISTORY_BEHIND: N_(
        "This payment counts {months} months of state support received before it, but the province holds "
        "{held}: void it and take the payment again after syncing."
    ),
    ProblemCode.SYNC_CARD_HISTORY_BEHIND: N_(
        "This card follows a card ending {claimed}, but the province holds a card ending {held}: "
        "void it and take the payment again after syncing."
    ),
    ProblemCode.SYNC_VOID_RECEIPT_UNKNOWN: N_(
        "The server has no payment of this computer with receipt {number}, so it cannot void it."
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
    # app updates (services/updates.py)
    ProblemCode.UPDATE_NONE: N_("There is no newer version of the app for this computer."),
    ProblemCode.UPDATE_UNTRUSTED: N_(
        "Version {version} is not signed with the province's release key, so it was not installed or kept. "
        "Call support."
    ),
    ProblemCode.UPDATE_WRONG_SIZE: N_(
        "The download of version {version} has {size} bytes instead of {signed_size}, so it was deleted. "
        "It is downloaded again at the next sync."
    ),
    ProblemCode.UPDATE_TAMPERED: N_(
        "The download of version {version} is not the file the province signed, so it was deleted. "
        "It is downloaded again at the next sync; if this happens again, call support."
    ),
    ProblemCode.UPDATE_NOT_DOWNLOADED: N_(
        "Version {version} has not been downloaded and checked yet: sync first (collector-app update download)."
    ),
    ProblemCode.UPDATE_INSTALL_FAILED: N_("The installer of version {version} did not run: {reason}"),
    # the local store file (collector_app.store.health): what happened, then what to do
    ProblemCode.STORE_DAMAGED: N_(
        "The data file {path} is damaged, so it is open for looking things up only: no payment, void, "
        "reprint or sync can be recorded. Copy the file somewhere safe (a USB stick) and call support."
    ),
    ProblemCode.STORE_UNREADABLE: N_(
        "The data file {path} is damaged and cannot be opened. Copy the file somewhere safe "
        "(a USB stick) and call support."
    ),
    ProblemCode.STORE_DISK_FULL: N_(
        "The disk holding the data file {path} is full, so nothing was recorded. Free some space on "
        "this computer (empty the Recycle Bin, delete old downloads), then try again."
    ),
    ProblemCode.STORE_IO_ERROR: N_(
        "The data file {path} could not be read or written (a disk error), so nothing was recorded. "
        "Check that the disk is connected and has free space, then try again; if it happens again, "
        "copy the file somewhere safe and call support."
    ),
    ProblemCode.STORE_READ_ONLY: N_(
        "The data file {path} cannot be written (the file or its folder is read-only), so nothing was "
        "recorded. Check that the disk is not write-protected and that you may write to that folder."
    ),
    ProblemCode.STORE_BUSY: N_(
        "The data file {path} was kept busy by another program (or another copy of this app) for "
        "{seconds} seconds, so nothing was recorded. Close the other program, then try again."
    ),
    ProblemCode.STORE_CANNOT_OPEN: N_(
        "The data file {path} cannot be opened: check that its folder exists and that you may write to it."
    ),
    ProblemCode.BACKUP_NOT_FOUND: N_("There is no backup file {path}."),
    ProblemCode.BACKUP_UNREADABLE: N_(
        "The file {path} cannot be read as a backup of this device (damaged, or not a backup); "
        "nothing was changed. Choose another backup (collector-app backups lists them)."
    ),
    ProblemCode.BACKUP_DAMAGED: N_(
        "The backup {path} is damaged; nothing was changed. Choose another backup (collector-app backups lists them)."
    ),
    ProblemCode.BACKUP_FAILED: N_(
        "The backup could not be written to {folder}: {reason}. Nothing else was changed."
    ),
    ProblemCode.BACKUP_SETTING_OUT_OF_RANGE: N_(
        "The number of {what} backups kept must be from {low} to {high}, not {value}."
    ),
    ProblemCode.RESTORE_NOT_CONFIRMED: N_("The restore was not confirmed; nothing was changed."),
    ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE: N_(
        "Receipt number {receipt_number} is not of the series of the device that signed its code, {series}: "
        "do not accept it as proof of payment."
    ),
    ProblemCode.RECEIPT_CODE_YEAR_MISMATCH: N_(
        "Receipt number {receipt_number} is not numbered in the year of its date, {issued_on}: "
        "do not accept it as proof of payment."
    ),
    ProblemCode.RECEIPT_CODE_DATED_IN_FUTURE: N_(
        "Receipt {receipt_number} is dated {issued_on}, a day still to come: do not accept it as proof of payment."
    ),
    ProblemCode.RECEIPT_CODE_AMOUNT_MISMATCH: N_(
        "The amount in the code of receipt {receipt_number}, {amount}, is not the amount the province recorded "
        "for that receipt: do not accept it as proof of payment."
    ),
    ProblemCode.RECEIPT_CODE_DATE_MISMATCH: N_(
        "The date in the code of receipt {receipt_number}, {issued_on}, is not the date the province recorded "
        "for that receipt: do not accept it as proof of payment."
    ),
    ProblemCode.SETTINGS_LAYOUT_UNKNOWN: N_("Unknown receipt layout '{value}'; use one of: {allowed}."),
    ProblemCode.SETTINGS_LANGUAGE_UNKNOWN: N_("Unknown language '{value}'; use one of: {allowed}."),
    ProblemCode.SETTINGS_IDLE_LOCK_OUT_OF_RANGE: N_(
        "The window locks after {low} to {high} idle minutes, not {minutes}."
    ),
    ProblemCode.SETTINGS_SERVER_URL_INVALID: N_(
        "'{value}' is not a server address such as https://bhxh.example.vn."
    ),
    ProblemCode.SETTINGS_CA_FILE_UNREADABLE: N_(
        "The certificate file {path} cannot be read: choose a PEM file that exists."
    ),
    ProblemCode.SETTINGS_TEXT_EMPTY: N_("The {field} cannot be left empty."),
    ProblemCode.PRINT_NO_PRINTER: N_(
        "No printer is chosen: give one with --printer, or choose a default printer in Settings."
    ),
    ProblemCode.PRINT_PRINTER_UNKNOWN: N_(
        "The printer '{printer}' does not exist on this computer; the printers are: {printers}."
    ),
    ProblemCode.PRINT_SPOOLER_MISSING: N_(
        "This computer has no print system (the lp command of CUPS): install CUPS, then try again."
    ),
    ProblemCode.PRINT_SPOOLER_DOWN: N_(
        "The print system (CUPS) is not running: start it, then try again."
    ),
    ProblemCode.PRINT_FAILED: N_("The printer '{printer}' refused the receipt: {detail}"),
    ProblemCode.LIST_PERIOD_REVERSED: N_("The period ends on {until}, before it begins on {since}."),
    ProblemCode.LIST_TEMPLATE_MISSING: N_("No layout of the {form} form is in force on {on}."),
    ProblemCode.COMMISSION_RATES_MISSING: N_("The policy table has no commission rates in force on {date}."),
    ProblemCode.AUDIT_ENTRY_CHANGED: N_(
        "Audit log entry {entry} ({kind}, {at}) has been altered: it no longer matches its fingerprint."
    ),
    ProblemCode.AUDIT_ENTRY_OUT_OF_ORDER: N_(
        "Audit log entry {entry} ({kind}, {at}) does not follow the entry before it: entries were deleted, "
        "added or moved."
    ),
    ProblemCode.AUDIT_ROW_CHANGED: N_(
        "The {kind} of audit log entry {entry} ({at}) was changed after it was recorded ({fields})."
    ),
    ProblemCode.AUDIT_ROW_MISSING: N_(
        "The {kind} of audit log entry {entry} ({at}) has been deleted from the money records."
    ),
    ProblemCode.AUDIT_ROW_UNLOGGED: N_(
        "A {kind} recorded at {at} (record {record}) has no audit log entry: it was added outside the app."
    ),
}

# The `kind` param of AUDIT_* problems: the money event in words.
AUDIT_KIND_LABELS: dict[str, str] = {
    "payment": N_("payment"),
    "void": N_("void"),
    "void_correction": N_("corrected void"),
    "reprint": N_("reprint"),
    "original_print": N_("first print"),
    "day_close": N_("day closing"),
    "handover": N_("hand-over"),
    "restored": N_("restore from a backup"),
    "recovered": N_("record got back from the server"),
}


# Params that are amounts of money: shown as "1.500.000 đ". Dates are shown as dd/mm/yyyy.
MONEY_PARAMS = frozenset({"income", "floor", "ceiling", "step", "amount", "expected", "payable", "denomination"})
BYTE_PARAMS = frozenset({"size", "signed_size"})  # a file's length, grouped as figures are

# The `field` param of TEXT_* and payment problems, as the messages name it.
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
    # a payment's fields as the wire calls them (a `field` param such as "items[0].state_support")
    "gross": N_("the total contribution"),
    "state_support": N_("the state support"),
    "local_support": N_("the local support"),
    "amount": N_("the amount paid"),
    "period_start": N_("the first day covered"),
    "period_end": N_("the last day covered"),
    "months": N_("the number of months"),
    "member_rank": N_("the place on the family ladder"),
    "member_order": N_("the place in the household"),
    "supported_months": N_("the months of state support"),
    "reason": N_("the reason"),
    "payer_name": N_("the payer's name"),
    "printer": N_("printer name"),
}
_FIELD = re.compile(r"(?:items\[(?P<index>[0-9]+)\]\.)?(?P<name>[a-z_]+)")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _field_words(path: str) -> str:
    """"items[1].state_support" -> "the state support (participant 2)"; unknown fields as they are."""
    match = _FIELD.fullmatch(path)
    if match is None or match["name"] not in FIELD_LABELS:
        return path
    label = _(FIELD_LABELS[match["name"]])
    if match["index"] is None:
        return label
    return _("{label} (participant {n})").format(label=label, n=int(match["index"]) + 1)


# Params that are 34-province codes: shown with the province's name, "Nghệ An (40)".
PROVINCE_PARAMS = frozenset({"province", "residence", "point_province"})


def _province_words(code: str) -> str:
    from collector_app.admin_units import load_admin_units  # the units file is read only when needed

    province = load_admin_units().province(code)
    return f"{province.name} ({code})" if province is not None else code


def _shown(name: str, value: object) -> object:
    if name in PROVINCE_PARAMS and isinstance(value, str):
        return _province_words(value)
    if isinstance(value, datetime):  # an instant (a lock's end): the local time, then the date
        return format_time(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):  # a date in a server's answer
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if name in MONEY_PARAMS and isinstance(value, int):
        return format_vnd(value)
    if name in BYTE_PARAMS and isinstance(value, int):
        return format_count(value)
    if name == "field" and isinstance(value, str):
        return _field_words(value)
    if name == "kind" and value in AUDIT_KIND_LABELS:
        return _(AUDIT_KIND_LABELS[str(value)])
    if name == "role" and value in ROLE_LABELS:
        return role_label(str(value))
    if value is None:
        return "—"
    return value


ROLE_LABELS: dict[str, str] = {
    "collector": N_("collector"),
    "collaborator": N_("collaborator"),
    "supervisor": N_("supervisor"),
}


def role_label(role: str) -> str:
    """A user's role in words ("nhân viên thu")."""
    return _(ROLE_LABELS[str(role)])


BACKUP_KIND_LABELS = {
    "manual": N_("asked for"),
    "daily": N_("end of day"),
    "before-migration": N_("before an upgrade"),
    "before-restore": N_("before a restore"),
}
DELIVERY_LABELS = {  # how far a payment got towards the server (store.restore.Delivery)
    "not_sent": N_("NOT sent to the server"),
    "sealed": N_("sent, the server has not confirmed it"),
    "on_server": N_("on the server"),
    "rejected": N_("rejected by the server"),
}


def backup_kind_label(kind: str) -> str:
    """Why a backup was made, in words ("cuối ngày")."""
    return _(BACKUP_KIND_LABELS[kind]) if kind in BACKUP_KIND_LABELS else kind


def delivery_label(delivery: str) -> str:
    """How far a payment got towards the server, in words."""
    return _(DELIVERY_LABELS[delivery]) if delivery in DELIVERY_LABELS else delivery


def message(problem: Problem) -> str:
    """The problem as one sentence in the current language."""
    template = TEMPLATES.get(problem.code)
    if template is None:
        raise KeyError(f"no message template for {problem.code}")
    text = _(template).format(**{name: _shown(name, value) for name, value in problem.params.items()})
    return text[:1].upper() + text[1:]  # a field's words may open the sentence


# ---- the rules a payment's figures came from (domain.applied_rules), as the payment forms show them ----

RULE_TEMPLATES: dict[RuleCode, str] = {
    RuleCode.VSI_RATE: N_("The contribution is {rate} of the monthly income {income}: {monthly} a month."),
    RuleCode.VSI_STATE_SUPPORT: N_(
        "The state pays {share} of the contribution on the rural poverty line ({group}): {monthly} a month."
    ),
    RuleCode.VSI_LOCAL_SUPPORT: N_("{province} adds {share} of the same base: {monthly} a month."),
    RuleCode.VSI_SUPPORT_MONTHS: N_(
        "State support already received for {used}/{cap} months; this payment adds {months}."
    ),
    RuleCode.VSI_SUPPORT_CAP_REACHED: N_(
        "The {cap} months of state support are used up: {unsupported} month(s) of this payment get no support."
    ),
    RuleCode.VSI_CONTINUES: N_("Continues after the months paid up to {paid_to}."),
    RuleCode.VSI_ENROLS: N_("Not yet enrolled in voluntary SI: this payment enrols the person from {start}."),
    RuleCode.HI_FIRST_MEMBER: N_("The first member pays {rate} of the base salary {base}: {monthly} a month."),
    RuleCode.HI_LADDER: N_(
        "From the second member: {ladder} of the first member's amount; {last} from member {last_from} on."
    ),
    RuleCode.HI_CARD_WAIT: N_(
        "Members joining for the first time or after a lapse: {count}; their cards are valid {days} days "
        "after payment."
    ),
    RuleCode.HI_CARD_NO_WAIT: N_("Members renewing without a wait: {count}."),
}

# Voluntary SI support groups (Decree 159/2025), as the forms and sentences name them.
SUPPORT_GROUP_LABELS: dict[SupportGroup, str] = {
    SupportGroup.POOR: N_("poor household or island commune"),
    SupportGroup.NEAR_POOR: N_("near-poor household"),
    SupportGroup.ETHNIC_MINORITY: N_("ethnic minority"),
    SupportGroup.OTHER: N_("other participants"),
}

_RULE_MONEY_PARAMS = frozenset({"income", "monthly", "base"})
_NUMBER_LOCALES = {"vi": "vi_VN", "en": "en"}


def percent(share: Fraction) -> str:
    """A share as a percentage in the current language: Fraction(9, 200) -> "4,5%" ("4.5%" in English)."""
    value = Decimal(share.numerator * 100) / Decimal(share.denominator)
    return format_decimal(value, format="#,##0.##", locale=_NUMBER_LOCALES[language()]) + "%"


def seconds(value: float) -> str:
    """A duration in seconds, to the hundredth, in the current language: 0.8412 -> "0,84" ("0.84" in English)."""
    return format_decimal(Decimal(str(value)).quantize(Decimal("0.01")), format="#,##0.00",
                          locale=_NUMBER_LOCALES[language()])


def support_group_label(group: SupportGroup | str) -> str:
    return _(SUPPORT_GROUP_LABELS[SupportGroup(group)])


def _rule_shown(name: str, value: object) -> object:
    if isinstance(value, Fraction):
        return percent(value)
    if isinstance(value, tuple) and all(isinstance(v, Fraction) for v in value):
        return ", ".join(percent(v) for v in value)
    if name == "group" and isinstance(value, str):
        return support_group_label(value)
    if name in _RULE_MONEY_PARAMS and isinstance(value, int):
        return format_vnd(value)
    if name == "province" and isinstance(value, str):
        from collector_app.admin_units import load_admin_units

        province = load_admin_units().province(value)
        return province.name if province is not None else value
    return _shown(name, value)


def rule_sentence(rule: AppliedRule) -> str:
    """The rule as one sentence in the current language."""
    text = _(RULE_TEMPLATES[rule.code]).format(
        **{name: _rule_shown(name, value) for name, value in rule.params.items()}
    )
    return text[:1].upper() + text[1:]
