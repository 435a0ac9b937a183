#!/usr/bin/env bash
# Regenerates every page and dialog of the window as PNGs in docs/screenshots/, in Vietnamese and
# English at 1366x768 (and Find, the household view and the receipt preview at 125 % scaling), on a
# virtual display of that size. Run from the project's root after scripts/setup.sh:
#   ./scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
py=.venv/bin/python
work=$(mktemp -d)
trap 'kill "$xvfb" 2>/dev/null || true; rm -rf "$work"' EXIT
Xvfb :77 -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=:77 QT_LOGGING_RULES="qt.qpa.*=false"
sleep 1
shot() { $py scripts/screenshot.py --store "$work/demo.sqlite3" --size 1366x768 "$@"; }
shot --demo 3000 --pay-today 6 --page today --out "$out/today-vi.png"
for lang in vi en; do
  for page in today find household receipts settings lock sign-in; do
    shot --page "$page" --lang "$lang" --out "$out/$page-$lang.png"
  done
  shot --page due --lang "$lang" --out "$out/today-due-$lang.png"
  COLLECTOR_APP_DATA_DIR="$work" shot --page export --lang "$lang" --out "$out/export-$lang.png"
  $py scripts/screenshot.py --store "$work/new.sqlite3" --page first-user --lang "$lang" --out "$out/first-user-$lang.png"
  QT_SCALE_FACTOR=1.25 $py scripts/screenshot.py --store "$work/demo.sqlite3" --page find --lang "$lang" --out "$out/find-$lang-125.png"
  QT_SCALE_FACTOR=1.25 $py scripts/screenshot.py --store "$work/demo.sqlite3" --page household --lang "$lang" --out "$out/household-$lang-125.png"
  $py scripts/screenshot_review.py --store "$work/review.sqlite3" --lang "$lang" --out "$out"
  $py scripts/screenshot_register.py --lang "$lang" --out "$out"
  $py scripts/screenshot_dashboard.py --lang "$lang" --out "$out"
  $py scripts/screenshot_encrypted.py --lang "$lang" --out "$out"
  $py scripts/screenshot_supervisor.py --store "$work/demo.sqlite3" --lang "$lang" --out "$out"
done
$py scripts/screenshot_payments.py --out "$out"
$py scripts/screenshot_progress.py --work "$work/progress" --out "$out"
PYTHONPATH=scripts $py scripts/screenshot_due.py --out "$out"  # the Due page and a renewal form
if [ -n "${FIELD_STORE:-}" ]; then  # the store of benchmarks/field.py (1,000,000 people), if built
  PYTHONPATH=scripts $py scripts/screenshot_due.py --store "$FIELD_STORE" --out "$out"  # due-1m-*.png
fi
PYTHONPATH=scripts $py scripts/screenshot_rounds.py --out "$out"  # Visit rounds, making one, its A4 list
$py scripts/screenshot_closing.py --out "$out"  # the Close the day dialog and the day report
$py scripts/screenshot_lists.py --out "$out"  # D05-TS, TK1-TS and the commission statement, page 1
$py scripts/screenshot_updates.py --out "$out"  # the new-version notice and the dialog before installing
QT_SCALE_FACTOR=1.25 $py scripts/screenshot_review.py --store "$work/review.sqlite3" --preview --out "$out"
$py scripts/screenshot_review.py --receipts --out "$out"
bash scripts/screenshot_verify.sh  # the public receipt page at a phone's size (headless Chromium)
echo "screenshots: $out"
