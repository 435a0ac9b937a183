"""The public receipt page: `GET /v/<payload>` (and `/V/`, as upper-case QR codes print it), no account.

What a phone opens from a receipt's QR code: one small HTML page (inline CSS, no script, nothing
fetched from elsewhere) in Vietnamese, or English by `?lang=en` or the browser's Accept-Language.
The root element carries `data-verdict` (`services.public_check.Verdict`) for machines. Each
client address gets `checks_per_minute` checks (per worker), then a 429 page.
"""

from __future__ import annotations

import logging
from datetime import date
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from collector_app.domain.problems import ProblemCode
from provincial_server.api.deps import Context
from provincial_server.api.limits import TokenBuckets
from provincial_server.clock import utc_now
from provincial_server.services.messages import format_vnd
from provincial_server.services.public_check import VOIDED, PublicCheck, Verdict, check_receipt

router = APIRouter(include_in_schema=False)
log = logging.getLogger("provincial_server")

_LONGEST = 512  # characters of a payload worth checking: a real one has about 150
_HEADERS = {
    # Nothing but the inline style may load or run; the verdict changes once the payment arrives.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}

_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Kiểm tra biên lai",
        "subject": "Biên lai thu BHXH tự nguyện, BHYT hộ gia đình",
        Verdict.VALID: "Biên lai hợp lệ",
        Verdict.VALID + ".detail": "Cơ quan Bảo hiểm xã hội tỉnh đã nhận khoản tiền này.",
        Verdict.NOT_RECEIVED: "Hợp lệ, chưa được tiếp nhận",
        Verdict.NOT_RECEIVED + ".detail": "Máy thu của điểm thu đã ký biên lai này ngày {date}. Khoản tiền chưa "
                                          "về cơ quan Bảo hiểm xã hội tỉnh; điểm thu gửi về khi đồng bộ.",
        Verdict.INVALID: "Biên lai không hợp lệ",
        Verdict.INVALID + ".advice": "Nếu bạn đã nộp tiền, hãy liên hệ điểm thu hoặc cơ quan Bảo hiểm xã hội.",
        ProblemCode.RECEIPT_CODE_MALFORMED: "Mã này không phải mã biên lai, hoặc chưa được quét đủ.",
        ProblemCode.RECEIPT_CODE_BAD_SIGNATURE: "Chữ ký số không khớp: biên lai đã bị sửa hoặc bị làm giả.",
        ProblemCode.RECEIPT_CODE_UNKNOWN_DEVICE: "Mã được ký bởi một máy thu mà cơ quan Bảo hiểm xã hội tỉnh "
                                                 "không quản lý.",
        ProblemCode.RECEIPT_CODE_DEVICE_REVOKED: "Máy thu ký biên lai này đã bị thu hồi trước ngày ghi trên "
                                                 "biên lai.",
        ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE: "Số hoặc ngày của biên lai không khớp với máy thu đã ký.",
        ProblemCode.RECEIPT_CODE_AMOUNT_MISMATCH: "Số tiền trên biên lai khác số tiền cơ quan Bảo hiểm xã hội "
                                                  "tỉnh đã nhận.",
        ProblemCode.RECEIPT_CODE_DATE_MISMATCH: "Ngày trên biên lai khác ngày của khoản nộp cơ quan Bảo hiểm xã "
                                                "hội tỉnh đã nhận.",
        VOIDED: "Biên lai này đã bị hủy.",
        "unconfirmed": "Không xác nhận được biên lai này.",
        "number": "Số biên lai",
        "date": "Ngày",
        "amount": "Số tiền",
        "point": "Điểm thu",
        "payer": "Người nộp",
        "received": "BHXH tỉnh đã nhận",
        "yes": "Đã nhận",
        "not_yet": "Chưa",
        "about": "Trang này chỉ cho biết biên lai có do máy thu được cấp phép ký hay không, và khoản tiền đã về "
                 "cơ quan Bảo hiểm xã hội tỉnh chưa.",
        "other": "English",
        "busy": "Quá nhiều lượt kiểm tra",
        "busy.detail": "Có quá nhiều lượt kiểm tra từ địa chỉ này. Vui lòng thử lại sau một phút.",
        "failed": "Chưa kiểm tra được",
        "failed.detail": "Máy chủ không kiểm tra được biên lai lúc này. Vui lòng thử lại sau ít phút.",
    },
    "en": {
        "title": "Receipt check",
        "subject": "Voluntary social insurance and family health insurance receipt",
        Verdict.VALID: "Valid receipt",
        Verdict.VALID + ".detail": "The province's social insurance office has received this payment.",
        Verdict.NOT_RECEIVED: "Valid, not yet received",
        Verdict.NOT_RECEIVED + ".detail": "The collection point's device signed this receipt on {date}. The payment "
                                          "has not reached the province's social insurance office yet; the point "
                                          "sends it when it syncs.",
        Verdict.INVALID: "Not a valid receipt",
        Verdict.INVALID + ".advice": "If you paid, contact the collection point or the social insurance office.",
        ProblemCode.RECEIPT_CODE_MALFORMED: "This is not a receipt code, or it was not scanned whole.",
        ProblemCode.RECEIPT_CODE_BAD_SIGNATURE: "The digital signature does not match: the receipt was altered "
                                                "or forged.",
        ProblemCode.RECEIPT_CODE_UNKNOWN_DEVICE: "The code was signed by a device the province's social "
                                                 "insurance office does not know.",
        ProblemCode.RECEIPT_CODE_DEVICE_REVOKED: "The device that signed this receipt was withdrawn before the "
                                                 "receipt's date.",
        ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE: "The receipt's number or date does not fit the device that "
                                                    "signed it.",
        ProblemCode.RECEIPT_CODE_AMOUNT_MISMATCH: "The amount on the receipt differs from the amount the "
                                                  "province received.",
        ProblemCode.RECEIPT_CODE_DATE_MISMATCH: "The date on the receipt differs from the date of the payment "
                                                "the province received.",
        VOIDED: "This receipt was voided.",
        "unconfirmed": "This receipt cannot be confirmed.",
        "number": "Receipt number",
        "date": "Date",
        "amount": "Amount",
        "point": "Collection point",
        "payer": "Payer",
        "received": "Received by the province",
        "yes": "Yes",
        "not_yet": "Not yet",
        "about": "This page says only whether the receipt was signed by an authorised collection device, and "
                 "whether the payment has reached the province's social insurance office.",
        "other": "Tiếng Việt",
        "busy": "Too many checks",
        "busy.detail": "Too many checks came from this address. Please try again in a minute.",
        "failed": "Cannot check now",
        "failed.detail": "The server cannot check the receipt at the moment. Please try again in a few minutes.",
    },
}
# Signed by its device but not a receipt it could have issued: one sentence for the three ways.
_SAME_AS: dict[str, str] = {ProblemCode.RECEIPT_CODE_YEAR_MISMATCH: ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE,
                             ProblemCode.RECEIPT_CODE_DATED_IN_FUTURE: ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE}

_STYLE = (
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24;"
    "background:#f2f4f7}main{max-width:34rem;margin:0 auto;padding:1rem}"
    ".subject{margin:.25rem 0 1rem;color:#4a5361;font-size:.9rem}"
    ".verdict{border-radius:.75rem;padding:1rem 1.1rem;color:#fff}"
    ".verdict h1{margin:0;font-size:1.5rem;line-height:1.25}.verdict p{margin:.5rem 0 0}"
    ".valid{background:#136c37}.valid-not-received{background:#8a5a00}.invalid{background:#b3261e}"
    ".notice{background:#4a5361}"
    "dl{margin:1rem 0;background:#fff;border-radius:.75rem;padding:.25rem 1.1rem}"
    "dl div{display:flex;justify-content:space-between;gap:1rem;padding:.6rem 0;border-bottom:1px solid #e3e6ea}"
    "dl div:last-child{border-bottom:0}dt{color:#4a5361}dd{margin:0;font-weight:600;text-align:right;"
    "overflow-wrap:anywhere}.n{white-space:nowrap}.about{color:#4a5361;font-size:.85rem}a{color:#0b57d0}"
)


def buckets(request: Request) -> TokenBuckets:
    limiter = request.app.state.checks
    assert isinstance(limiter, TokenBuckets)
    return limiter


@router.get("/v/{payload}", response_class=HTMLResponse)
@router.get("/V/{payload}", response_class=HTMLResponse)
def receipt_page(payload: str, request: Request, context: Context, lang: str | None = None) -> HTMLResponse:
    language = _language(lang, request.headers.get("accept-language", ""))
    wait = buckets(request).take(_client(request, context.settings.client_ip_header))
    if wait > 0:
        headers = {**_HEADERS, "Retry-After": str(max(1, round(wait)))}
        return HTMLResponse(_notice_page(language, "busy"), status_code=429, headers=headers)
    if len(payload) > _LONGEST:
        found = PublicCheck(Verdict.INVALID, reason=ProblemCode.RECEIPT_CODE_MALFORMED.value)
    else:
        try:
            found = check_receipt(context.uow(write=False), payload, now=utc_now())
        except Exception:  # a citizen's phone gets a page it can show, not the API's JSON 500
            log.exception("the public receipt page failed")
            return HTMLResponse(_notice_page(language, "failed"), status_code=503, headers=_HEADERS)
    return HTMLResponse(_page(found, language), headers=_HEADERS)


def _client(request: Request, header: str | None) -> str:
    """The client's address: the connecting one, or behind a trusted proxy the one it wrote in `header`.

    X-Forwarded-For lists addresses left to right as proxies added them: the last one is what our
    proxy saw; any before it were written by the client and prove nothing.
    """
    if header is not None:
        written = request.headers.get(header, "").rsplit(",", 1)[-1].strip()
        if written:
            return written
    return request.client.host if request.client is not None else ""


def _language(asked: str | None, accept: str) -> str:
    """"en" or "vi": `?lang=`, else the one the browser ranks higher in Accept-Language; Vietnamese by default."""
    if asked in _TEXT:
        return asked
    ranks: dict[str, float] = {}
    for item in accept.split(",")[:20]:
        name, _, parameters = item.strip().partition(";")
        language = name.strip().lower().split("-", 1)[0]
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                weight = 0.0
        if language in _TEXT and weight > ranks.get(language, -1.0):
            ranks[language] = weight
    return "en" if ranks.get("en", 0.0) > ranks.get("vi", 0.0) else "vi"


def _date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _page(found: PublicCheck, language: str) -> str:
    text = _TEXT[language]
    verdict = found.verdict
    if verdict is Verdict.VALID:
        detail = text[verdict + ".detail"]
    elif verdict is Verdict.NOT_RECEIVED:
        assert found.issued_on is not None
        detail = text[verdict + ".detail"].format(date=_date(found.issued_on))
    else:
        reason = _SAME_AS.get(found.reason or "", found.reason or "")
        detail = text.get(reason, text["unconfirmed"]) + " " + text[Verdict.INVALID + ".advice"]
    rows: list[tuple[str, str, bool]] = []  # label, value, whether the value may wrap (not numbers)
    if found.receipt_number is not None:
        rows.append((text["number"], found.receipt_number, False))
    if found.issued_on is not None:
        rows.append((text["date"], _date(found.issued_on), False))
    if found.amount is not None:
        rows.append((text["amount"], format_vnd(found.amount), False))
    if found.point_name is not None:
        rows.append((text["point"], found.point_name, True))
    if found.payer_initials:
        rows.append((text["payer"], found.payer_initials, True))
    if verdict is not Verdict.INVALID:
        rows.append((text["received"], text["yes"] if verdict is Verdict.VALID else text["not_yet"], True))
    listing = "".join(f"<div><dt>{escape(label)}</dt><dd{'' if wraps else ' class=n'}>{escape(value)}</dd></div>"
                      for label, value, wraps in rows)
    body = (
        f'<section class="verdict {verdict.value}"><h1>{escape(text[verdict])}</h1>'
        f"<p>{escape(detail)}</p></section>" + (f"<dl>{listing}</dl>" if rows else "")
    )
    return _document(language, text, body, f' data-verdict="{verdict.value}"')


def _notice_page(language: str, notice: str) -> str:
    """A page that gives no verdict: too many checks ("busy"), or the check failed ("failed")."""
    text = _TEXT[language]
    body = (f'<section class="verdict notice"><h1>{escape(text[notice])}</h1>'
            f'<p>{escape(text[notice + ".detail"])}</p></section>')
    return _document(language, text, body, "")


def _document(language: str, text: dict[str, str], body: str, attributes: str) -> str:
    other = "vi" if language == "en" else "en"
    return (
        f'<!doctype html><html lang="{language}"{attributes}><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">'
        f"<title>{escape(text['title'])}</title><style>{_STYLE}</style></head><body><main>"
        f"<p class=\"subject\">{escape(text['subject'])}</p>{body}"
        f'<p class="about">{escape(text["about"])}</p>'
        f'<p><a href="?lang={other}" hreflang="{other}">{escape(text["other"])}</a></p></main></body></html>'
    )
