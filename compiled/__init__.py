"""The compiled batch backends: the IR as SQL (DuckDB, PostgreSQL) and as numpy, and the columnar batch I/O."""
