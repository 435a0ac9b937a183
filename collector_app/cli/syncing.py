"""`enrol`, `seal`, `sync`, `status`, `resend`, `export-batches` and `import-answers`: the provincial server.

The network and file exchange code is imported inside each command, never at start-up.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from collector_app.cli.common import (
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_OK,
    MAX_URL_LENGTH,
    PROG,
    UsageError,
    _actor,
    _error_line,
    _input_file,
    _open_store,
    _print_json,
    _progress_bar,
    _shown,
    _text,
)
from collector_app.domain.server_address import is_server_url
from collector_app.formatting import format_vnd
from collector_app.i18n import N_, _, ngettext


_url_text = _text(MAX_URL_LENGTH)


def _server_url(text: str) -> str:
    url = _url_text(text).strip()
    if not is_server_url(url):
        raise argparse.ArgumentTypeError(
            _("'{value}' is not a server address such as https://bhxh.example.vn").format(value=_shown(text)))
    return url


_RECORD_KINDS = {"payment": N_("payment"), "void": N_("void"), "reprint": N_("reprint"),
                 "household": N_("household"), "person": N_("person"), "enrolment": N_("enrolment"),
                 "person_correction": N_("correction of a person"), "day_close": N_("day closing"),
                 "handover": N_("hand-over"),
                 "round": N_("visit round"), "round_visit": N_("visit of a round's household")}


def _kind(kind: str) -> str:
    """A record kind (wire.RecordKind) in the current language."""
    return _(_RECORD_KINDS[kind]) if kind in _RECORD_KINDS else kind


def _rejection_text(record: Any) -> str:
    from collector_app.services.sync import rejection_text

    return rejection_text(record.code, record.params, record.message)


def _rejected_json(record: Any) -> dict[str, Any]:
    return {"record_id": record.record_id, "kind": record.kind, "batch_id": record.batch_id,
            "code": record.code, "params": dict(record.params),
            "message": _rejection_text(record)}


def _batch_json(batch: Any) -> dict[str, Any]:
    return {"batch_id": batch.batch_id, "device_sequence": batch.device_sequence, "sealed_at": batch.sealed_at,
            "record_count": batch.record_count, "total_amount": batch.total, "sha256": batch.sha256,
            "references_batch_id": batch.references_batch_id, "status": batch.status}


def _print_sealed(batches: Sequence[Any]) -> None:
    for batch in batches:
        line = _("Batch {sequence} sealed: {records} records, {total}, id {batch_id}")
        print(line.format(sequence=batch.device_sequence, records=batch.record_count,
                          total=format_vnd(batch.total), batch_id=batch.batch_id))
        if batch.references_batch_id:
            print("  " + _("sends again records rejected in batch {batch_id}").format(
                batch_id=batch.references_batch_id))


def _sync_failed(error: Exception, as_json: bool, *, queued: bool) -> int:
    """The server could not be reached, or refused: one line (and whether work waits for the next sync)."""
    from collector_app.sync.client import ServerUnavailable

    if as_json:
        _print_json({"online": not isinstance(error, ServerUnavailable), "error": str(error)})
    line = f"{PROG}: {error}" + (" " + _("(the work stays queued)") if queued else "")
    print(_error_line(line), file=sys.stderr)
    return EXIT_FAILURE


def _cmd_enrol(args: argparse.Namespace) -> int:
    from collector_app.sync.client import SyncClient, SyncError
    from collector_app.sync.engine import enrol

    if args.ca is not None:
        _input_file(args.ca)
    ca_bundle = str(args.ca.resolve()) if args.ca else None
    store = _open_store()
    try:
        with SyncClient(args.server, verify=ca_bundle or True, timeout=args.timeout) as client:
            enrolled = enrol(store, client, code=args.code, ca_bundle=ca_bundle)
    except SyncError as error:
        return _sync_failed(error, args.json, queued=False)
    finally:
        store.close()
    if args.json:
        _print_json({"server_url": enrolled.server_url, "device_id": enrolled.device_id,
                     "point_code": enrolled.point_code, "point_name": enrolled.point_name,
                     "series": enrolled.series})
    else:
        print(_("Enrolled with {server}: collection point {name} ({code}); receipts numbered "
                "{series}-YY-NNNNNNN.").format(server=enrolled.server_url, name=enrolled.point_name,
                                               code=enrolled.point_code, series=enrolled.series))
    return EXIT_OK


def _cmd_seal(args: argparse.Namespace) -> int:
    from collector_app.sync.engine import seal

    store = _open_store()
    try:
        sealed = seal(store, actor=_actor(args).user_id)
    finally:
        store.close()
    if args.json:
        _print_json({"batches": [_batch_json(batch) for batch in sealed]})
    elif not sealed:
        print(_("Nothing to seal: every record is already in a batch."))
    else:
        _print_sealed(sealed)
    return EXIT_OK


def _cmd_sync(args: argparse.Namespace) -> int:
    from collector_app.services.sync import clock_warning, remember_server_url
    from collector_app.sync.client import Backoff, SyncError
    from collector_app.sync.engine import NotEnrolled, client_for, seal, sync_once

    store = _open_store()
    try:
        sealed = seal(store, actor=_actor(args).user_id)
        try:
            client = client_for(store, server_url=args.server, timeout=args.timeout,
                                backoff=Backoff(attempts=args.attempts))
        except NotEnrolled as error:
            raise UsageError(str(error)) from None
        progress, done = _progress_bar(_("Batches"))
        try:
            with client:
                report = sync_once(store, client, progress=progress)
        except SyncError as error:
            if not args.json:
                _print_sealed(sealed)
            return _sync_failed(error, args.json, queued=True)
        finally:
            done()
        if args.server:  # remembered once it has worked: a mistyped address never replaces a good one
            remember_server_url(store, client.base_url)
    finally:
        store.close()
    if args.json:
        _print_json({
            "online": True,
            "sealed": [_batch_json(batch) for batch in sealed],
            "delivered": [{"batch_id": d.batch_id, "device_sequence": d.device_sequence, "accepted": d.accepted,
                           "rejected": d.rejected, "replayed": d.replayed} for d in report.delivered],
            "rejected": [_rejected_json(record) for record in report.rejected],
            "refused": [{"batch_id": r.batch_id, "device_sequence": r.device_sequence, "code": r.code,
                         "message": r.message} for r in report.refused],
            "reviews": report.reviews,
            "new_policy_versions": list(report.new_policy_versions),
            "refused_policy_versions": list(report.refused_policy_versions),
            "facilities": report.facilities,
            "clock_offset": report.clock_offset,
        })
    else:
        _print_sealed(sealed)
        accepted = sum(d.accepted for d in report.delivered)
        print(_("{batches} batches delivered: {accepted} records accepted, {rejected} rejected.").format(
            batches=len(report.delivered), accepted=accepted, rejected=len(report.rejected)))
        for record in report.rejected:
            print("  " + _("Rejected {kind} {record_id}: {message}").format(
                kind=_kind(record.kind), record_id=record.record_id,
                message=_rejection_text(record)))
        from collector_app.services.syncing import refusal_text

        for refused in report.refused:
            print("  " + _("Batch {sequence} refused by the server: {message} ({code})").format(
                sequence=refused.device_sequence, message=refusal_text(refused.code, refused.message),
                code=refused.code))
        if report.reviews:
            print(_("{count} decisions of supervisors received.").format(count=report.reviews))
        for version in report.new_policy_versions:
            print(_("New policy table {version} received.").format(version=version))
        if report.facilities:
            print(ngettext("{count} initial health-care facility received or updated.",
                           "{count} initial health-care facilities received or updated.",
                           report.facilities).format(count=report.facilities))
        warning = clock_warning(report.clock_offset)
        if warning:
            print(warning)
    return EXIT_OK if report.clean else EXIT_INVALID


def _when(stamp: str | None) -> str:
    """A stored UTC time as local dd/mm/yyyy hh:mm, or "-"."""
    return datetime.fromisoformat(stamp).astimezone().strftime("%d/%m/%Y %H:%M") if stamp else "-"


def _cmd_status(args: argparse.Namespace) -> int:
    from collector_app.services.sync import needing_attention, sync_status

    store = _open_store()
    try:
        status = sync_status(store)
        way_outs = {record.record_id: record.way_out for record in needing_attention(store)}
    finally:
        store.close()
    if args.json:
        _print_json({
            "enrolled": status.enrolled, "server_url": status.server_url, "device_id": status.device_id,
            "series": status.series, "pending_records": status.pending_records,
            "pending_batches": status.pending_batches, "refused_batches": status.refused_batches,
            "batches": status.batches, "records": status.records, "payments": status.payments,
            "payments_total": status.payments_total,
            "quarantined": [{**_rejected_json(record), "way_out": way_outs.get(record.record_id)}
                            for record in status.quarantined],
            "review_rejected": [{"record_id": r.record_id, "kind": r.kind, "batch_id": r.batch_id,
                                 "reason": r.reason, "reviewed_at": r.reviewed_at} for r in status.review_rejected],
            "last_sync": status.last_sync, "last_attempt": status.last_attempt, "online": status.online,
            "last_error": status.last_error, "policy_version": status.policy_version,
            "clock_offset": status.clock_offset,
        })
        return EXIT_OK
    if status.enrolled:
        print(_("Server: {url}").format(url=status.server_url))
    else:
        print(_("Not enrolled with a provincial server."))
    online = {None: _("never tried"), True: _("online"), False: _("offline")}[status.online]
    print(_("Last sync: {last_sync}; last attempt: {attempt} ({online})").format(
        last_sync=_when(status.last_sync), attempt=_when(status.last_attempt), online=online))
    print(_("Waiting: {records} records to seal, {batches} batches to deliver.").format(
        records=status.pending_records, batches=status.pending_batches))
    print(_("Sealed: {batches} batches, {records} records, {payments} payments totalling {total}.").format(
        batches=status.batches, records=status.records, payments=status.payments,
        total=format_vnd(status.payments_total)))
    if status.clock_warning:
        print(status.clock_warning)
    for record in status.quarantined:
        print("  " + _("Rejected {kind} {record_id}: {message}").format(
            kind=_kind(record.kind), record_id=record.record_id,
            message=_rejection_text(record)))
        if way_outs.get(record.record_id):
            print("    " + str(way_outs[record.record_id]))
    for review in status.review_rejected:
        print("  " + _("Rejected by a supervisor: {kind} {record_id}: {reason}").format(
            kind=_kind(review.kind), record_id=review.record_id, reason=review.reason))
    return EXIT_OK


def _cmd_resend(args: argparse.Namespace) -> int:
    from collector_app.services.sync import needing_attention, resend_rejected

    if bool(args.record_ids) == args.all:
        raise UsageError(_("Give either record ids or --all."))
    store = _open_store()
    try:
        queued = resend_rejected(store, args.record_ids or None, actor=_actor(args)).records
        kept = [record for record in needing_attention(store) if record.way_out and not record.can_resend]
    finally:
        store.close()
    if args.json:
        _print_json({"queued": [{"record_id": r.record_id, "kind": r.kind, "batch_id": r.batch_id}
                                for r in queued],
                     "not_queued": [{"record_id": r.record_id, "kind": r.kind, "code": r.code,
                                     "way_out": r.way_out} for r in kept] if args.all else []})
    else:
        print(_("{count} records queued to be sent again.").format(count=len(queued)))
        for record in kept if args.all else []:
            print("  " + _("Not sent again: {kind} {record_id}. {way_out}").format(
                kind=_kind(record.kind), record_id=record.record_id, way_out=record.way_out))
    return EXIT_OK


def _cmd_export_batches(args: argparse.Namespace) -> int:
    from collector_app.sync.engine import seal
    from collector_app.sync.files import export_batches

    if args.folder.exists() and not args.folder.is_dir():
        raise UsageError(_("{path} is not a folder; give a folder.").format(path=args.folder))
    store = _open_store()
    try:
        seal(store, actor=_actor(args).user_id)
        exported = export_batches(store, args.folder)
    finally:
        store.close()
    if args.json:
        _print_json({"files": [{"batch_id": e.batch_id, "device_sequence": e.device_sequence,
                                "record_count": e.record_count, "path": str(e.path)} for e in exported]})
    else:
        print(_("{count} batch files written to {folder}").format(count=len(exported), folder=args.folder))
    return EXIT_OK


def _cmd_import_answers(args: argparse.Namespace) -> int:
    from collector_app.sync.engine import NotEnrolled
    from collector_app.sync.files import import_answers

    if not args.folder.is_dir():
        if args.folder.exists():
            raise UsageError(_("{path} is not a folder; give a folder.").format(path=args.folder))
        raise UsageError(_("Folder not found: {path}").format(path=args.folder))
    store = _open_store()
    try:
        imported = import_answers(store, args.folder)
    except NotEnrolled as error:
        raise UsageError(str(error)) from None
    finally:
        store.close()
    if args.json:
        _print_json({
            "delivered": [{"batch_id": d.batch_id, "device_sequence": d.device_sequence, "accepted": d.accepted,
                           "rejected": d.rejected, "replayed": d.replayed} for d in imported.delivered],
            "skipped": [{"file": str(s.path), "reason": s.reason} for s in imported.skipped],
        })
    else:
        print(_("{count} answers read: {accepted} records accepted, {rejected} rejected.").format(
            count=len(imported.delivered), accepted=sum(d.accepted for d in imported.delivered),
            rejected=sum(d.rejected for d in imported.delivered)))
        for skipped in imported.skipped:
            print("  " + _("{file} skipped: {reason}").format(file=skipped.path.name, reason=skipped.reason))
    rejected = any(d.rejected for d in imported.delivered)
    return EXIT_INVALID if rejected or imported.skipped else EXIT_OK


def _cmd_recover(args: argparse.Namespace) -> int:
    from collector_app.services.recovery import RecoveryOutcome, recover_from_server
    from collector_app.services.recovery import outcome_text as recovery_text
    from collector_app.sync.client import Backoff, SyncError
    from collector_app.sync.engine import NotEnrolled, client_for

    store = _open_store()
    try:
        try:
            client = client_for(store, timeout=args.timeout, backoff=Backoff(attempts=args.attempts))
        except NotEnrolled as error:
            raise UsageError(str(error)) from None
        labels = {"registrations": _("Households and people received"), "money": _("Payments received")}

        def progress(what: str, count: int) -> None:
            if not args.json and sys.stderr.isatty():
                print(f"\r{labels.get(what, what)}: {count}", end="", file=sys.stderr, flush=True)

        try:
            with client:
                report = recover_from_server(store, actor=_actor(args), client=client, progress=progress)
        except SyncError as error:
            return _sync_failed(error, args.json, queued=False)
        finally:
            if not args.json and sys.stderr.isatty():
                print(file=sys.stderr)
    finally:
        store.close()
    if args.json:
        _print_json({
            "received": report.received, "households": report.households, "people": report.people,
            "corrections": report.corrections, "payments": report.payments, "voids": report.voids,
            "reprints": report.reprints, "closings": report.closings,
            "handovers": report.handovers, "already_here": report.already_here, "newer_here": report.newer_here,
            "refused": [{"record_id": record_id, "reason": reason} for record_id, reason in report.refused],
        })
    else:
        print(recovery_text(RecoveryOutcome(report, None)))
        for record_id, reason in report.refused:
            print("  " + _("Not written back: {record_id} ({reason})").format(record_id=record_id, reason=reason))
    return EXIT_INVALID if report.refused else EXIT_OK
