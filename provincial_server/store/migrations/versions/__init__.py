"""Numbered revisions: 0001_initial, then one file per schema change."""
