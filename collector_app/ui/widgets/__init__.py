"""Reusable widgets that pages compose."""
