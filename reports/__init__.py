"""What an auditor reads: answers rendered, proofs exported, the citation graph, coverage, timelines, records."""
