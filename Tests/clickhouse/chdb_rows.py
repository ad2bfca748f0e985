#!/usr/bin/env python3
"""Rows of generated ClickHouse tables, out of chdb as JSON and back in.

    chdb_rows.py dump PATH SCHEMA_SQL INSERTS_SQL TABLE...
        Runs the schema and the inserts in a chdb session kept at PATH and
        prints {"table": [row, ...]} with every column (MATERIALIZED and ALIAS
        too), 64-bit integers and decimals as JSON numbers, times in ISO 8601.
    chdb_rows.py load PATH TABLE ROWS_JSONL
        Inserts the rows into a copy of TABLE and prints how many rows differ
        from TABLE, both ways, as {"missing": n, "extra": m}.
"""
import json
import sys

from chdb import session

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from chdb_check import statements  # noqa: E402

OUT = ("output_format_json_quote_64bit_integers = 0, output_format_json_quote_decimals = 0, "
       "date_time_output_format = 'iso', output_format_json_named_tuples_as_objects = 1")


def rows(s, sql):
    text = s.query(sql, "JSONEachRow").bytes().decode()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def columns(s, table):
    db, name = table.split(".")
    return [r["name"] for r in rows(s, f"SELECT name FROM system.columns WHERE database = '{db}' AND table = '{name}' ORDER BY position")]


def main():
    mode, path = sys.argv[1], sys.argv[2]
    s = session.Session(path)
    if mode == "dump":
        schema, inserts, tables = sys.argv[3], sys.argv[4], sys.argv[5:]
        for statement in statements(open(schema).read()) + statements(open(inserts).read()):
            s.query(statement)
        out = {}
        for table in tables:
            listed = ", ".join(f"`{c}`" for c in columns(s, table))
            out[table] = rows(s, f"SELECT {listed} FROM {table} ORDER BY tuple(*) SETTINGS {OUT}")
        print(json.dumps(out))
    else:
        table, data = sys.argv[3], open(sys.argv[4]).read()
        back = table + "_back"
        s.query(f"DROP TABLE IF EXISTS {back}")
        s.query(f"CREATE TABLE {back} AS {table}")
        s.query(f"INSERT INTO {back} SETTINGS input_format_skip_unknown_fields = 0, date_time_input_format = 'best_effort' "
                f"FORMAT JSONEachRow {data}")
        listed = ", ".join(f"`{c}`" for c in columns(s, table))
        missing = rows(s, f"SELECT count() AS n FROM (SELECT {listed} FROM {table} EXCEPT SELECT {listed} FROM {back})")[0]["n"]
        extra = rows(s, f"SELECT count() AS n FROM (SELECT {listed} FROM {back} EXCEPT SELECT {listed} FROM {table})")[0]["n"]
        print(json.dumps({"missing": int(missing), "extra": int(extra)}))


if __name__ == "__main__":
    main()
