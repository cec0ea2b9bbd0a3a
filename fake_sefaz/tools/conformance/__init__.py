"""The conformance suite: scenario files run against any endpoint."""
