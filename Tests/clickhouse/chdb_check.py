#!/usr/bin/env python3
"""Runs a generated ClickHouse schema in chdb (the ClickHouse engine, in
process) and checks that what the engine made of it agrees with what the
definitions say, as written to an expectations file by the Swift tests.

    chdb_check.py SCHEMA_SQL EXPECTATIONS_JSON
    chdb_check.py --parse-only SCHEMA_SQL

With --parse-only (a schema for a cluster: chdb has no cluster and no Keeper,
so ON CLUSTER and Replicated engines cannot run) every statement must pass
the engine's own parser (formatQuery), and nothing runs.

Every statement must run. Then, from system.tables, system.columns and
system.data_skipping_indices: each table's engine, partition key, sorting key,
primary key, sampling key and TTL, each column's type, default, codec and
comment, each skip index. Expressions are compared after the engine's own
formatter (formatQuery) has read both sides, so `INTERVAL 90 DAY` and
`toIntervalDay(90)` agree. Last, rows are inserted into every table a
materialized view reads, and each view's target must receive rows whenever
the view's query, run by hand over the same rows, returns some.

Exit status 0 when everything agrees, 1 with one line per disagreement.
"""
import json
import sys

from chdb import session


def statements(sql):
    """Splits a script at top-level semicolons (not in quotes or comments)."""
    out, current, i, n = [], [], 0, len(sql)
    quote = None
    while i < n:
        c = sql[i]
        if quote:
            current.append(c)
            if c == "\\" and i + 1 < n:
                current.append(sql[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'`\"":
            quote = c
            current.append(c)
        elif c == "-" and sql.startswith("--", i):
            while i < n and sql[i] != "\n":
                i += 1
            continue
        elif c == ";":
            text = "".join(current).strip()
            if text:
                out.append(text)
            current = []
        else:
            current.append(c)
        i += 1
    text = "".join(current).strip()
    if text:
        out.append(text)
    return out


class Engine:
    def __init__(self):
        self.s = session.Session()

    def run(self, sql):
        return self.s.query(sql, "JSONCompact")

    def rows(self, sql):
        result = self.s.query(sql, "JSONCompact")
        text = result.bytes().decode() if hasattr(result, "bytes") else str(result)
        return json.loads(text)["data"] if text.strip() else []

    def literal(self, text):
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def formatted(self, query):
        return self.rows("SELECT formatQuery(" + self.literal(query) + ")")[0][0]

    def expression(self, expr):
        """An expression as the engine's formatter prints it."""
        return self.formatted("SELECT " + expr) if expr else ""


def table_ttl(create_query):
    """The table-level TTL clause of a create_table_query, as printed."""
    engine_at = create_query.find(" ENGINE = ")
    tail = create_query[engine_at:]
    start = tail.find(" TTL ")
    if start < 0:
        return ""
    rest = tail[start + 5:]
    for stop in (" SETTINGS ", " COMMENT "):
        at = rest.find(stop)
        if at >= 0:
            rest = rest[:at]
    return rest.strip()


def parse_only(schema_path):
    engine = Engine()
    count = 0
    for statement in statements(open(schema_path).read()):
        try:
            engine.formatted(statement)
        except Exception as error:
            print(f"statement does not parse: {statement[:200]}\n  {str(error).strip()[:600]}")
            return 1
        count += 1
    print(f"ok: {count} statements parse")
    return 0


def main():
    if sys.argv[1] == "--parse-only":
        return parse_only(sys.argv[2])
    schema_path, expectations_path = sys.argv[1], sys.argv[2]
    expected = json.load(open(expectations_path))
    engine = Engine()
    problems = []

    # Dictionaries read PostgreSQL through a named collection: one is made, never connected to.
    for name in expected.get("named_collections", []):
        engine.run(f"CREATE NAMED COLLECTION IF NOT EXISTS `{name}` AS host = '127.0.0.1', port = 5432, "
                   "user = 'schemac', password = '', database = 'schemac'")
    for statement in statements(open(schema_path).read()):
        try:
            engine.run(statement)
        except Exception as error:  # the engine's message names the problem
            print(f"statement refused: {statement[:200]}\n  {str(error).strip()[:600]}")
            return 1

    db = expected["database"]
    tables = {row[0]: row for row in engine.rows(
        "SELECT name, engine, partition_key, sorting_key, primary_key, sampling_key, create_table_query, dependencies_table "
        f"FROM system.tables WHERE database = {engine.literal(db)}")}

    def same_expression(what, want, got):
        w, g = engine.expression(want), engine.expression(got)
        if w != g:
            problems.append(f"{what}: expected {w!r}, the engine has {g!r}")

    for t in expected["tables"]:
        name = t["name"]
        row = tables.get(name)
        if row is None:
            problems.append(f"table {name}: missing")
            continue
        _, engine_name, partition_key, sorting_key, primary_key, sampling_key, create_query, _ = row
        if engine_name != t["engine"]:
            problems.append(f"table {name}: engine {engine_name}, expected {t['engine']}")
        same_expression(f"table {name} partition key", t["partition_key"], partition_key)
        same_expression(f"table {name} sorting key", ", ".join(t["sorting_key"]), sorting_key)
        same_expression(f"table {name} primary key", ", ".join(t["primary_key"]), primary_key)
        same_expression(f"table {name} sampling key", t["sampling_key"], sampling_key)
        stub = "CREATE TABLE stub (x Int8) ENGINE = MergeTree ORDER BY tuple()"
        want_ttl = engine.formatted(stub + " TTL " + t["ttl"]) if t["ttl"] else ""
        got = table_ttl(create_query)
        got_ttl = engine.formatted(stub + " TTL " + got) if got else ""
        if want_ttl != got_ttl:
            problems.append(f"table {name} TTL: expected {t['ttl']!r}, the engine has {got!r}")

        columns = engine.rows(
            "SELECT name, type, default_kind, default_expression, compression_codec, comment FROM system.columns "
            f"WHERE database = {engine.literal(db)} AND table = {engine.literal(name)} ORDER BY position")
        if [c[0] for c in columns] != [c["name"] for c in t["columns"]]:
            problems.append(f"table {name} columns: expected {[c['name'] for c in t['columns']]}, the engine has {[c[0] for c in columns]}")
        for c, got in zip(t["columns"], columns):
            where = f"column {name}.{c['name']}"
            if got[1] != c["type"]:
                problems.append(f"{where} type: expected {c['type']}, the engine has {got[1]}")
            if got[2] != c["default_kind"]:
                problems.append(f"{where} default kind: expected {c['default_kind']!r}, the engine has {got[2]!r}")
            same_expression(f"{where} default", c["default_expression"], got[3])
            if c["codec"]:
                # The engine fills in a codec's defaults (Delta → Delta(8)): ask
                # it what the expected codec becomes on a column of this type.
                engine.run(f"CREATE TABLE IF NOT EXISTS probe_codec (x {c['type']} {c['codec']}) ENGINE = MergeTree ORDER BY tuple()")
                want = engine.rows("SELECT compression_codec FROM system.columns WHERE table = 'probe_codec' "
                                   "AND database = currentDatabase()")[0][0]
                engine.run("DROP TABLE probe_codec")
                if want != got[4]:
                    problems.append(f"{where} codec: expected {want}, the engine has {got[4]}")
            elif got[4]:
                problems.append(f"{where} codec: none expected, the engine has {got[4]}")
            if got[5] != c["comment"]:
                problems.append(f"{where} comment: expected {c['comment']!r}, the engine has {got[5]!r}")

        indexes = {r[0]: r for r in engine.rows(
            "SELECT name, type_full, expr, granularity FROM system.data_skipping_indices "
            f"WHERE database = {engine.literal(db)} AND table = {engine.literal(name)}")}
        if sorted(indexes) != sorted(i["name"] for i in t["indexes"]):
            problems.append(f"table {name} skip indexes: expected {sorted(i['name'] for i in t['indexes'])}, the engine has {sorted(indexes)}")
        for i in t["indexes"]:
            got = indexes.get(i["name"])
            if not got:
                continue
            if got[1].replace(" ", "") != i["type"].replace(" ", ""):
                problems.append(f"index {name}.{i['name']} type: expected {i['type']}, the engine has {got[1]}")
            same_expression(f"index {name}.{i['name']} expression", i["expression"], got[2])
            if int(got[3]) != i["granularity"]:
                problems.append(f"index {name}.{i['name']} granularity: expected {i['granularity']}, the engine has {got[3]}")

    for v in expected["views"]:
        row = tables.get(v["name"])
        if row is None or row[1] != "MaterializedView":
            problems.append(f"materialized view {v['name']}: missing")
        elif f" TO {db}.{v['to']}" not in row[6] and f" TO `{db}`.`{v['to']}`" not in row[6]:
            problems.append(f"materialized view {v['name']}: does not write to {v['to']}")

    dictionaries = {r[0] for r in engine.rows(f"SELECT name FROM system.dictionaries WHERE database = {engine.literal(db)}")}
    for d in expected["dictionaries"]:
        if d not in dictionaries:
            problems.append(f"dictionary {d}: missing")

    # Rows through the views: every table a view reads gets random rows.
    delivered = 0
    sources = sorted({name for name, row in tables.items() if row[7]})
    if not problems:
        for source in sources:
            columns = engine.rows(
                f"SELECT name, type FROM system.columns WHERE database = {engine.literal(db)} AND table = {engine.literal(source)} "
                "AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position")
            quoted = ["`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`" for name, _ in columns]
            structure = ", ".join(f"{q} {t}" for q, (_, t) in zip(quoted, columns))
            engine.run(f"INSERT INTO {db}.`{source}` ({', '.join(quoted)}) "
                       f"SELECT * FROM generateRandom({engine.literal(structure)}, 7, 16, 4) LIMIT 200 "
                       "SETTINGS max_partitions_per_insert_block = 0")
        for v in expected["views"]:
            query = v["select"]
            should = engine.rows(f"SELECT count() FROM ({query})")[0][0]
            got = engine.rows(f"SELECT count() FROM {db}.`{v['to']}`")[0][0]
            if int(should) > 0 and int(got) == 0:
                problems.append(f"materialized view {v['name']}: {should} rows expected in {v['to']}, none arrived")
            elif int(should) > 0:
                delivered += 1

    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"ok: {len(expected['tables'])} tables, {len(expected['views'])} materialized views ({delivered} delivered rows), "
          f"{len(expected['dictionaries'])} dictionaries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
