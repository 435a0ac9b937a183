"""Demo data: realistic households, people, enrolments and payments for trying the app and for benchmarks.

Not a user action, so not a service: the `demo` command, scripts and benchmarks call it; it records
through the store and the services like any other caller.
"""

from __future__ import annotations

from collector_app.demo.households import DemoSummary, demo_communes, fill_demo, generate_households

__all__ = ["DemoSummary", "demo_communes", "fill_demo", "generate_households"]
