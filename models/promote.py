"""`tolk models promote NAME@vN`: make a version the default, only when it measures at least as well.

The candidate is compared with the current default on every evaluation set both were measured on
(`tolk models evaluate`): a higher WER or CER, or a lower BLEU or chrF, on any shared set refuses the
promotion; so does having no shared set at all (nothing to compare). `force=True` promotes anyway and
the audit log records that it was forced and why it would have been refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tolk.common.errors import FailedPrecondition, InvalidArgument
from tolk.models.evaluate import HIGHER_IS_BETTER, LOWER_IS_BETTER
from tolk.models.store import ModelStore, StoredModel

SPEC_RE = re.compile(r"^(?P<name>[^@]+)@v?(?P<version>\d+)$")


def parse_spec(spec: str) -> tuple[str, int]:
    """'NAME@vN' (or NAME@N) -> (NAME, N)."""
    match = SPEC_RE.match(spec)
    if not match:
        raise InvalidArgument(f"expected NAME@vN (e.g. opus-mt-en-es@v2), got {spec!r}")
    return match["name"], int(match["version"])


@dataclass(frozen=True)
class Comparison:
    """Why a candidate may or may not replace the default.

    Attributes:
        shared: evaluation sets both versions were measured on.
        worse: human-readable regressions, e.g. "librivox wer 0.12 > 0.08".
    """

    shared: tuple[str, ...]
    worse: tuple[str, ...]

    @property
    def acceptable(self) -> bool:
        return bool(self.shared) and not self.worse


def compare(candidate: StoredModel, default: StoredModel) -> Comparison:
    new, old = candidate.manifest.metrics, default.manifest.metrics
    shared = tuple(sorted(set(new) & set(old)))
    worse = []
    for dataset in shared:
        for metric in LOWER_IS_BETTER + HIGHER_IS_BETTER:
            if metric not in new[dataset] or metric not in old[dataset]:
                continue
            a, b = new[dataset][metric], old[dataset][metric]
            if (metric in LOWER_IS_BETTER and a > b) or (metric in HIGHER_IS_BETTER and a < b):
                sign = ">" if metric in LOWER_IS_BETTER else "<"
                worse.append(f"{dataset} {metric} {a:g} {sign} {b:g}")
    return Comparison(shared, tuple(worse))


def promote(store: ModelStore, spec: str, force: bool = False) -> StoredModel:
    """Activates NAME@vN after the comparison above; raises FailedPrecondition naming the regression."""
    name, version = parse_spec(spec)
    candidate = store.get(name, version)
    current = store.current_version(name)
    if current == version:
        raise FailedPrecondition(f"{name}@v{version} is already the default")
    default = store.get(name, current) if current is not None else None
    verdict = compare(candidate, default) if default is not None else Comparison(("none",), ())
    if not verdict.acceptable and not force:
        if not verdict.shared:
            raise FailedPrecondition(
                f"{name}@v{version} and the default v{current} share no evaluation; run "
                f"`tolk models evaluate {name}@v{version}` and `tolk models evaluate {name}@v{current}` "
                "on the same data first (or --force)"
            )
        raise FailedPrecondition(
            f"{name}@v{version} is worse than the default v{current}: {'; '.join(verdict.worse)} "
            "(--force to promote anyway)"
        )
    details = {"forced": force and not verdict.acceptable, "regressions": list(verdict.worse)}
    store.verify(candidate)
    return store.activate(name, version, details)
