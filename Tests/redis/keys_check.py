#!/usr/bin/env python3
"""Checks generated Redis key specifications with an independent reader:
each keys.json must be valid under the JSON Schema beside it, and every
regex must compile (Python's re) and match what its SCAN glob matches for a
sample key.

    keys_check.py KEYS_JSON...
"""
import fnmatch
import json
import os
import re
import sys

from jsonschema import Draft202012Validator


def sample(pattern, params, hash_tag):
    values = {"uuid": "5b0c8f6e-3a7d-4c1e-9a4b-2f6d8e9c1a01", "int": "42", "date": "2026-11-23", "bool": "true"}
    out = ""
    for part in re.split(r"(\{[^}]*\})", pattern):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            value = values.get(params.get(name, "string"), "v-" + name)
            out += "{" + value + "}" if name == hash_tag else value
        else:
            out += part
    return out


def main():
    problems = []
    for path in sys.argv[1:]:
        document = json.load(open(path))
        schema = json.load(open(os.path.join(os.path.dirname(path), "keys.schema.json")))
        for error in Draft202012Validator(schema).iter_errors(document):
            problems.append(f"{path}: {error.json_path}: {error.message}")
        for key in document.get("keys", []):
            key_text = sample(key["pattern"], key["params"], key["hash_tag"])
            try:
                if not re.fullmatch(key["regex"], key_text):
                    problems.append(f"{path}: {key['name']}: regex {key['regex']} does not match {key_text}")
            except re.error as e:
                problems.append(f"{path}: {key['name']}: regex {key['regex']}: {e}")
            # fnmatch's glob differs from Redis's only in escapes, which these samples do not need.
            glob = key["scan_glob"].replace("\\", "")
            if "\\" not in key["scan_glob"] and not fnmatch.fnmatchcase(key_text, glob):
                problems.append(f"{path}: {key['name']}: glob {key['scan_glob']} does not match {key_text}")
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {len(sys.argv) - 1} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
