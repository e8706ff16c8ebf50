"""Learning-rate schedules at points worked out by hand."""

import math
from itertools import pairwise

import pytest

from engine import schedules as sch


def test_step_decay_staircase() -> None:
    # StepLR(step_size=30, gamma=0.1) from 0.1
    assert sch.step_decay(0.1, 0, 30) == pytest.approx(0.1)
    assert sch.step_decay(0.1, 29, 30) == pytest.approx(0.1)
    assert sch.step_decay(0.1, 30, 30) == pytest.approx(0.01)
    assert sch.step_decay(0.1, 65, 30) == pytest.approx(0.001)
    assert sch.step_decay(0.8, 7, 2, gamma=0.5) == pytest.approx(0.1)  # 0.8·0.5³
    assert sch.decays_so_far(17, 5) == 3
    with pytest.raises(ValueError):
        sch.decays_so_far(3, 0)


def test_exponential_decay() -> None:
    assert sch.exponential_decay(0.1, 3, 0.9) == pytest.approx(0.0729)
    assert sch.exponential_decay(0.1, 0, 0.9) == pytest.approx(0.1)


def test_cosine_annealing_known_points() -> None:
    assert sch.cosine_annealing(0.1, 0, 100) == pytest.approx(0.1)
    assert sch.cosine_annealing(0.1, 50, 100) == pytest.approx(0.05)
    assert sch.cosine_annealing(0.1, 100, 100) == pytest.approx(0.0, abs=1e-15)
    # t/T = 1/4: (1 + √2/2)/2
    assert sch.cosine_annealing(0.1, 25, 100) == pytest.approx(0.05 * (1 + math.sqrt(2) / 2))
    # with η_min = 0.01 halfway: 0.01 + 0.09/2
    assert sch.cosine_annealing(0.1, 50, 100, min_lr=0.01) == pytest.approx(0.055)
    assert sch.cosine_factor(1, 3) == pytest.approx(0.75)  # (1 + cos 60°)/2
    values = [sch.cosine_annealing(1.0, t, 20) for t in range(21)]
    assert all(a > b for a, b in pairwise(values))


def test_warmup_then_cosine() -> None:
    # W = 10, T = 110: climbs 0 → 1 over ten steps, then a 100-step cosine to 0
    assert sch.warmup_cosine(1.0, 0, 10, 110) == 0.0
    assert sch.warmup_cosine(1.0, 5, 10, 110) == pytest.approx(0.5)
    assert sch.warmup_cosine(1.0, 10, 10, 110) == pytest.approx(1.0)
    assert sch.warmup_cosine(1.0, 60, 10, 110) == pytest.approx(0.5)
    assert sch.warmup_cosine(1.0, 110, 10, 110) == pytest.approx(0.0, abs=1e-15)
    assert sch.warmup_cosine(1.0, 500, 10, 110, min_lr=0.1) == pytest.approx(0.1)
    assert sch.warmup_cosine(2.0, 35, 10, 110, min_lr=0.0) == pytest.approx(
        1.0 + math.cos(math.pi / 4)
    )
    with pytest.raises(ValueError):
        sch.warmup_cosine(1.0, 20, 10, 10)


def test_warmup_constant() -> None:
    assert sch.warmup_constant(0.3, 2, 4) == pytest.approx(0.15)
    assert sch.warmup_constant(0.3, 40, 4) == pytest.approx(0.3)
    assert sch.warmup_factor(5, 0) == 1.0


def test_transformer_inverse_sqrt() -> None:
    # the peak at t = W: d^−½·W^−½; before it linear, after it 1/√t
    assert sch.inverse_sqrt(512, 4000, 4000) == pytest.approx(1 / math.sqrt(512 * 4000))
    assert sch.inverse_sqrt(512, 2000, 4000) == pytest.approx(sch.inverse_sqrt(512, 4000, 4000) / 2)
    assert sch.inverse_sqrt(512, 16000, 4000) == pytest.approx(
        sch.inverse_sqrt(512, 4000, 4000) / 2
    )
    with pytest.raises(ValueError):
        sch.inverse_sqrt(512, 0, 4000)


def test_inverse_time() -> None:
    assert sch.inverse_time(0.1, 0, 0.5) == pytest.approx(0.1)
    assert sch.inverse_time(0.1, 2, 0.5) == pytest.approx(0.05)
