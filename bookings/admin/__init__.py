"""Staff screens for training in the Wagtail admin (menu 培训): cohorts and sessions
(`timetable`), registrations (`registrations`) and the notice log (`notices`). They call
`bookings.services` for every change; `bookings.wagtail_hooks` registers them."""
