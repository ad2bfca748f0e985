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


def synthetic(dir, tables=1000, files=50, varied=False):
    """`varied`: each table has its own check, default literal and partial-index
    predicate, naming its own column, so that no two tables share a text."""
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
    w = max(4, len(str(tables - 1)))
    for fi in range(files):
        lines = ["postgres:", "  tables:"]
        for ti in range(fi * per_file, (fi + 1) * per_file):
            parent = f"t{ti - 1:0{w}d}" if ti > 0 else "orgs"
            lines += [
                f"    t{ti:0{w}d}:",
                f"      comment: Synthetic table number {ti}",
                "      tenant: true",
                "      columns:",
                "        id:         { type: uuid, primary_key: true, default_sql: gen_random_uuid() }",
                "        org_id:     { type: uuid, references: orgs.id, on_delete: cascade }",
                f"        parent_id:  {{ type: uuid?, references: {parent}.id, on_delete: set null }}",
                "        name:       varchar(255)",
                "        status:     { type: varchar(32), default: active }" if not varied else
                f"        status:     {{ type: varchar(32), default: active{ti} }}",
                "        amount:     { type: \"numeric(15,2)\", default: 0, check: \"amount >= 0\" }" if not varied else
                f"        n{ti}:       {{ type: integer, default: {ti % 97}, check: \"n{ti} >= {ti % 7}\" }}",
                "        counter:    { type: bigint, default: 0 }",
                "        payload:    { type: jsonb, default: {} }",
                "        created_at: { type: timestamptz, default_sql: now() }",
                "        updated_at: { type: timestamptz, default_sql: now() }",
                "      auto_updated_at: updated_at",
                "      indexes:",
                "        - columns: [org_id, status]",
                "        - { columns: [created_at], where: \"status = 'active'\" }" if not varied else
                f"        - {{ columns: [created_at], where: \"status <> 'deleted{ti}'\" }}",
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


class Cluster:
    """A throwaway PostgreSQL cluster on a Unix socket, as the tests start one.
    Loading a schema of thousands of tables in one transaction needs a bigger
    lock table than the default, so the bench's server has one."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.tmp = tempfile.mkdtemp(prefix="schemac-bench-pg-")
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            shutil.chown(self.tmp, "postgres", "postgres")
        self.data = os.path.join(self.tmp, "data")
        subprocess.run(self.as_postgres + [f"{bindir}/initdb", "-D", self.data, "--auth=trust", "-U", "postgres"], check=True, capture_output=True)
        options = f"-k {self.tmp} -c listen_addresses='' -c max_locks_per_transaction=1024"
        subprocess.run(self.as_postgres + [f"{bindir}/pg_ctl", "-D", self.data, "-o", options, "-l", f"{self.tmp}/log", "-w", "start"],
                       check=True, capture_output=True)
        self.psql = [f"{bindir}/psql", "-X", "-q", "-h", self.tmp, "-U", "postgres"]

    def database(self, name, schema_sql):
        subprocess.run(self.psql + ["-d", "postgres", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        subprocess.run(self.psql + ["-d", name, "-v", "ON_ERROR_STOP=1", "-f", schema_sql], check=True, capture_output=True)
        return f"host={self.tmp} dbname={name} user=postgres"

    def pg_dump(self, name):
        return [f"{self.bindir}/pg_dump", "-h", self.tmp, "-U", "postgres", "--schema-only", "-f", "/dev/null", name]

    def stop(self):
        subprocess.run(self.as_postgres + [f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def diff_vs_pg_dump(cluster, name, schema_sql, definitions_project, runs, with_check=True):
    """`schemac diff` (in sync) against `pg_dump --schema-only` on the same
    database, side by side: each round runs every command once, so that drift
    on the VM hits each alike."""
    target = cluster.database(name, schema_sql)
    command = [BIN, "diff", "--against", target, "--detailed-exitcode"]
    cold_env = dict(os.environ, SCHEMAC_CACHE="off")
    warm_env = dict(os.environ, SCHEMAC_CACHE_DIR=os.path.join(cluster.tmp, "cache-" + name))
    wall(command, definitions_project, 1, warm_env)  # fills the definitions cache
    pulled = os.path.join(cluster.tmp, "pulled-" + name)
    pull = [BIN, "pull", "--from", target, "--out", pulled, "--force"]
    # The same, with the catalogs read again (a database changed since the last diff).
    read_env = dict(warm_env, SCHEMAC_INSPECTION_CACHE="off")
    out = {"pg_dump": [], "cold": [], "texts": [], "texts_read": [], "warm": [], "warm_read": [], "pull": [], "check": []}

    def forget_definitions():
        # The resolved definitions and the tables kept file by file: the YAML is composed and resolved again.
        for kind in ["definitions", "tables"]:
            for entry in glob.glob(os.path.join(warm_env["SCHEMAC_CACHE_DIR"], f"{kind}-*.bin")):
                os.remove(entry)
    for _ in range(runs):
        out["pg_dump"] += wall(cluster.pg_dump(name), definitions_project, 1)
        out["cold"] += wall(command, definitions_project, 1, cold_env)
        # The definitions loaded afresh, the texts the server printed last time known.
        forget_definitions()
        out["texts_read"] += wall(command, definitions_project, 1, read_env)
        forget_definitions()
        out["texts"] += wall(command, definitions_project, 1, warm_env)
        out["warm_read"] += wall(command, definitions_project, 1, read_env)
        out["warm"] += wall(command, definitions_project, 1, warm_env)
        out["pull"] += wall(pull, cluster.tmp, 1)
        if with_check:
            out["check"] += wall(pull + ["--check"], cluster.tmp, 1)
    out["timings"] = subprocess.run([BIN, "diff", "--against", target], cwd=definitions_project, capture_output=True, text=True,
                                    env=dict(cold_env, SCHEMAC_TIMINGS="1")).stderr
    out["target"] = target
    return out


def peak_memory_kib(cmd, cwd, env):
    """The peak resident memory of one run, by GNU time."""
    if not os.path.exists("/usr/bin/time"):
        return None
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return int(r.stderr.strip().splitlines()[-1])


def edit_one_table(defs, round=0):
    """A new column on one table of the set, as an edit would add it: each
    round another column on the same table (the definitions' model changes
    each time, so nothing kept of the last round's definitions serves)."""
    paths = sorted(glob.glob(os.path.join(defs, "t*.yaml")))
    path = paths[len(paths) // 2]
    marker = "        counter:    { type: bigint, default: 0 }\n"
    text = open(path).read()
    lines = [l for l in text.split("\n") if not l.startswith("        edited")]
    text = "\n".join(lines)
    with open(path, "w") as f:
        f.write(text.replace(marker, marker + f"        edited{round}:    {{ type: text? }}\n", 1))


def row(name, times):
    print(f"  {name:<52} {min(times) * 1000:8.1f} {statistics.median(times) * 1000:8.1f} {max(times) * 1000:8.1f} ms")


def print_phases(timings):
    for line in timings.strip().splitlines():
        print("    " + line.removeprefix("schemac: "))


def varied_sets(cluster, runs, big_runs):
    """The varied sets: 1,000 and 10,000 tables, each with its own check,
    default literal and partial-index predicate."""
    results = {}
    sizes = [int(n) for n in os.environ.get("BENCH_VARIED_SIZES", "1000,10000").split(",") if n]
    for tables, files, rounds in [(n, n // 20, runs if n <= 1000 else big_runs) for n in sizes]:
        project = os.path.join(OUT, f"varied{tables}")
        defs = synthetic(project, tables=tables, files=files, varied=True)
        uncached = dict(os.environ, SCHEMAC_CACHE="off")
        subprocess.run([BIN, "generate"], cwd=project, check=True, env=uncached)
        generate = wall([BIN, "generate"], project, runs=rounds, env=uncached)
        # What CI and pre-commit run: generate's work and the reviewer's warnings.
        check = wall([BIN, "check"], project, runs=rounds, env=uncached)
        py_parse = [float(t) for t in subprocess.run([sys.executable, "-c", PY_PARSE, defs, str(rounds)],
                                                     capture_output=True, text=True, check=True).stdout.split()]
        name = f"varied{tables}"
        diff = diff_vs_pg_dump(cluster, name, os.path.join(project, "generated", "postgres", "schema.sql"), project, rounds,
                               with_check=tables <= 1000)
        command = [BIN, "diff", "--against", diff["target"], "--detailed-exitcode"]
        memory = peak_memory_kib(command, project, uncached)
        # One table edited: the definitions cache misses, the server is as it was.
        edited = []
        for round in range(rounds):
            edit_one_table(defs, round)
            started = time.perf_counter()
            r = subprocess.run(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=dict(os.environ, SCHEMAC_CACHE_DIR=os.path.join(cluster.tmp, "cache-" + name)))
            edited.append(time.perf_counter() - started)
            if r.returncode != 2:
                sys.exit(f"the edited diff should find one change: {r.stderr.decode()}")
        # generate in a developer's loop: one table edited, the cache as the last run left it.
        generate_env = dict(os.environ, SCHEMAC_CACHE_DIR=os.path.join(cluster.tmp, "cache-generate-" + name))
        subprocess.run([BIN, "generate"], cwd=project, check=True, env=generate_env, capture_output=True)
        generate_edited = []
        for round in range(rounds):
            edit_one_table(defs, rounds + round)
            generate_edited += wall([BIN, "generate"], project, 1, generate_env)
        results[tables] = dict(diff, generate=generate, check_all=check, py_parse=py_parse, memory=memory, edited=edited, rounds=rounds,
                               generate_edited=generate_edited)
    return results


def report_varied(results):
    for tables, r in results.items():
        dump = statistics.median(r["pg_dump"])
        print(f"varied set, {tables:,} tables (own check, default and predicate each), {r['rounds']} rounds (wall):")
        row("pg_dump --schema-only", r["pg_dump"])
        row("schemac diff, in sync, nothing cached", r["cold"])
        row("schemac diff, in sync, definitions loaded, texts known", r["texts"])
        row("  the same, catalogs read (inspection not kept)", r["texts_read"])
        row("schemac diff, in sync, definitions and texts cached", r["warm"])
        row("  the same, catalogs read (inspection not kept)", r["warm_read"])
        row("schemac diff after editing one table", r["edited"])
        row("schemac pull", r["pull"])
        if r["check"]:
            row("schemac pull --check", r["check"])
        row("schemac generate (no cache)", r["generate"])
        row("schemac generate after editing one table", r["generate_edited"])
        row("schemac check (no cache)", r["check_all"])
        row("CSafeLoader parse only (in-process)", r["py_parse"])
        print(f"  ratios to pg_dump (medians): diff {statistics.median(r['cold']) / dump:.2f}x with nothing cached, "
              f"{statistics.median(r['texts']) / dump:.2f}x with the definitions loaded and the texts known, "
              f"{statistics.median(r['warm']) / dump:.2f}x with both cached, {statistics.median(r['edited']) / dump:.2f}x after an edit; "
              f"pull {statistics.median(r['pull']) / dump:.2f}x")
        print(f"  with the catalogs read (a database changed since the last diff): {statistics.median(r['texts_read']) / dump:.2f}x "
              f"with the definitions loaded and the texts known, {statistics.median(r['warm_read']) / dump:.2f}x with both cached")
        print(f"  generate / CSafeLoader parse (medians): {statistics.median(r['generate']) / statistics.median(r['py_parse']):.2f}x")
        if r["memory"]:
            print(f"  peak memory of a diff without the cache: {r['memory'] / 1024:.0f} MiB")
        print("  phases of one diff without the cache (SCHEMAC_TIMINGS=1):")
        print_phases(r["timings"])


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

    bindir = pg_binaries()
    if bindir is None:
        print("diff vs pg_dump: skipped (no PostgreSQL server binaries)")
        return
    cluster = Cluster(bindir)
    try:
        r = diff_vs_pg_dump(cluster, "bench", os.path.join(project, "generated", "postgres", "schema.sql"), project, max(5, RUNS))
        print(f"live diff, 1,000-table database in sync, {len(r['pg_dump'])} rounds (wall):")
        row("pg_dump --schema-only", r["pg_dump"])
        row("schemac diff, nothing cached (SCHEMAC_CACHE=off)", r["cold"])
        row("schemac diff, definitions loaded, printed texts known", r["texts"])
        row("  the same, catalogs read (inspection not kept)", r["texts_read"])
        row("schemac diff, definitions and texts from the cache", r["warm"])
        row("  the same, catalogs read (inspection not kept)", r["warm_read"])
        row("schemac pull (inspect, list what is not held, write)", r["pull"])
        row("schemac pull --check (and load back, build, compare)", r["check"])
        dump = statistics.median(r["pg_dump"])
        print(f"schemac diff / pg_dump (medians): {statistics.median(r['cold']) / dump:.2f}x with nothing cached, "
              f"{statistics.median(r['texts']) / dump:.2f}x with the definitions loaded and the printed texts known, "
              f"{statistics.median(r['warm']) / dump:.2f}x with both cached")
        print(f"schemac pull / pg_dump (medians): {statistics.median(r['pull']) / dump:.2f}x, with --check {statistics.median(r['check']) / dump:.2f}x")
        print("phases of one diff without the cache (SCHEMAC_TIMINGS=1):")
        print_phases(r["timings"])
        if os.environ.get("BENCH_VARIED", "1") != "0":
            report_varied(varied_sets(cluster, max(5, RUNS), int(os.environ.get("BENCH_RUNS_10K", "3"))))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
