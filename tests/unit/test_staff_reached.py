"""StaffReached counts colleagues from their groups: over all departments, or within one (None: no department)."""

from organiser.reach.staff_reached import StaffGroup, StaffReached


def test_counts_over_all_departments_and_within_one():
    staff = StaffReached(
        departments={1: "Vergunningen", 2: "Wijkteams"},
        groups=[
            StaffGroup(1, office=True, active=True, reached=True, invited=True, people=3),
            StaffGroup(1, office=True, active=True, reached=False, invited=True, people=4),
            StaffGroup(2, office=False, active=True, reached=True, invited=False, people=5),
            StaffGroup(None, office=True, active=False, reached=True, invited=True, people=7),
        ],
    )
    assert staff.count() == 19
    assert staff.count(office=True, reached=True) == 10
    assert staff.count_in(1, invited=True) == 7
    assert staff.count_in(1, reached=True, office=True) == 3
    assert staff.count_in(2, office=True) == 0
    assert staff.count_in(None, reached=True) == 7  # colleagues without a department are a group of their own
    assert staff.count_in(3) == 0  # a department nobody works in
