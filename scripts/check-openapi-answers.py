#!/usr/bin/env python3
"""Each answer the server gave, held against the schema Docs/openapi.yaml documents for it (OpenAPI 3.1's JSON Schema,
by openapi-schema-validator, which openapi-spec-validator brings; a test-time oracle, never a dependency).

Usage: scripts/check-openapi-answers.py OPENAPI.yaml ANSWERS.json
  ANSWERS.json: [{"method": "get", "path": "/api/v1/runs/{id}", "status": "200", "type": "application/json", "body": {...}}, ...]
Prints one line per answer that does not match (where, and why) and exits 1; else how many matched.
"""
import json
import sys

import yaml
from openapi_schema_validator import OAS31Validator

document = yaml.safe_load(open(sys.argv[1]))
answers = json.load(open(sys.argv[2]))
failures = 0
for answer in answers:
    operation = document["paths"][answer["path"]][answer["method"]]
    response = operation["responses"][answer["status"]]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].split("/")[-1]]
    content = response.get("content", {})
    if answer["type"] not in content:
        print(f'{answer["method"].upper()} {answer["path"]} {answer["status"]}: {answer["type"]} is not documented ({list(content)})')
        failures += 1
        continue
    schema = dict(content[answer["type"]]["schema"])
    schema["components"] = document["components"]  # so that #/components/... resolves from the schema itself
    validator = OAS31Validator(schema)
    errors = sorted(validator.iter_errors(answer["body"]), key=lambda e: list(e.absolute_path))
    for error in errors[:3]:
        where = "/".join(str(p) for p in error.absolute_path)
        print(f'{answer["method"].upper()} {answer["path"]} {answer["status"]}: at /{where}: {error.message[:200]}')
    failures += bool(errors)
if failures:
    sys.exit(1)
print(f"{len(answers)} answers match their documented schemas")
