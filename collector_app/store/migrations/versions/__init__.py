"""Numbered store revisions: 0001_initial.py, 0002_...; each read by a person, FTS and triggers by hand."""
