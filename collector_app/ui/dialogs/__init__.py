"""Dialogs of the desktop interface (preview and print of PDFs, ...)."""
