#!/usr/bin/env python3
"""Checks definitions (as JSON documents) against the language's JSON Schema:
every file in VALID_DIR must validate, every file in INVALID_DIR must not.

    schema_check.py SCHEMA VALID_DIR INVALID_DIR
"""
import json
import os
import sys

from jsonschema import Draft202012Validator


def main():
    schema = json.load(open(sys.argv[1]))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    problems = []
    counts = []
    for directory, should_pass in ((sys.argv[2], True), (sys.argv[3], False)):
        names = sorted(os.listdir(directory))
        counts.append(len(names))
        for name in names:
            with open(os.path.join(directory, name)) as f:
                document = json.load(f)
            label = document.pop("__source__", name) if isinstance(document, dict) else name
            errors = list(validator.iter_errors(document))
            if should_pass and errors:
                problems += [f"{label}: {e.json_path}: {e.message[:200]}" for e in errors[:3]]
            if not should_pass and not errors:
                problems.append(f"{label}: validates, but it is not a valid definitions file")
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {counts[0]} valid, {counts[1]} invalid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
