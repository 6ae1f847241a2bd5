"""Registry of emulator knobs (behaviour options) and the per-org option values.

Every module registers its knobs once with `register_option`; an `Options` instance holds the
current values of one org, validated against the registry. COVERAGE.md lists all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from emulator import errors


@dataclass(frozen=True)
class OptionSpec:
    name: str
    default: Any
    doc: str
    choices: tuple[Any, ...] | None = None


_REGISTRY: dict[str, OptionSpec] = {}


def register_option(
    name: str, default: Any, doc: str, choices: Sequence[Any] | None = None
) -> OptionSpec:
    """Register (idempotently) a knob with its default value, documentation and allowed values."""
    spec = OptionSpec(name, default, doc, tuple(choices) if choices is not None else None)
    existing = _REGISTRY.get(name)
    if existing is not None and existing != spec:
        raise ValueError(f"option {name!r} registered twice with different definitions")
    _REGISTRY[name] = spec
    return spec


def registered_options() -> list[OptionSpec]:
    return sorted(_REGISTRY.values(), key=lambda spec: spec.name)


def _coerce(spec: OptionSpec, value: Any) -> Any:
    default = spec.default
    if isinstance(default, bool):
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        if isinstance(value, bool):
            return value
        raise ValueError(f"option {spec.name} expects a boolean")
    if isinstance(default, int):
        if isinstance(value, bool):
            raise ValueError(f"option {spec.name} expects an integer")
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ValueError(f"option {spec.name} expects a string")
        return value
    return value


class Options:
    """Current option values of one org; unknown names and invalid values raise ValueError."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {}
        self._initial = dict(overrides or {})
        for name, value in self._initial.items():
            self.set(name, value)

    def _spec(self, name: str) -> OptionSpec:
        spec = _REGISTRY.get(name)
        if spec is None:
            raise ValueError(f"unknown emulator option {name!r}")
        return spec

    def get(self, name: str) -> Any:
        spec = self._spec(name)
        return self._values.get(name, spec.default)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def set(self, name: str, value: Any) -> Any:
        spec = self._spec(name)
        try:
            coerced = _coerce(spec, value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"invalid value {value!r} for option {name}: {exc}") from None
        if spec.choices is not None and coerced not in spec.choices:
            raise ValueError(f"option {name} must be one of {list(spec.choices)}")
        self._values[name] = coerced
        return coerced

    def update(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            self.set(name, value)

    def reset(self) -> None:
        """Back to registry defaults plus the overrides given at construction."""
        self._values.clear()
        for name, value in self._initial.items():
            self.set(name, value)

    def as_dict(self) -> dict[str, Any]:
        return {
            spec.name: self._values.get(spec.name, spec.default) for spec in registered_options()
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())


def set_option_or_400(options: Options, name: str, value: Any) -> Any:
    try:
        return options.set(name, value)
    except ValueError as exc:
        raise errors.INVALID_OPTION.error(detail=exc) from None
