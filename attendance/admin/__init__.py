"""Staff screens for attendance in the Wagtail admin: the check-in listing, a session's roster
and the dashboard's check-in panel. Every change goes through `attendance.services`."""
