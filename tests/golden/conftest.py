"""The rule files here are inputs of tests/test_golden.py, not scenario files: keep the
scenario plugin (redress.frontends.pytest_plugin collects every ``*.rules``) from collecting them,
since most are broken on purpose."""

collect_ignore_glob = ["*.rules"]
