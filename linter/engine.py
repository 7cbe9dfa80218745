"""Run the rules over files and decide the outcome.

For each candidate file: read it, recognise it, resolve and build its base model (memoised), replay
PEFT's matching once, run every selected rule, turn findings into positioned Diagnostics, and sort
them. The engine never prints: it returns a `RunResult` for a reporter, and the exit code follows
from the diagnostics' levels.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linter import limits
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


#: Characters a finding's text never carries raw: C0 / C1 controls (a terminal escape, a carriage
#: return or a newline that starts a fake `::error::` line in a CI log), Unicode line separators,
#: bidirectional overrides ("Trojan Source"), and lone surrogates (which no output encoding takes).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every character a terminal or CI log could act on written as an escape (`\\x1b`)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


#: LoraConfig options PEFT matches as regular expressions (a string target_modules is one regex)
_REGEX_OPTIONS = ("target_modules", "exclude_modules", "layers_pattern", "rank_pattern", "alpha_pattern")
#: options whose entries are each matched against every module
_LIST_OPTIONS = ("target_modules", "exclude_modules", "modules_to_save", "target_parameters", "layers_to_transform")


class CheckTimeout(BaseException):
    """The checks of one file ran out of time (a BaseException, so no `except Exception` swallows it)."""


class _CheckBudget:
    """`limits.MAX_CHECK_SECONDS` for the checks of one file, spent across several `running()` blocks.

    Enforced with SIGALRM (CPython's regex engine checks for signals while it backtracks), so only on
    POSIX and in the main thread; elsewhere the checks simply run to the end.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.left = seconds
        self.expired = False

    @contextmanager
    def running(self, fresh: bool = False) -> Iterator[None]:
        if fresh:
            self.left = self.seconds
        usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if not usable or self.left <= 0:
            yield
            return

        def expire(signum: int, frame: object) -> None:
            self.expired = True
            raise CheckTimeout

        previous = signal.signal(signal.SIGALRM, expire)
        outer, _ = signal.setitimer(signal.ITIMER_REAL, self.left)
        started = time.monotonic()
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            spent = time.monotonic() - started
            self.left -= spent
            if outer:  # someone else's timer was running: give it back what is left of it
                signal.setitimer(signal.ITIMER_REAL, max(outer - spent, 0.001))


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

        def unlistable(directory: Path) -> None:
            shown = display_path(directory, self.cwd)
            result.notes.append(f"cannot list {shown}: permission denied; the configs in it were not checked")

        candidates = discover(paths, self._excluded, unlistable)
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
            if doc.error.limit is not None and not doc.error.lora_keys and not is_adapter_config_name(path):
                return None  # a large file that is no LoRA config (a tokenizer.json pre-commit passed)
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
        budget = _CheckBudget(limits.MAX_CHECK_SECONDS)
        try:
            if recognition.kind == "lora" and recognition.spec.enabled:
                self._attach_model(ctx, path, file_result, settings, budget)
        except CheckTimeout:  # the model checks are dropped; the others still run
            ctx.inventory = ctx.analysis = ctx.size = None
            file_result.targeted_modules = file_result.targeted_parameters = file_result.adapter_size = None
        try:
            with budget.running(fresh=True):
                file_result.diagnostics = self._apply(ctx, shown, settings)
        except CheckTimeout:
            file_result.diagnostics = []
        if budget.expired:
            file_result.diagnostics = sorted(
                file_result.diagnostics + self._timeout_diagnostics(ctx, shown, settings), key=Diagnostic.sort_key
            )
            return file_result  # not cached: how long a check takes depends on the machine
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

    def _attach_model(
        self, ctx: Context, path: Path, file_result: FileResult, settings: Settings, budget: _CheckBudget
    ) -> None:
        spec = ctx.spec
        if spec.model_ref is not None or not spec.model_problem or self.provider.override:
            # resolve and build the model first, outside the check budget (a Hub fetch, a torch
            # import); the provider memoises both, so the replay below finds them ready
            self.provider.model_for(
                spec.model_ref, spec.revision, spec.task_type, Path(os.path.abspath(path)).parent, settings.models
            )
        with budget.running():
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
            catalog = outcome.source.catalog if outcome.source is not None else None
            if catalog is not None and catalog.unknown_fields:
                # transformers' defaults stand in for what the catalogue could not establish
                file_result.adapter_size["estimate"] = True
                file_result.adapter_size["unknown_fields"] = list(catalog.unknown_fields)

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

    def _timeout_diagnostics(self, ctx: Context, shown: str, settings: Settings) -> list[Diagnostic]:
        """The LL001 finding of a file whose checks ran past `limits.MAX_CHECK_SECONDS`."""
        rule = next((r for r in self.rules if r.code == "LL001"), None)
        if rule is None or not RuleSelection.from_settings(settings).enabled(type(rule)):
            return []
        pointer: tuple = ()
        spec = ctx.spec
        if spec is not None:  # the option to blame: the first one PEFT reads as a regex, else the longest list
            regexes = [n for n in _REGEX_OPTIONS if isinstance(spec.get(n), (str, dict)) and spec.get(n)]
            lists = sorted(_LIST_OPTIONS, key=lambda n: -len(spec.get(n)) if isinstance(spec.get(n), list) else 0)
            chosen = regexes[0] if regexes else lists[0] if isinstance(spec.get(lists[0]), list) else None
            pointer = spec.pointer(chosen) if chosen is not None else ()
        message = (
            f"checks stopped after {limits.MAX_CHECK_SECONDS:g} s, the limit for one file: a regular expression "
            "that backtracks catastrophically (it would hang PEFT too) or thousands of entries to match; "
            "the remaining checks were skipped"
        )
        diagnostic = self._diagnostic(rule, Finding(message, pointer=pointer), ctx, shown)
        return [] if matches(per_file_ignored(ctx.document.path, settings), diagnostic) else [diagnostic]

    @staticmethod
    def _diagnostic(rule: Rule, finding: Finding, ctx: Context, shown: str) -> Diagnostic:
        span = finding.span or ctx.document.span(finding.pointer, on_key=finding.on_key)
        return Diagnostic(
            path=shown,
            span=span,
            code=rule.code,
            name=rule.name,
            level=finding.level or rule.level,
            message=printable(finding.message),
            hint=printable(finding.hint) if finding.hint is not None else None,
            fix_suggestions=finding.fix_suggestions,
            fix=resolve(finding.fix, finding.pointer, ctx.document) if finding.fix is not None else None,
        )
