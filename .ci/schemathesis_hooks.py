"""schemathesis hooks for .ci/schemathesis: evidence and registry imports take JSON Lines
or CSV as text, sent as generated, the way text/plain is."""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
schemathesis.serializer.alias("text/csv", "text/plain")
