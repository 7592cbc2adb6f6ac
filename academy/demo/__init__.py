"""Demo content for the academy: word tables, generated media and the seeder."""
