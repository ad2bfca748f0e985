#!/usr/bin/env python3
"""schemac benchmarks (`make bench`).

1. A synthetic definitions set of 1,000 tables (10 columns, 2 indexes, a foreign
   key, RLS and an auto_updated_at trigger each), in 50 files. Full `schemac
   generate` wall time, measured side by side with Python's C-accelerated YAML
   loader (yaml.CSafeLoader) only parsing the same files, in one run.
2. `schemac check` on the repository's definitions/, warm.

Each figure is the median of several runs; the machine is printed with them.
"""
import glob, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release", "schemac")
OUT = os.path.join(ROOT, "bench", "out")
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def synthetic(dir, tables=1000, files=50):
    defs = os.path.join(dir, "definitions")
    shutil.rmtree(dir, ignore_errors=True)
    os.makedirs(defs)
    with open(os.path.join(defs, "000_settings.yaml"), "w") as f:
        f.write("postgres:\n  extensions: [pgcrypto]\n  roles: [app_user]\n"
                "  tenancy: { column: org_id, setting: app.current_org_id }\n"
                "  tables:\n    orgs:\n      columns:\n"
                "        id: { type: uuid, primary_key: true, default_sql: gen_random_uuid() }\n"
                "        name: text\n")
    per_file = tables // files
    for fi in range(files):
        lines = ["postgres:", "  tables:"]
        for ti in range(fi * per_file, (fi + 1) * per_file):
            parent = f"t{ti - 1:04d}" if ti > 0 else "orgs"
            lines += [
                f"    t{ti:04d}:",
                f"      comment: Synthetic table number {ti}",
                "      tenant: true",
                "      columns:",
                "        id:         { type: uuid, primary_key: true, default_sql: gen_random_uuid() }",
                "        org_id:     { type: uuid, references: orgs.id, on_delete: cascade }",
                f"        parent_id:  {{ type: uuid?, references: {parent}.id, on_delete: set null }}",
                "        name:       varchar(255)",
                "        status:     { type: varchar(32), default: active }",
                "        amount:     { type: \"numeric(15,2)\", default: 0, check: \"amount >= 0\" }",
                "        counter:    { type: bigint, default: 0 }",
                "        payload:    { type: jsonb, default: {} }",
                "        created_at: { type: timestamptz, default_sql: now() }",
                "        updated_at: { type: timestamptz, default_sql: now() }",
                "      auto_updated_at: updated_at",
                "      indexes:",
                "        - columns: [org_id, status]",
                "        - { columns: [created_at], where: \"status = 'active'\" }",
                "      grants:",
                "        app_user: [select, insert, update, delete]",
            ]
        with open(os.path.join(defs, f"t{fi:03d}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return defs


def wall(cmd, cwd, runs=RUNS, env=None):
    # diff exits 2 only with --detailed-exitcode and changes; 0 means in sync.
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"{cmd} failed: {result.stderr.decode()}")
    return times


PY_PARSE = r"""
import glob, os, sys, time, yaml
files = sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.yaml"), recursive=True))
runs = int(sys.argv[2]); times = []
for _ in range(runs):
    start = time.perf_counter()
    for path in files:
        with open(path) as f:
            yaml.load(f, Loader=yaml.CSafeLoader)
    times.append(time.perf_counter() - start)
print(" ".join(str(t) for t in times))
"""


def pg_binaries():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


def diff_vs_pg_dump(schema_sql, definitions_project, runs):
    """A throwaway cluster with the 1,000-table schema: `schemac diff` (in sync)
    against `pg_dump --schema-only`, side by side."""
    bindir = pg_binaries()
    if bindir is None:
        return None
    tmp = tempfile.mkdtemp(prefix="schemac-bench-pg-")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if os.getuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    data = os.path.join(tmp, "data")
    subprocess.run(as_postgres + [f"{bindir}/initdb", "-D", data, "--auth=trust", "-U", "postgres"], check=True, capture_output=True)
    subprocess.run(as_postgres + [f"{bindir}/pg_ctl", "-D", data, "-o", f"-k {tmp} -c listen_addresses=''", "-l", f"{tmp}/log", "-w", "start"],
                   check=True, capture_output=True)
    try:
        psql = [f"{bindir}/psql", "-X", "-q", "-h", tmp, "-U", "postgres"]
        subprocess.run(psql + ["-d", "postgres", "-c", "CREATE DATABASE bench"], check=True, capture_output=True)
        subprocess.run(psql + ["-d", "bench", "-v", "ON_ERROR_STOP=1", "-f", schema_sql], check=True, capture_output=True)
        target = f"host={tmp} dbname=bench user=postgres"
        command = [BIN, "diff", "--against", target, "--detailed-exitcode"]
        cold_env = dict(os.environ, SCHEMAC_CACHE="off")
        warm_env = dict(os.environ, SCHEMAC_CACHE_DIR=os.path.join(tmp, "cache"))
        wall(command, definitions_project, 1, warm_env)  # fills the definitions cache
        pulled = os.path.join(tmp, "pulled")
        pull = [BIN, "pull", "--from", target, "--out", pulled, "--force"]
        dump, cold, warm, pulls, checked = [], [], [], [], []
        # Side by side: each round runs all four, so that drift on the VM hits each alike.
        for _ in range(runs):
            dump += wall([f"{bindir}/pg_dump", "-h", tmp, "-U", "postgres", "--schema-only", "-f", "/dev/null", "bench"], definitions_project, 1)
            cold += wall(command, definitions_project, 1, cold_env)
            warm += wall(command, definitions_project, 1, warm_env)
            pulls += wall(pull, tmp, 1)
            checked += wall(pull + ["--check"], tmp, 1)
        timings = subprocess.run([BIN, "diff", "--against", target], cwd=definitions_project, capture_output=True, text=True,
                                 env=dict(cold_env, SCHEMAC_TIMINGS="1")).stderr
        return cold, warm, dump, pulls, checked, timings
    finally:
        subprocess.run(as_postgres + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: make release")
    import yaml
    assert hasattr(yaml, "CSafeLoader"), "PyYAML without libyaml: no CSafeLoader"
    project = os.path.join(OUT, "synthetic1000")
    defs = synthetic(project)
    subprocess.run([BIN, "generate"], cwd=project, check=True)
    size = sum(os.path.getsize(os.path.join(defs, f)) for f in os.listdir(defs))
    sql = os.path.getsize(os.path.join(project, "generated", "postgres", "schema.sql"))

    # The YAML front end itself: without the definitions cache.
    uncached = dict(os.environ, SCHEMAC_CACHE="off")
    generate = wall([BIN, "generate"], project, env=uncached)
    check_big = wall([BIN, "check"], project, env=uncached)
    py_process = wall([sys.executable, "-c", PY_PARSE, defs, "1"], project)
    py_parse = [float(t) for t in subprocess.run([sys.executable, "-c", PY_PARSE, defs, str(RUNS)],
                                                 capture_output=True, text=True, check=True).stdout.split()]
    check_repo = wall([BIN, "check"], ROOT, runs=max(RUNS, 25), env=uncached)

    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
    except OSError:
        pass
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {cpu}; {platform.system()} {platform.release()}")
    print(f"python: {platform.python_version()}, PyYAML {yaml.__version__} (CSafeLoader)")
    print(f"synthetic set: 1,000 tables in 51 files, {size / 1024:.0f} KiB of YAML -> {sql / 1024:.0f} KiB of SQL")
    print(f"wall time over {RUNS} runs (this VM's CPU time varies run to run; the median is the figure to read):")
    print(f"  {'':<52} {'min':>8} {'median':>8} {'max':>8}")
    rows = [
        ("schemac generate, 1,000 tables (whole process)", generate),
        ("schemac check, 1,000 tables (whole process)", check_big),
        ("python3 + CSafeLoader, parse only (whole process)", py_process),
        ("CSafeLoader parse only (in-process, no start-up)", py_parse),
        ("schemac check on definitions/ (warm)", check_repo),
    ]
    for name, times in rows:
        print(f"  {name:<52} {min(times) * 1000:8.1f} {statistics.median(times) * 1000:8.1f} {max(times) * 1000:8.1f} ms")
    ratio = statistics.median(generate) / statistics.median(py_parse)
    print(f"schemac generate / CSafeLoader parse-only (medians): {ratio:.2f}x")

    result = diff_vs_pg_dump(os.path.join(project, "generated", "postgres", "schema.sql"), project, max(5, RUNS))
    if result is None:
        print("diff vs pg_dump: skipped (no PostgreSQL server binaries)")
        return
    cold, warm, dump, pulls, checked, timings = result
    print(f"live diff, 1,000-table database in sync, {len(dump)} rounds (wall):")
    print(f"  {'pg_dump --schema-only':<52} {min(dump) * 1000:8.1f} {statistics.median(dump) * 1000:8.1f} {max(dump) * 1000:8.1f} ms")
    print(f"  {'schemac diff, definitions loaded (no cache)':<52} {min(cold) * 1000:8.1f} {statistics.median(cold) * 1000:8.1f} {max(cold) * 1000:8.1f} ms")
    print(f"  {'schemac diff, definitions from the cache':<52} {min(warm) * 1000:8.1f} {statistics.median(warm) * 1000:8.1f} {max(warm) * 1000:8.1f} ms")
    print(f"  {'schemac pull (inspect, list what is not held, write)':<52} {min(pulls) * 1000:8.1f} {statistics.median(pulls) * 1000:8.1f} {max(pulls) * 1000:8.1f} ms")
    print(f"  {'schemac pull --check (and load back, build, compare)':<52} {min(checked) * 1000:8.1f} {statistics.median(checked) * 1000:8.1f} {max(checked) * 1000:8.1f} ms")
    print(f"schemac diff / pg_dump (medians): {statistics.median(cold) / statistics.median(dump):.2f}x without the cache, "
          f"{statistics.median(warm) / statistics.median(dump):.2f}x with it")
    print(f"schemac pull / pg_dump (medians): {statistics.median(pulls) / statistics.median(dump):.2f}x, "
          f"with --check {statistics.median(checked) / statistics.median(dump):.2f}x")
    print("phases of one diff without the cache (SCHEMAC_TIMINGS=1):")
    for line in timings.strip().splitlines():
        print("  " + line.removeprefix("schemac: "))


if __name__ == "__main__":
    main()
