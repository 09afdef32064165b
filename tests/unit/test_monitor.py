"""The server's load meter: sessions seen, strokes a second, CPU share and memory, on clocks the test turns."""

from __future__ import annotations

import pytest

from mnist_core.monitor import BUSY_CPU_SHARE, LoadMeter, memory_bytes


class Clocks:
    """A wall clock and a CPU clock that move only when told."""

    def __init__(self) -> None:
        self.wall = 1000.0
        self.cpu = 5.0

    def advance(self, seconds: float, *, cpu_share: float = 0.0) -> None:
        self.wall += seconds
        self.cpu += seconds * cpu_share


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def meter(clocks: Clocks) -> LoadMeter:
    return LoadMeter(clock=lambda: clocks.wall, cpu_clock=lambda: clocks.cpu)


def test_sessions_count_while_they_were_seen_in_the_last_two_minutes(meter: LoadMeter, clocks: Clocks) -> None:
    meter.session_seen("a")
    meter.session_seen("b")
    meter.session_seen("a")
    assert meter.sample().sessions == 2
    clocks.advance(90)
    meter.session_seen("c")
    clocks.advance(40)  # a and b were last seen 130 s ago
    assert meter.sample().sessions == 1


def test_strokes_a_second_are_counted_over_the_last_ten_seconds(meter: LoadMeter, clocks: Clocks) -> None:
    for _ in range(25):
        meter.stroke()
        clocks.advance(0.2)  # five strokes a second for five seconds
    assert meter.sample().strokes_per_second == 2.5  # 25 strokes in a 10-second window
    clocks.advance(11)
    assert meter.sample().strokes_per_second == 0


def test_the_cpu_share_and_busy_follow_the_process_cpu_time(meter: LoadMeter, clocks: Clocks) -> None:
    clocks.advance(4, cpu_share=0.25)
    assert meter.cpu_share() == pytest.approx(0.25)
    assert not meter.busy()
    clocks.advance(1, cpu_share=1.0)  # under the two-second window: the last figure stands
    assert meter.cpu_share() == pytest.approx(0.25)
    clocks.advance(2, cpu_share=0.95)
    assert meter.cpu_share() == pytest.approx((1.0 + 2 * 0.95) / 3)
    assert meter.busy() and meter.cpu_share() >= BUSY_CPU_SHARE


def test_memory_is_this_process_resident_set() -> None:
    ballast = bytearray(64 * 2**20)  # 64 MB more, touched
    ballast[::4096] = b"x" * len(ballast[::4096])
    assert memory_bytes() > 64 * 2**20
    del ballast
