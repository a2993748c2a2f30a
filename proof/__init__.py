"""Proofs of answers: their data (``nodes``), their search and cross-check (``prover``), their English (``wording``)."""
