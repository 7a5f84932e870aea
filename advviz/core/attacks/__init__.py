"""Attacks, one per file (torchattacks layout), grouped by norm.

Every attack takes keyword-only arguments, ε in pixel units on [0, 1] inputs, and runs either as
``attack(model, x, y) -> x̃`` or as ``attack.steps(model, x, y)`` (a generator of small steps).
"""

from __future__ import annotations

from advviz.core.attacks.base import Attack, AttackStep
from advviz.core.attacks.directional import DirectionalAttack

# L∞
from advviz.core.attacks.fgsm import FGSM
from advviz.core.attacks.random_sign import RandomSign
from advviz.core.attacks.bim import BIM
from advviz.core.attacks.pgd import PGD

# L2
from advviz.core.attacks.fgm_l2 import FGML2

ATTACKS: dict[str, type[Attack]] = {cls.name: cls for cls in (FGSM, RandomSign, BIM, PGD, FGML2)}

ATTACK_TITLES = {
    "fgsm": "FGSM (L∞)",
    "random-sign": "random-sign baseline (L∞)",
    "bim": "I-FGSM / BIM (L∞)",
    "pgd": "PGD, random start (L∞)",
    "fgm-l2": "fast gradient (L2)",
}


def make_attack(name: str, **kwargs: object) -> Attack:
    """Build an attack by name (``fgsm``, ``random-sign``, ``bim``, ``pgd``, ``fgm-l2``)."""
    try:
        cls = ATTACKS[name]
    except KeyError:
        raise ValueError(f"unknown attack {name!r}; choose one of: {', '.join(ATTACKS)}") from None
    return cls(**kwargs)  # type: ignore[arg-type]


__all__ = ["ATTACKS", "ATTACK_TITLES", "Attack", "AttackStep", "BIM", "DirectionalAttack", "FGML2", "FGSM", "PGD",
           "RandomSign", "make_attack"]
