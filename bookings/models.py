"""Registrations, attendance and calendars arrive with their own issues."""
