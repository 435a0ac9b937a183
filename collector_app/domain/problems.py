"""Stable problem codes: what domain checks return instead of text.

The UI, the command line (`--json`) and the server all carry the same `code`; `collector_app.messages`
maps each code to a translated message template whose placeholders are the problem's params.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class ProblemCode(StrEnum):
    # policy table and calculators
    POLICY_NOT_IN_FORCE = "policy.not_in_force"
    INCOME_BELOW_FLOOR = "vsi.income_below_floor"
    INCOME_ABOVE_CEILING = "vsi.income_above_ceiling"
    INCOME_NOT_ON_STEP = "vsi.income_not_on_step"
    VSI_MONTHS_NOT_ALLOWED = "vsi.months_not_allowed"
    VSI_PREPAY_NEEDS_FUND_RETURN = "vsi.prepay_needs_fund_return"
    VSI_PERIOD_OUTSIDE_WINDOW = "vsi.period_outside_window"
    UNKNOWN_SUPPORT_GROUP = "vsi.unknown_support_group"
    SUPPORT_HISTORY_INVALID = "vsi.support_history_invalid"
    UNKNOWN_LOCAL_SUPPORT_AREA = "vsi.unknown_local_support_area"
    HI_MONTHS_NOT_ALLOWED = "hi.months_not_allowed"
    HI_NO_MEMBERS = "hi.no_members"
    HOUSEHOLD_TOO_MANY_MEMBERS = "household.too_many_members"  # more than people.MAX_HOUSEHOLD_MEMBERS
    DATE_OUT_OF_RANGE = "date.out_of_range"  # outside dates.EARLIEST_DATE .. dates.LATEST_DATE

    # identity checks (domain/identity.py)
    CCCD_FORMAT = "cccd.format"
    FACILITY_CODE_FORMAT = "facility.code_format"  # not an initial health-care facility code (domain/facilities.py)
    CCCD_UNKNOWN_PROVINCE = "cccd.unknown_province"
    CCCD_UNKNOWN_COUNTRY = "cccd.unknown_country"
    CCCD_BIRTH_YEAR_IN_FUTURE = "cccd.birth_year_in_future"
    CCCD_BIRTH_YEAR_MISMATCH = "cccd.birth_year_mismatch"
    CCCD_SEX_MISMATCH = "cccd.sex_mismatch"
    DATE_OF_BIRTH_IN_FUTURE = "person.date_of_birth_in_future"
    SI_CODE_FORMAT = "si_code.format"
    PHONE_INVALID = "phone.invalid"
    PHONE_NOT_VIETNAMESE = "phone.not_vietnamese"
    PHONE_NOT_MOBILE = "phone.not_mobile"
    NAME_EMPTY = "name.empty"
    NAME_TOO_LONG = "name.too_long"
    NAME_INVALID_CHARACTERS = "name.invalid_characters"
    NAME_SINGLE_WORD = "name.single_word"
    VSI_UNDER_MIN_AGE = "vsi.under_min_age"
    # a number written with digits of another script than 0-9 (full-width ０-９ are read as 0-9)
    FOREIGN_DIGITS = "text.foreign_digits"
    # a text field (domain.text.check_text): `field` is a key of messages.FIELD_LABELS
    TEXT_UNSAFE_CHARACTERS = "text.unsafe_characters"
    TEXT_TOO_LONG = "text.too_long"

    # household import (CSV/XLSX): the whole file
    IMPORT_UNSUPPORTED_FILE = "import.unsupported_file"
    IMPORT_UNREADABLE_FILE = "import.unreadable_file"
    IMPORT_NOT_UTF8 = "import.not_utf8"
    IMPORT_EMPTY_FILE = "import.empty_file"
    IMPORT_MISSING_COLUMNS = "import.missing_columns"
    IMPORT_DUPLICATE_COLUMN = "import.duplicate_column"
    IMPORT_FILE_NOT_FOUND = "import.file_not_found"
    IMPORT_NOT_A_FILE = "import.not_a_file"  # a folder, a pipe or a device
    IMPORT_PERMISSION_DENIED = "import.permission_denied"
    IMPORT_FILE_TOO_LARGE = "import.file_too_large"
    IMPORT_CSV_CELL_TOO_LONG = "import.csv_cell_too_long"  # past the csv module's field limit
    IMPORT_XLSX_TOO_LARGE_UNPACKED = "import.xlsx_too_large_unpacked"  # a zip bomb, or simply too big
    # household import: one row
    IMPORT_MISSING_VALUE = "import.missing_value"
    IMPORT_BAD_DATE = "import.bad_date"
    IMPORT_BAD_SEX = "import.bad_sex"
    IMPORT_BAD_MEMBER_ORDER = "import.bad_member_order"
    IMPORT_UNKNOWN_PROVINCE = "import.unknown_province"
    IMPORT_UNKNOWN_COMMUNE = "import.unknown_commune"
    IMPORT_AMBIGUOUS_COMMUNE = "import.ambiguous_commune"
    IMPORT_COMMUNE_NOT_IN_PROVINCE = "import.commune_not_in_province"
    IMPORT_CITIZEN_ID_IN_STORE = "import.citizen_id_in_store"
    IMPORT_CITIZEN_ID_TWICE = "import.citizen_id_twice"
    IMPORT_HOUSEHOLD_CODE_IN_STORE = "import.household_code_in_store"
    IMPORT_HOUSEHOLD_DETAILS_DIFFER = "import.household_details_differ"
    IMPORT_HOUSEHOLD_SKIPPED = "import.household_skipped"
    IMPORT_VALUE_TOO_LONG = "import.value_too_long"
    # a warning, not an error: the row is imported without them
    IMPORT_UNSAFE_CHARACTERS_REMOVED = "import.unsafe_characters_removed"

    # receipt QR codes (domain/receipt_codes.py)
    RECEIPT_CODE_MALFORMED = "receipt_code.malformed"
    RECEIPT_CODE_BAD_SIGNATURE = "receipt_code.bad_signature"
    RECEIPT_CODE_UNKNOWN_DEVICE = "receipt_code.unknown_device"  # the server knows no device by that id
    # signed by a device revoked before the receipt's date, and its payment never reached the server
    RECEIPT_CODE_DEVICE_REVOKED = "receipt_code.device_revoked"
    # signed by the device, but not a receipt it issued: another series' number, or its number of
    # another year than its date, or dated days ahead (provincial_server/services/receipts.py)
    RECEIPT_CODE_SERIES_NOT_DEVICE = "receipt_code.series_not_device"
    RECEIPT_CODE_YEAR_MISMATCH = "receipt_code.year_mismatch"
    RECEIPT_CODE_DATED_IN_FUTURE = "receipt_code.dated_in_future"
    # the server holds this receipt with another amount, or another date, than its code claims
    RECEIPT_CODE_AMOUNT_MISMATCH = "receipt_code.amount_mismatch"
    RECEIPT_CODE_DATE_MISMATCH = "receipt_code.date_mismatch"

    # payments, receipts, voids, device identity and roles (domain/payments.py, receipt_numbers.py)
    PAYMENT_AMOUNT_MISMATCH = "payment.amount_mismatch"
    PAYMENT_DISCOUNT_NOT_RECORDABLE = "payment.discount_not_recordable"
    PAYMENT_PERIOD_ALREADY_PAID = "payment.period_already_paid"
    PAYMENT_UNKNOWN_METHOD = "payment.unknown_method"
    PAYMENT_PERSON_NOT_FOUND = "payment.person_not_found"
    PAYMENT_HOUSEHOLD_NOT_FOUND = "payment.household_not_found"
    PERSON_NOT_FOUND = "person.not_found"  # looking a person up (services/coverage.py)
    # the one money rule (domain/payments.check_figures), on the device and on the server
    PAYMENT_MONEY_MISMATCH = "payment.money_mismatch"
    PAYMENT_DATE_MISMATCH = "payment.date_mismatch"
    PAYMENT_COUNT_MISMATCH = "payment.count_mismatch"
    PAYMENT_MEMBERS_OUT_OF_ORDER = "payment.members_out_of_order"
    PAYMENT_VSI_ONE_PARTICIPANT = "payment.vsi_one_participant"
    PAYMENT_INPUT_MISSING = "payment.input_missing"
    PAYMENT_POLICY_VERSION_MISMATCH = "payment.policy_version_mismatch"
    PAYMENT_DATE_IN_FUTURE = "payment.date_in_future"
    PAYMENT_TOP_UP_NOT_RESIDENT = "payment.top_up_not_resident"
    RECEIPT_NUMBER_FORMAT = "receipt.number_format"
    RECEIPT_NOT_FOUND = "receipt.not_found"
    RECEIPT_ALREADY_VOID = "receipt.already_void"
    RECEIPT_RECORD_DAMAGED = "receipt.record_damaged"
    VOID_REASON_EMPTY = "receipt.void_reason_empty"
    VOID_REASON_TOO_LONG = "receipt.void_reason_too_long"
    VOID_REASON_UNSAFE = "receipt.void_reason_unsafe"
    POINT_CODE_FORMAT = "device.point_code_format"
    DEVICE_CODE_FORMAT = "device.device_code_format"
    SERIES_LOCKED = "device.series_locked"
    UNKNOWN_USER = "user.unknown"
    ROLE_MAY_NOT_RECORD_PAYMENTS = "role.may_not_record_payments"
    ROLE_MAY_NOT_PRINT_RECEIPTS = "role.may_not_print_receipts"
    ROLE_MAY_NOT_VOID_RECEIPTS = "role.may_not_void_receipts"
    ROLE_MAY_NOT_CHANGE_SETTINGS = "role.may_not_change_settings"
    ROLE_MAY_NOT_REVIEW_BATCHES = "role.may_not_review_batches"
    ROLE_MAY_NOT_MANAGE_USER = "role.may_not_manage_user"
    ROLE_MAY_NOT_UNLOCK_USERS = "role.may_not_unlock_users"

    # closing a day's cash (domain/closing.py, store/closing.py)
    DAY_COUNT_MALFORMED = "day.count_malformed"
    DAY_UNKNOWN_DENOMINATION = "day.unknown_denomination"
    DAY_NOTES_OUT_OF_RANGE = "day.notes_out_of_range"
    DAY_REASON_REQUIRED = "day.reason_required"
    DAY_REASON_TOO_LONG = "day.reason_too_long"
    DAY_ALREADY_CLOSED = "day.already_closed"
    DAY_IN_FUTURE = "day.in_future"
    DAY_CLOSED = "day.closed"  # a payment or void dated a day its collector has closed
    HANDOVER_AMOUNT_INVALID = "handover.amount_invalid"
    HANDOVER_NOTHING_HELD = "handover.nothing_held"  # no receipt of the collaborator waits to be handed over
    HANDOVER_RECEIPT_NOT_HELD = "handover.receipt_not_held"  # not the collaborator's cash, or handed over already
    HANDOVER_NOT_A_COLLABORATOR = "handover.not_a_collaborator"
    ROLE_MAY_NOT_RECEIVE_HANDOVER = "role.may_not_receive_handover"

    # visit rounds (services/rounds.py)
    ROUND_EMPTY = "round.empty"  # no household chosen
    ROUND_UNKNOWN = "round.unknown"  # no round of that number here
    ROUND_HOUSEHOLD_NOT_IN_ROUND = "round.household_not_in_round"
    ROUND_OUTCOME_UNKNOWN = "round.outcome_unknown"
    ROUND_FILE_UNREADABLE = "round.file_unreadable"  # not a round file (or its results) at all
    ROUND_FILE_FORGED = "round.file_forged"  # the signature does not match its content, or its device's key
    ROUND_FILE_OTHER_POINT = "round.file_other_point"
    ROUND_FILE_ALREADY_IMPORTED = "round.file_already_imported"
    ROUND_RESULTS_NOT_MADE_HERE = "round.results_not_made_here"  # results of a round this device did not make

    # local users and signing in (domain/accounts.py, services/users.py)
    USERNAME_FORMAT = "user.username_format"
    USERNAME_TAKEN = "user.username_taken"
    ROLE_UNKNOWN = "user.role_unknown"
    PASSWORD_TOO_SHORT = "user.password_too_short"
    PASSWORD_TOO_LONG = "user.password_too_long"
    PASSWORD_UNSAFE = "user.password_unsafe"
    PASSWORD_WRONG = "user.password_wrong"  # the current password, when changing one's own
    SIGN_IN_FAILED = "sign_in.failed"
    SIGN_IN_LOCKED = "sign_in.locked"
    SIGN_IN_DISABLED = "sign_in.disabled"
    SIGN_IN_NO_USERS = "sign_in.no_users"
    RECOVERY_CODE_WRONG = "sign_in.recovery_code_wrong"
    USER_CANNOT_DISABLE_SELF = "user.cannot_disable_self"
    FIRST_USER_EXISTS = "user.first_user_exists"
    ROLE_MAY_NOT_REGISTER_PEOPLE = "role.may_not_register_people"
    ROLE_MAY_NOT_UPDATE_CONTACT = "role.may_not_update_contact"
    ROLE_MAY_NOT_CORRECT_IDENTITY = "role.may_not_correct_identity"

    # registering households and members, correcting a person (domain/registration.py)
    REGISTER_CITIZEN_ID_IN_STORE = "register.citizen_id_in_store"  # another person has it: refused
    REGISTER_CITIZEN_ID_TWICE = "register.citizen_id_twice"  # two members of one form
    REGISTER_HOUSEHOLD_CODE_IN_STORE = "register.household_code_in_store"
    REGISTER_POSSIBLE_DUPLICATE = "register.possible_duplicate"  # asked, not yet confirmed
    REGISTER_NO_MEMBERS = "register.no_members"
    REGISTER_HEAD_FIRST = "register.head_first"  # the head is member 1, and only member 1
    REGISTER_ADDRESS_EMPTY = "register.address_empty"
    REGISTER_UNKNOWN_PROVINCE = "register.unknown_province"
    REGISTER_UNKNOWN_COMMUNE = "register.unknown_commune"  # not a commune of that province
    REGISTER_UNKNOWN_RELATIONSHIP = "register.unknown_relationship"
    REGISTER_FACILITY_CODE_INVALID = "register.facility_code_invalid"
    REGISTER_HOUSEHOLD_NOT_FOUND = "register.household_not_found"
    REGISTER_PERSON_NOT_FOUND = "register.person_not_found"
    CORRECTION_UNKNOWN_FIELD = "correction.unknown_field"
    CORRECTION_NOTHING_CHANGED = "correction.nothing_changed"

    # the provincial server's answer for one synced record (provincial_server/services/records.py)
    SYNC_UNKNOWN_KIND = "sync.unknown_kind"
    SYNC_FIELD_MISSING = "sync.field_missing"
    SYNC_FIELD_INVALID = "sync.field_invalid"
    SYNC_AMOUNT_NOT_NET = "sync.amount_not_net"
    SYNC_TOTAL_MISMATCH = "sync.total_mismatch"
    SYNC_SERIES_NOT_DEVICE = "sync.series_not_device"
    SYNC_RECEIPT_YEAR_MISMATCH = "sync.receipt_year_mismatch"
    SYNC_POLICY_UNKNOWN = "sync.policy_unknown"
    SYNC_TEXT_TOO_LONG = "sync.text_too_long"
    SYNC_TEXT_UNSAFE = "sync.text_unsafe"
    SYNC_PAID_IN_FUTURE = "sync.paid_in_future"
    SYNC_TOP_UP_OTHER_PROVINCE = "sync.top_up_other_province"
    SYNC_SUPPORT_HISTORY_BEHIND = "sync.support_history_behind"
    SYNC_CARD_HISTORY_BEHIND = "sync.card_history_behind"
    SYNC_VOID_RECEIPT_UNKNOWN = "sync.void_receipt_unknown"
    SYNC_DUPLICATE_IN_BATCH = "sync.duplicate_in_batch"
    SYNC_RECORD_DUPLICATE = "sync.record_duplicate"
    SYNC_RECORD_CONFLICT = "sync.record_conflict"
    SYNC_RECEIPT_TAKEN = "sync.receipt_taken"

    # syncing on the device (collector_app.store.outbox, collector_app.sync)
    SYNC_RECORD_NOT_QUARANTINED = "sync.record_not_quarantined"
    SYNC_RESEND_WOULD_FAIL = "sync.resend_would_fail"
    SYNC_ENROL_SERIES_MISMATCH = "sync.enrol_series_mismatch"

    # the local store file (collector_app.store.health): its damage, and what SQLite could not do
    STORE_DAMAGED = "store.damaged"  # open for reading only; nothing can be recorded
    STORE_UNREADABLE = "store.unreadable"  # so damaged it cannot be opened at all
    STORE_DISK_FULL = "store.disk_full"
    STORE_IO_ERROR = "store.io_error"
    STORE_READ_ONLY = "store.read_only"  # the file or its folder cannot be written (permissions, media)
    STORE_BUSY = "store.busy"  # another program kept it locked longer than the busy timeout
    STORE_CANNOT_OPEN = "store.cannot_open"
    # backups and restore (services.backups)
    BACKUP_NOT_FOUND = "backup.not_found"  # no such file
    BACKUP_UNREADABLE = "backup.unreadable"  # not a backup this device can read (damaged, another key)
    BACKUP_DAMAGED = "backup.damaged"  # it opens, but the integrity check finds damage
    BACKUP_FAILED = "backup.failed"  # the copy could not be written (disk full, folder read-only)
    BACKUP_SETTING_OUT_OF_RANGE = "backup.setting_out_of_range"
    RESTORE_NOT_CONFIRMED = "restore.not_confirmed"

    # the audit log's money chain (collector_app.store.audit_trail), as `audit verify` finds it
    AUDIT_ENTRY_CHANGED = "audit.entry_changed"  # the entry no longer hashes to its stored hash
    AUDIT_ENTRY_OUT_OF_ORDER = "audit.entry_out_of_order"  # it does not continue the entry before it
    AUDIT_ROW_CHANGED = "audit.row_changed"  # the money row differs from what its entry recorded
    AUDIT_ROW_MISSING = "audit.row_missing"  # the entry's money row is gone
    AUDIT_ROW_UNLOGGED = "audit.row_unlogged"  # a money row no entry covers

    # this device's settings (collector_app.services.settings)
    SETTINGS_LAYOUT_UNKNOWN = "settings.layout_unknown"
    SETTINGS_LANGUAGE_UNKNOWN = "settings.language_unknown"
    SETTINGS_IDLE_LOCK_OUT_OF_RANGE = "settings.idle_lock_out_of_range"
    SETTINGS_SERVER_URL_INVALID = "settings.server_url_invalid"
    SETTINGS_CA_FILE_UNREADABLE = "settings.ca_file_unreadable"
    SETTINGS_TEXT_EMPTY = "settings.text_empty"

    # printing through the operating system's queue (collector_app.services.os_printing)
    PRINT_NO_PRINTER = "print.no_printer"  # none given, none in the settings
    PRINT_PRINTER_UNKNOWN = "print.printer_unknown"
    PRINT_SPOOLER_MISSING = "print.spooler_missing"  # no `lp` command: CUPS is not installed
    PRINT_SPOOLER_DOWN = "print.spooler_down"  # the CUPS scheduler does not answer
    PRINT_FAILED = "print.failed"
    # official lists and exports (domain/official_lists.py)
    LIST_PERIOD_REVERSED = "list.period_reversed"  # --to before --from
    LIST_TEMPLATE_MISSING = "list.template_missing"  # no layout of the form in force on the last day
    COMMISSION_RATES_MISSING = "commission.rates_missing"  # no commission_rates in the policy on a payment day
    # app updates (services/updates.py)
    UPDATE_NONE = "update.none"  # no newer release for this system is known
    UPDATE_UNTRUSTED = "update.untrusted"  # not signed by the release key the device pinned (or none pinned)
    UPDATE_WRONG_SIZE = "update.wrong_size"  # the download is shorter or longer than the signed size: deleted
    UPDATE_TAMPERED = "update.tampered"  # the download's SHA-256 is not the signed one: deleted
    UPDATE_NOT_DOWNLOADED = "update.not_downloaded"  # install asked before a verified download
    UPDATE_INSTALL_FAILED = "update.install_failed"  # the system's installer could not start, or failed


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, as a code plus the values its message needs."""

    code: ProblemCode
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, everything else as it is."""
        params = {k: v.isoformat() if isinstance(v, date) else v for k, v in self.params.items()}
        return {"code": str(self.code), "params": params}


class DomainError(ValueError):
    """Raised by a calculator or check when its input cannot be accepted; carries the problems."""

    def __init__(self, problems: Problem | list[Problem]) -> None:
        self.problems: list[Problem] = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(str(p.code) for p in self.problems))
