#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Validate JSON documents against the OCI image-spec and runtime-spec JSON
schemas.

usage: oci-validate.py SCHEMA FILE...

SCHEMA is one of manifest, index, config, layout (oci-layout) or descriptor
(image-spec), or runtime (the runtime-spec's config.json).
FILE may be "-" for stdin.  The schemas (draft-04) are read from
../shared/spec-data/oci-image (oci-runtime for runtime) relative to the
repository root, or from $BERTH_SPEC_DATA/oci-image (oci-runtime).  They refer to each other by file name relative
to their ids, so every file is registered under both
https://opencontainers.org/schema/image/<file> and
https://opencontainers.org/schema/<file>; any other reference is resolved by
file name among the local schemas and never fetched.

Exits 0 if every file validates, 1 (printing every error) if one does not
or cannot be read, 64 on a usage error.
"""

import json
import os
import sys
import urllib.parse

SCHEMAS = {
    "manifest": "image-manifest-schema.json",
    "index": "image-index-schema.json",
    "config": "config-schema.json",
    "layout": "image-layout-schema.json",
    "descriptor": "content-descriptor.json",
    "runtime": "config-schema.json",
}
# The directory under spec-data of each schema; oci-image if not listed.
SCHEMA_DIRS = {
    "runtime": "oci-runtime",
}
PREFIXES = (
    "https://opencontainers.org/schema/image/",
    "https://opencontainers.org/schema/",
)
EX_USAGE = 64


def schema_dir(kind):
    base = os.environ.get("BERTH_SPEC_DATA")
    if not base:
        top = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        base = os.path.join(top, "..", "shared", "spec-data")
    return os.path.normpath(os.path.join(base,
                                         SCHEMA_DIRS.get(kind, "oci-image")))


def no_duplicates(pairs):
    """Refuse duplicate keys, as berth's own parser does."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("duplicate key %r" % key)
        seen[key] = value
    return seen


def load_json(path):
    if path == "-":
        return json.load(sys.stdin, object_pairs_hook=no_duplicates)
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=no_duplicates)


def load_schemas(directory):
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                schemas[name] = json.load(f)
    return schemas


def by_file_name(schemas, uri):
    name = os.path.basename(urllib.parse.urlsplit(uri).path)
    if name not in schemas:
        raise LookupError("unknown schema reference %s" % uri)
    return schemas[name]


def make_validator(schemas, name):
    """A Draft4Validator for schemas[name] that never touches the network."""
    from jsonschema import Draft4Validator

    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
    except ImportError:
        Registry = None

    if Registry is not None:
        def retrieve(uri):
            return Resource.from_contents(by_file_name(schemas, uri),
                                          default_specification=DRAFT4)

        resources = []
        for fname, contents in schemas.items():
            res = Resource.from_contents(contents,
                                         default_specification=DRAFT4)
            resources += [(p + fname, res) for p in PREFIXES]
        registry = Registry(retrieve=retrieve).with_resources(resources)
        return Draft4Validator(schemas[name], registry=registry)

    # jsonschema before 4.18 (Debian's python3-jsonschema): RefResolver.
    from jsonschema import RefResolver

    store = {}
    for fname, contents in schemas.items():
        for p in PREFIXES:
            store[p + fname] = contents
    handlers = {s: (lambda uri: by_file_name(schemas, uri))
                for s in ("http", "https", "file")}
    resolver = RefResolver(PREFIXES[0] + name, schemas[name], store=store,
                           handlers=handlers)
    return Draft4Validator(schemas[name], resolver=resolver)


def where(error):
    return "/" + "/".join(str(p) for p in error.absolute_path)


def main(argv):
    if len(argv) < 3 or argv[1] not in SCHEMAS:
        sys.stderr.write("usage: oci-validate.py {%s} FILE...\n" %
                         ",".join(sorted(SCHEMAS)))
        return EX_USAGE
    kind = argv[1]
    directory = schema_dir(kind)
    try:
        schemas = load_schemas(directory)
    except OSError as e:
        sys.stderr.write("oci-validate: schemas in '%s': %s\n" %
                         (directory, e))
        return 1
    validator = make_validator(schemas, SCHEMAS[kind])
    failed = False
    for path in argv[2:]:
        try:
            doc = load_json(path)
        except (OSError, ValueError) as e:
            sys.stderr.write("%s: %s\n" % (path, e))
            failed = True
            continue
        errors = sorted(validator.iter_errors(doc),
                        key=lambda e: list(map(str, e.absolute_path)))
        for e in errors:
            sys.stderr.write("%s: not a valid %s: at %s: %s\n" %
                             (path, kind, where(e), e.message))
        if errors:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
