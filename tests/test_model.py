"""The engine's model of a case as the Prover checks proofs against it."""

from __future__ import annotations

from redress.queries.model import Model, subsumes


def test_subsumes() -> None:
    assert subsumes(("c", None), ("c", "x"))
    assert subsumes(("c", None), ("c", None))
    assert subsumes(("c", "x"), ("c", "x"))
    assert not subsumes(("c", "x"), ("c", None))  # the engine's answers for x say nothing of y
    assert not subsumes(("c", "x"), ("c", "y"))
    assert not subsumes(("d", None), ("c", None))


def test_engine_rows_come_from_the_first_covering_pattern() -> None:
    model = Model({}, explored={"r": [(("c", "x"), frozenset({("c", "x")})),
                                      (("c", None), frozenset({("c", "x"), ("c", "y")}))]})
    assert model.engine_rows("r", ("c", "x")) == {("c", "x")}
    assert model.engine_rows("r", ("c", "y")) == {("c", "y")}
    assert model.engine_rows("r", ("c", None)) == {("c", "x"), ("c", "y")}
    assert model.engine_rows("r", (None, None)) is None
    assert model.engine_rows("s", ("c",)) is None


def test_a_complete_extent_answers_every_pattern() -> None:
    model = Model({"i": [("c", 1)]}, complete={"r": {("a",), ("b",)}})
    assert model.engine_rows("r", (None,)) == {("a",), ("b",)}
    assert model.engine_rows("r", ("b",)) == {("b",)}
    assert model.input_rows("i") == [("c", 1)] and model.input_rows("j") == ()
