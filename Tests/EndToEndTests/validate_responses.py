"""Checks recorded HTTP responses against the OpenAPI document the server serves.

    python3 validate_responses.py openapi.json responses.jsonl

Each line of responses.jsonl is one response:
    {"label", "method", "template", "status", "content_type", "body" (text, or null when binary)}
For each: the operation (method + path template) must be documented, its status must be
one of the operation's responses, a body must use a documented media type, a JSON body
must validate against that media type's schema (OpenAPI 3.0 dialect), and a HEAD answer
must have no body. Prints every mismatch; exits 1 if there was one.
"""
import json
import sys

from openapi_schema_validator import OAS30Validator


def resolve(document, node):
    hops = 0
    while isinstance(node, dict) and "$ref" in node and hops < 16:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        hops += 1
    return node


def essence(content_type):
    return (content_type or "").split(";")[0].strip().lower()


def check(document, record):
    label = f'{record["label"]}: {record["method"]} {record["template"]} -> {record["status"]}'
    item = document["paths"].get(record["template"])
    if item is None:
        return [f"{label}: path not documented"]
    operation = item.get(record["method"].lower())
    if operation is None and record["status"] == 405:
        # A method the path does not serve: its 405 is documented on the methods it does.
        operation = next((op for method, op in item.items()
                          if isinstance(op, dict) and "405" in op.get("responses", {})), None)
    if operation is None:
        return [f"{label}: method not documented"]
    responses = operation["responses"]
    response = responses.get(str(record["status"])) or responses.get("default")
    if response is None:
        return [f"{label}: status not documented (documented: {', '.join(sorted(responses))})"]
    response = resolve(document, response)
    body = record["body"]
    if record["method"] == "HEAD":
        return [f"{label}: HEAD answered with a body"] if body else []
    content = response.get("content")
    if not content:
        return [f"{label}: a body where the document has none"] if body else []
    media = essence(record["content_type"])
    if media not in content:
        return [f"{label}: Content-Type {media!r} not documented ({', '.join(sorted(content))})"]
    schema = content[media].get("schema")
    if media != "application/json" or schema is None:
        return []
    try:
        instance = json.loads(body)
    except (TypeError, ValueError) as error:
        return [f"{label}: body is not JSON ({error}): {str(body)[:200]}"]
    validator = OAS30Validator(dict(resolve(document, schema), components=document["components"]))
    return [f"{label}: {error.message} at /{'/'.join(map(str, error.absolute_path))}"
            for error in validator.iter_errors(instance)][:5]


def main():
    document = json.load(open(sys.argv[1]))
    failures = []
    count = 0
    for line in open(sys.argv[2]):
        if line.strip():
            count += 1
            failures += check(document, json.loads(line))
    for failure in failures:
        print("MISMATCH", failure)
    print(f"{count} responses checked, {len(failures)} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
