"""The main window's pages, one per task (find, payments, receipts, sync)."""
