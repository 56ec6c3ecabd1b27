"""schemathesis hooks for .ci/schemathesis.

Evidence and registry imports take JSON Lines or CSV as text, sent as generated, the way
text/plain is.

A maximum marked `x-maximum-caps` (the OGC items' `limit`) is one the server caps a larger
value at instead of refusing it, as OGC API - Features Part 1 requires
(/req/core/fc-limit-response-1). JSON Schema cannot say so, and schemathesis would read a
value above it as one the server must refuse. Its copy of the document drops such a
maximum, so larger values are sent as valid ones and must be answered 200; the served
document keeps it for the clients that take their page size from it.
"""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
schemathesis.serializer.alias("text/csv", "text/plain")


def _drop_capped_maximum(node):
    if isinstance(node, dict):
        if node.get("x-maximum-caps") is True:
            node.pop("maximum", None)
        for value in node.values():
            _drop_capped_maximum(value)
    elif isinstance(node, list):
        for value in node:
            _drop_capped_maximum(value)


@schemathesis.hook
def before_load_schema(ctx, raw_schema):
    _drop_capped_maximum(raw_schema)
