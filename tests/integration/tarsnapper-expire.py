#!/usr/bin/env python3
"""tests/integration/tarsnapper-expire.py: which archives tarsnapper would keep.

    tarsnapper-expire.py NOW_EPOCH DELTA_S... < epochs (one per line)

prints the kept epochs, one per line.  It follows the rule of tarsnapper's
expire() (miracle2k/tarsnapper, tarsnapper/expire.py), restated here so that
test 64 can check that restoredrill's retention audit finds no gap in a history
tarsnapper itself would leave: the newest archive is always kept; for each
generation, from the coarsest, a pointer starts at newest - the next larger
delta and walks towards the newest, each step keeping the archive closest to
the pointer and jumping to that archive's time + this generation's delta (or
by one delta when the same archive comes up twice).
"""
import sys


def expire(times, deltas):
    times = sorted(times, reverse=True)
    deltas = sorted(deltas)
    newest = times[0]
    keep = {newest}
    last = deltas.pop()
    while deltas:
        cur = deltas.pop()
        ptr = newest - last
        prev = None
        while ptr < newest:
            best = min(times, key=lambda t: abs(t - ptr))
            if best == prev:
                ptr += cur
            else:
                prev = best
                keep.add(best)
                ptr = best + cur
        last = cur
    return sorted(keep)


def main():
    deltas = [int(a) for a in sys.argv[2:]]
    times = [int(line) for line in sys.stdin if line.strip()]
    for t in expire(times, deltas):
        print(t)


if __name__ == "__main__":
    main()
