"""Run the OpenFisca peer (../shared/peers/openfisca-send) on inputs from an .npz file, for `redress bench`.

usage: peer_driver.py PEER_DIR INPUTS.npz OUTPUTS.npz RUNS
Run with the peer's own Python (openfisca-core is a benchmark-only dependency). Times, as the
peer's own bench_batch.py does, building the simulation from the input columns plus computing
the four outputs; input generation is not timed; the median of RUNS runs after one warm-up.
Prints one JSON line.
"""
import json
import statistics
import sys
import time

import numpy


def main() -> None:
    peer_dir, inputs_path, outputs_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sys.path.insert(0, peer_dir)
    import inputs as peer_inputs
    from send_appeals import build_system

    tbs = build_system()
    raw = numpy.load(inputs_path)
    data = {name: raw[name] for name in raw.files}
    # one untimed warm-up run, as redress gets: both then report the median of steady runs
    out = peer_inputs.compute_all(peer_inputs.build_simulation(tbs, data))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sim = peer_inputs.build_simulation(tbs, data)
        out = peer_inputs.compute_all(sim)
        times.append(time.perf_counter() - t0)
    assert out is not None
    numpy.savez(outputs_path, **{str(k): numpy.asarray(v) for k, v in out.items()})  # type: ignore[arg-type]
    print(json.dumps({"peer_seconds_4q": statistics.median(times), "runs": runs}))


if __name__ == "__main__":
    main()
