"""Run the rules over files and decide the outcome.

For each candidate file: read it, recognise it, resolve and build its base model (memoised), replay
PEFT's matching once, run every selected rule, turn findings into positioned Diagnostics, and sort
them. The engine never prints: it returns a `RunResult` for a reporter, and the exit code follows
from the diagnostics' levels.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linter.diagnostics import Diagnostic, Finding, Level
from linter.dialects import is_adapter_config_name, recognise
from linter.discover import Candidate, discover
from linter.document import detect_format, parse_text, read_document
from linter.fix import resolve
from linter.model_replay import replay_on_model
from linter.models.provider import ModelProvider
from linter.result_cache import ResultCache, diagnostic_from_json, result_key
from linter.rules import Context, Rule, all_rules
from linter.selection import RuleSelection, Suppressions, is_excluded, matches, per_file_ignored
from linter.settings import Settings, SettingsResolver


@dataclass
class FileResult:
    """One linted file: what it is, its model, what LoRA will target, and its diagnostics."""

    path: str
    dialect: str | None
    kind: str
    model: dict[str, Any] | None = None
    targeted_modules: list[str] | None = None
    targeted_parameters: list[str] | None = None
    peft_error: str | None = None
    adapter_size: dict[str, Any] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "dialect": self.dialect,
            "kind": self.kind,
            "model": self.model,
            "targeted_modules": self.targeted_modules,
            "targeted_parameters": self.targeted_parameters,
            "peft_error": self.peft_error,
            "adapter_size": self.adapter_size,
        }


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    candidates: int = 0

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = [d for f in self.files for d in f.diagnostics]
        return sorted(found, key=Diagnostic.sort_key)

    def count(self, level: Level) -> int:
        return sum(1 for d in self.diagnostics if d.level is level)

    def exit_code(self, strict: bool = False, exit_zero: bool = False) -> int:
        if exit_zero:
            return 0
        failing = {Level.ERROR, Level.WARNING} if strict else {Level.ERROR}
        return 1 if any(d.level in failing for d in self.diagnostics) else 0

    def statistics(self) -> list[tuple[int, str, str, Level]]:
        """(count, code, name, level) per rule, most frequent first."""
        counts: dict[str, list] = {}
        for d in self.diagnostics:
            entry = counts.setdefault(d.code, [0, d.code, d.name, d.level])
            entry[0] += 1
        return sorted((tuple(v) for v in counts.values()), key=lambda row: (-row[0], row[1]))


def display_path(path: Path, cwd: Path) -> str:
    """The path as the user should read it: relative to the working directory when inside it."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(cwd)
    if absolute == base or absolute.startswith(base + os.sep):
        return os.path.relpath(absolute, base)
    return str(path)


class Linter:
    def __init__(
        self,
        provider: ModelProvider,
        *,
        settings: SettingsResolver | None = None,
        cwd: Path | None = None,
        rules: list[type[Rule]] | None = None,
        force_exclude: bool = False,
        results: ResultCache | None = None,
    ):
        self.provider = provider
        self.settings = settings or SettingsResolver()
        self.cwd = cwd or Path.cwd()
        self.rules = [cls() for cls in (rules or all_rules().values())]
        self.force_exclude = force_exclude
        self.results = results

    def run(self, paths: list[Path], progress: Callable[[int, int, Path], None] | None = None) -> RunResult:
        """Lint every candidate under `paths`; `progress(done, total, path)` is called before each file."""
        result = RunResult()
        candidates = discover(paths, self._excluded)
        if progress is not None:
            candidates = list(candidates)
        for index, candidate in enumerate(candidates):
            if progress is not None:
                progress(index, len(candidates), candidate.path)
            result.candidates += 1
            file_result = self.lint(candidate)
            if file_result is not None:
                result.files.append(file_result)
        result.notes.extend(self.provider.notes)
        return result

    def _excluded(self, path: Path, explicit: bool) -> bool:
        if explicit and not self.force_exclude:
            return False  # a file named on the command line is linted, as in ruff
        settings = self.settings.for_directory(path) if path.is_dir() else self.settings.for_file(path)
        return is_excluded(path, settings)

    def lint(self, candidate: Candidate, text: str | None = None) -> FileResult | None:
        """Lint one file (or `text` as if it were that file's content: --fix lints its edits)."""
        path = candidate.path
        settings = self.settings.for_file(path)
        doc = read_document(path) if text is None else parse_text(text, path, detect_format(path, text))
        shown = display_path(path, self.cwd)
        if doc.error is not None:
            if not (candidate.explicit or is_adapter_config_name(path)):
                return None
            ctx = Context(doc, kind="parse-error")
            return FileResult(shown, None, "parse-error", diagnostics=self._apply(ctx, shown, settings))
        recognition = recognise(doc)
        if recognition.kind == "skip":
            return None
        ctx = Context(doc, recognition.spec, kind=recognition.kind)
        key = self._result_key(candidate, doc.text, recognition, settings) if self.results else None
        if key is not None:
            cached = self._cached_result(key, shown)
            if cached is not None:
                return cached
        file_result = FileResult(shown, recognition.dialect, recognition.kind)
        if recognition.kind == "lora" and recognition.spec.enabled:
            self._attach_model(ctx, path, file_result, settings)
        file_result.diagnostics = self._apply(ctx, shown, settings)
        if key is not None:
            payload = file_result.to_json()
            payload["diagnostics"] = [d.to_json() for d in file_result.diagnostics]
            self.results.write(key, payload)
        return file_result

    def _result_key(self, candidate: Candidate, text: str, recognition, settings: Settings) -> str:
        spec = recognition.spec
        model = None
        if recognition.kind == "lora" and spec.enabled:
            model = self.provider.identity(
                spec.model_ref,
                spec.revision,
                spec.task_type,
                Path(os.path.abspath(candidate.path)).parent,
                settings.models,
            )
        fingerprint = {
            "select": settings.select,
            "extend": settings.extend_select,
            "ignore": settings.ignore,
            "per_file": per_file_ignored(candidate.path, settings),
            "options": settings.rule_options,
            "rules": [rule.code for rule in self.rules],
        }
        return result_key(text, candidate.explicit, fingerprint, model)

    def _cached_result(self, key: str, shown: str) -> FileResult | None:
        payload = self.results.read(key)
        if not isinstance(payload, dict):
            return None
        try:
            diagnostics = [diagnostic_from_json(shown, d) for d in payload.pop("diagnostics")]
            payload.pop("path", None)
            return FileResult(path=shown, diagnostics=diagnostics, **payload)
        except (KeyError, TypeError, ValueError):
            return None

    def _attach_model(self, ctx: Context, path: Path, file_result: FileResult, settings: Settings) -> None:
        replay = replay_on_model(ctx.spec, self.provider, path, settings.models)
        if replay.problem is not None:
            ctx.model_problem = replay.problem
            file_result.model = {"ref": None, "unavailable": "no-model", "message": replay.problem}
            return
        outcome = replay.outcome
        file_result.model = outcome.describe()
        ctx.task_type_problem = outcome.task_type_problem
        if outcome.inventory is None:
            if outcome.reason != "models-extra-missing":
                ctx.model_problem = outcome.message
            return
        ctx.inventory = outcome.inventory
        ctx.spec = replay.spec
        ctx.analysis = replay.analysis
        file_result.targeted_modules = ctx.analysis.targeted_modules
        file_result.targeted_parameters = ctx.analysis.targeted_parameters
        if ctx.analysis.failures:
            file_result.peft_error = ctx.analysis.failures[0].message
            return
        ctx.size = replay.size
        if ctx.size is not None:
            file_result.adapter_size = {
                "trainable": ctx.size.trainable,
                "all_parameters": ctx.size.all_parameters,
                "base_parameters": ctx.size.base_parameters,
                "percent_of_base": round(ctx.size.percent_of_base, 6),
                "exact": ctx.size.exact,
            }

    def _apply(self, ctx: Context, shown: str, settings: Settings) -> list[Diagnostic]:
        selection = RuleSelection.from_settings(settings)
        ignored = per_file_ignored(ctx.document.path, settings)
        suppressions = Suppressions.parse(ctx.document.text) if ctx.document.format == "yaml" else Suppressions()
        ctx.option_values = {opt.name: opt.default for rule in self.rules for opt in rule.options}
        ctx.option_values.update(settings.rule_options)
        diagnostics = []
        for rule in self.rules:
            if ctx.kind not in rule.applies_to or not selection.enabled(type(rule)):
                continue
            if rule.requires_model and ctx.analysis is None:
                continue
            if ctx.spec is not None and not ctx.spec.enabled and not rule.applies_when_disabled:
                continue
            for finding in rule.check(ctx):
                diagnostic = self._diagnostic(rule, finding, ctx, shown)
                if not suppressions.covers(diagnostic) and not matches(ignored, diagnostic):
                    diagnostics.append(diagnostic)
        return sorted(diagnostics, key=Diagnostic.sort_key)

    @staticmethod
    def _diagnostic(rule: Rule, finding: Finding, ctx: Context, shown: str) -> Diagnostic:
        span = finding.span or ctx.document.span(finding.pointer, on_key=finding.on_key)
        return Diagnostic(
            path=shown,
            span=span,
            code=rule.code,
            name=rule.name,
            level=finding.level or rule.level,
            message=finding.message,
            hint=finding.hint,
            fix_suggestions=finding.fix_suggestions,
            fix=resolve(finding.fix, finding.pointer, ctx.document) if finding.fix is not None else None,
        )
