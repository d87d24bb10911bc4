"""The process that runs a phase's hidden suite: `python -m grader.checker`.

It imports pytest and the grader's plugin (and with it FastAPI) first, then reads its pytest
arguments, as one JSON line, from stdin. The grader can therefore start it before it has parsed
its own command line, and the slow imports overlap that work. Learner code run by the checks
finds stdin closed.

With `--own-network` it first moves to an empty network namespace of its own (see
`grader.netns`), before it imports or starts anything, so that every thread and child process of
the checks lives there; if it cannot, it ends at once with `netns.UNAVAILABLE_EXIT`.
"""

import sys

if "--own-network" in sys.argv[1:]:
    from grader import netns

    try:
        netns.enter()
    except OSError as error:
        print(f"grader: the checks cannot run in a network namespace: {error}", file=sys.stderr)
        raise SystemExit(netns.UNAVAILABLE_EXIT) from None

import gc

# Importing FastAPI and pytest makes many objects and no garbage: collecting during the imports
# is wasted work (about a tenth of them). The collector is back on before any check runs.
gc.disable()

import json  # noqa: E402

import pytest  # noqa: E402

import grader.pytest_plugin  # noqa: E402, F401  (imported now, while the grader is still busy)

gc.freeze()  # what the imports made lives as long as the process: never scan it again
gc.enable()


def main() -> int:
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the grader did not need this run after all
    return int(pytest.main(json.loads(line)))


if __name__ == "__main__":
    raise SystemExit(main())
