"""bench/report.py: every target is met, not met or not measured with the reason, whatever ran."""

import json

from bench import report

MACHINE = {"nproc": "2", "cpu_model": "", "free_g": "", "memory_total_gb": "1", "memory_available_gb": "1"}
MACHINE |= {"postgresql": "15", "python": "3.11", "load_average": "0"}
BASELINE = {"pgbench_replay_per_s": 244.4}


def run(part: dict, **more) -> dict:
    return {"throughput_per_s": part, "concurrency": 8, "seconds": 30, "requests": 1, "latency_ms": {}, **more}


def scenario(name: str, group: str, p95: float) -> dict:
    latency = {"p50": p95, "p95": p95, "p99": p95, "max": p95}
    return {"name": name, "group": group, "clients": 1, "latency_ms": latency, "requests": 100, "errors": 0}


def rows_by_figure(built: dict) -> dict:
    return {row["figure"]: row for row in built["figures"]}


def test_a_failed_step_is_the_reason_every_figure_it_owed_is_not_measured(tmp_path):
    (tmp_path / "steps.tsv").write_text(
        "web_step\t1\t12\tthe server did not start\tvar/bench-run/logs/web.log\n"
        "pgbench_step\t0\t40\tdone\tvar/bench-run/logs/pgbench.log\n"
    )
    (tmp_path / "pgbench.json").write_text(
        json.dumps({"target": "pgbench", "not_measured": "pgbench is not installed"})
    )
    parts, reasons = report.read_parts(tmp_path)

    built = report.build(parts, MACHINE, reasons, BASELINE)
    rows = rows_by_figure(built)

    judged = [row for row in built["figures"] if row["target"]]
    assert judged and all(row["met"] is None and row["value"].startswith("not measured: ") for row in judged)
    assert "step web failed (exit 1): the server did not start" in rows["throughput ours / peer"]["value"]
    assert rows["pgbench replay / before issue 17 (244.4/s)"]["value"] == "not measured: pgbench is not installed"
    assert "| not measured |" in report.markdown({**built, "parts_dir": "parts"})


def test_issue_17_targets_are_judged_against_the_peer_the_baseline_and_page_limits():
    parts = dict.fromkeys(report.PARTS)
    parts["filings"] = run(90.0, cpu_ms_per_success={"web": 20.0, "worker": 3.0, "postgres": 5.0})
    parts["peer"] = run(120.0)
    parts["pgbench"] = run(1000.0, no_shared_row=run(2000.0))
    parts["pages"] = {
        "complaints": 1_000_000,
        "scenarios": [
            scenario("dashboard page (province), computed", "dashboard computed", 180),
            scenario("search page, text 质量问题", "search", 160),
            scenario("public statistics page", "public", 19),
        ],
    }

    rows = rows_by_figure(report.build(parts, MACHINE, {}, BASELINE))

    assert (rows["throughput ours / peer"]["value"], rows["throughput ours / peer"]["met"]) == ("0.75×", True)
    assert rows["pgbench replay / before issue 17 (244.4/s)"]["met"] is True
    assert rows["throughput ours / no-shared-row ceiling"]["value"] == "4.5%"
    assert rows["pgbench replay / no-shared-row ceiling"]["value"] == "50.0%"
    assert rows["dashboard page (province), computed"]["met"] is True
    assert rows["search page, text 质量问题"]["met"] is False
    assert rows["public statistics page"]["met"] is True
    assert [rows[f"CPU ms per filing, {p}"]["value"] for p in ("web", "worker", "postgres")] == [
        "20.0 ms",
        "3.0 ms",
        "5.0 ms",
    ]


def test_the_machine_section_says_how_fast_the_host_ran_a_fixed_loop():
    from bench import machine

    described = {
        "nproc": "2",
        "cpu_model": "AMD EPYC",
        "memory_total_gb": "23",
        "memory_available_gb": "22",
        "postgresql": "PostgreSQL 15",
        "python": "3.11.7",
        "load_average": "0.10 0.20 0.30",
        "free_g": "Mem: 23",
    }
    assert not any("Speed" in line for line in machine.machine_lines(described))  # runs described before it
    lines = machine.machine_lines({**described, "speed_probe_seconds": 0.4567})
    assert "- Speed at the start: 0.457 s for a fixed Python loop (the sum of 3,000,000 squares, best of 3" in (
        "\n".join(lines)
    )
    seconds = machine.speed_probe_seconds()
    assert 0 < seconds < 60 and seconds == round(seconds, 3)
