"""Bulk-load a realistic data set for the benchmarks, through PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench \\
        .venv/bin/python -m bench.load_data --complaints 1000000 [--seed 315] [--workers 2]

The database (its name must contain "bench") is created when missing and migrated; the tables
the loader fills are emptied first, so a second run starts clean. What it loads:

- the Hubei council tree: the province, its 17 cities and 99 districts and counties (real names
  and administrative codes), with supervisors and mediators; Yichang, Enshi and a few districts
  count deadlines in working days on the official calendar;
- 5,000 merchants across the sectors (80 % enrolled, with an owner, SMS notice phones and
  sometimes agents; the rest applied, suspended or refused), with valid unified social credit
  codes; how many complaints a merchant draws follows a long tail;
- 300,000 consumers with unique mobile numbers (username = phone, as at sign-up);
- the complaints, filed from 2024-01-01 to 2026-11-20 (more every year, peaks around 15 March,
  after 6.18 and after 11.11), each played through the state machine of complaints/actions.py
  on its own clock: deadlines computed as complaints/deadlines.py does, deadline moves made by
  "the job" minutes after a deadline passes, every move a timeline event hash-chained exactly as
  complaints/timeline.py does (complaints.integrity.verify_chain passes), overdue marks where a
  merchant let a deadline pass, the search terms of complaints/search.py, priority as
  complaints/priority.py scores it, case numbers as filing.file_complaint gives them (and
  CaseSequence rows so new filings continue after them). Cases still running at load time are
  open, each in the state its story reached, with a few sent notices in the outbox;
- named accounts for the timing scripts, password "bench-password-315": bench-province,
  bench-city (the busiest city), bench-district (a district of it), bench-owner (owner of the
  merchant with most cases) and bench-mediator. Every other account has the same password.

The same seed gives the same data, except for what the moment of loading decides: a case is
open when its next move would come after that moment.

Speed: data is generated in worker processes (one per core) and copied by the main process in
one transaction that first truncates the tables, so COPY ... FREEZE writes rows already frozen
and visible to all (VACUUM then has nothing to do and index-only scans work at once). The
secondary indexes and unique constraints of the big tables are dropped before the copy and
rebuilt after it from the definitions read from the migrated database (two connections at
once, maintenance_work_mem raised), and the final set of indexes and constraints is checked
equal to the one migrations created. Foreign keys are kept; their per-row checks are skipped
during the copy (session_replication_role = replica) and the same checks are run afterwards as
one anti-join per key. It ends with VACUUM ANALYZE and a CHECKPOINT, so the loaded data is
written out before the first figure is measured. Results: bench/results/load.json (rows per table, phase timings, size).

The modules, from the world to the database: hubei (councils, names, sectors) and phrases (the
words of complaints and replies) are the pools; reference builds councils, staff, merchants and
consumers from them; clock says when complaints are filed; stories plays one case through the
state machine and filings decides what a consumer files; batches turns a batch of stories into
COPY text (copy_text) in a worker, with the notices (notices) open cases owe; copy_writer copies
it all in one transaction, indexes drops and rebuilds the big tables' indexes, checks checks the
result; loader.run ties it together and __main__ is the command line.
"""

from .loader import run

__all__ = ["run"]
