"""What attendance turns into: study hours (学时), completion (结业) and certificates (结业证书).

- `hours`: the study-hours ledger, per trainee (by phone) across cohorts, per cohort, per year;
- `completion`: whether a registration meets its programme's completion rule;
- `services`: issuing and revoking certificates (each change logged in its transaction);
- `pdf`: the certificate as a PDF in Chinese, with its fonts embedded;
- `views`, `urls`: the public verification page and the trainee's download;
- `admin`, `hooks`: the staff screens and what the trainee's private page shows.
"""
