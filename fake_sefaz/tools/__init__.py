"""Developer tools: bench, conformance runner, README generator, the answerable-codes index."""
