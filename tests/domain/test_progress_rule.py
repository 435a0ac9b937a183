"""The progress rule on a worked example whose every figure is counted by hand below."""

from __future__ import annotations

from datetime import date

from collector_app.domain.progress import Cover, Takings, Target, add_up, compute_progress, month_end

YEAR = 2026


def test_month_end() -> None:
    assert month_end(2026, 2) == date(2026, 2, 28)
    assert month_end(2028, 2) == date(2028, 2, 29)
    assert month_end(2026, 12) == date(2026, 12, 31)


def _example() -> tuple[list[Cover], dict[tuple[str, str], date], list[Takings]]:
    covers = [
        # A: VSI paid for 2025 (12 months) and again for Jan-Jun 2026: renewing in 2026.
        Cover("A", "vsi", date(2025, 1, 1), date(2025, 12, 31)),
        Cover("A", "vsi", date(2026, 1, 1), date(2026, 6, 30)),
        # B: first VSI payment ever, Mar-May 2026: new.
        Cover("B", "vsi", date(2026, 3, 1), date(2026, 5, 31)),
        # A also pays family HI, a card 05/04/2026 - 04/04/2027 (spans the year's end): new to family HI,
        # counted April-December 2026 (the last day of March and of 2027's months are outside this year).
        Cover("A", "family_hi", date(2026, 4, 5), date(2027, 4, 4)),
        # C: family HI card 15/10/2025 - 14/10/2026: renewing if the ledger holds an earlier card...
        Cover("C", "family_hi", date(2025, 10, 15), date(2026, 10, 14)),
    ]
    # ... it does: C's first card started in 2023 (at another point).
    first = {("C", "family_hi"): date(2023, 10, 15)}
    takings = [
        Takings("vsi", date(2025, 1, 10), 1_200_000),
        Takings("vsi", date(2026, 1, 8), 600_000),
        Takings("vsi", date(2026, 1, 20), 330_000),
        Takings("vsi", date(2026, 3, 2), 300_000),
        Takings("family_hi", date(2026, 3, 5), 1_263_600),
        Takings("family_hi", date(2025, 10, 14), 1_263_600),
    ]
    return covers, first, takings


def test_worked_example() -> None:
    covers, first, takings = _example()
    result = compute_progress(YEAR, covers, first, takings,
                              [Target("vsi", 3, 2_000_000), Target("vsi", 1, None), Target("family_hi", 4, None)])
    vsi = result.scheme("vsi")
    by_month = {m.month: m for m in vsi.months}
    # January-February: A only (renewing); March-May: A and B (B new); June: A; July on: nobody.
    assert [m.participants for m in vsi.months] == [1, 1, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0]
    assert [m.new for m in vsi.months] == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert [m.renewing for m in vsi.months] == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert by_month[1].amount == 930_000 and by_month[3].amount == 300_000
    assert vsi.amount == 1_230_000 and vsi.last_year_amount == 1_200_000
    assert by_month[1].last_year_participants == 1 and by_month[1].last_year_amount == 1_200_000
    assert vsi.participants == 2 and vsi.new == 1 and vsi.last_year_participants == 1
    # Two targets for one scheme (a commune's points) add up; an amount given by one of them stands.
    assert (vsi.target_participants, vsi.target_amount) == (4, 2_000_000)
    assert vsi.participants_percent == 50.0 and vsi.amount_percent == 61.5

    hi = result.scheme("family_hi")
    # C: January-September (covered on each last day to 30/09; 31/10 is after 14/10); A: April-December.
    assert [m.participants for m in hi.months] == [1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1]
    assert [m.new for m in hi.months] == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    # Last year: C from October (31/10/2025 onwards) to December.
    assert [m.last_year_participants for m in hi.months] == [0] * 9 + [1, 1, 1]
    assert hi.months[2].amount == 1_263_600 and hi.months[9].last_year_amount == 1_263_600
    assert (hi.participants, hi.new) == (2, 1)
    assert (hi.target_participants, hi.target_amount) == (4, None) and hi.amount_percent is None


def test_first_period_from_covers_when_the_ledger_gives_none() -> None:
    covers, _first, takings = _example()
    # Without C's earlier card, C's earliest period is the 2025 one: still renewing in 2026, new in 2025.
    hi_2026 = compute_progress(YEAR, covers, {}, takings, []).scheme("family_hi")
    hi_2025 = compute_progress(2025, covers, {}, takings, []).scheme("family_hi")
    assert hi_2026.new == 1 and hi_2025.new == 1 and hi_2025.participants == 1
    assert hi_2026.target_participants is None and hi_2026.participants_percent is None


def test_only_the_schemes_asked() -> None:
    covers, first, takings = _example()
    result = compute_progress(YEAR, covers, first, takings, [], schemes=["family_hi"])
    assert [figures.scheme for figures in result.schemes] == ["family_hi"]


def test_points_add_up_month_by_month_with_their_targets() -> None:
    covers, first, takings = _example()
    one = compute_progress(YEAR, covers, first, takings, [Target("vsi", 3, 2_000_000)])
    two = compute_progress(YEAR, covers[:2], first, takings[:2], [Target("vsi", 5, None), Target("family_hi", 1, None)])
    together = add_up(YEAR, [one, two])
    vsi = together.scheme("vsi")
    # A is in both points' figures (as if it paid at each): counted at each, as the targets add up.
    assert [m.participants for m in vsi.months] == [2, 2, 3, 3, 3, 2, 0, 0, 0, 0, 0, 0]
    assert [m.new for m in vsi.months] == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert vsi.amount == 1_230_000 + 600_000 and vsi.participants == 3
    assert (vsi.target_participants, vsi.target_amount) == (8, 2_000_000)
    assert together.scheme("family_hi").target_participants == 1
    assert add_up(YEAR, []).scheme("vsi").participants == 0
