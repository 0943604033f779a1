"""The plugin host: discover criteria-set plugins, validate what they contribute.

Plugins are found through the ``iipeval`` entry-point group, built-in ones included, and
``IIPEVAL_PLUGINS`` (comma-separated entry-point names) limits which load. Every hook is
called through pluggy, so ``tryfirst``, ``trylast`` and wrappers (``wrapper=True``,
``hookwrapper=True``) behave as pluggy documents; each implementation runs inside a guard
that records which plugin is calling ``register`` and turns its exception into a problem
attributed to it, so a broken plugin is reported by name and skipped while the others keep
working. A hook implementation without a matching spec (usually a typo) is an error, not
silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from pydantic import ValidationError

from iipeval.core import __version__, hookspecs
from iipeval.core import rules as core_rules
from iipeval.core.errors import describe
from iipeval.core.model.criteria import Framework
from iipeval.core.model.inherit import InheritanceError, merge
from iipeval.core.model.loading import FrameworkDataError, framework_from_data, read_framework_toml
from iipeval.core.rules import Rule
from iipeval.core.scoring.engine import PluginExclusion
from iipeval.core.scoring.validation import PluginValidator

ENV_VAR = "IIPEVAL_PLUGINS"
CORE_PLUGIN = "iipeval.core"

#: The plugin whose hook implementation is running (who is calling ``register``).
_CALLER: ContextVar[str] = ContextVar("iipeval_hook_caller", default="（未知插件）")


@dataclass(frozen=True)
class PluginProblem:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"插件 {self.plugin}：{self.message}"


@dataclass
class RegisteredFramework:
    """A validated criteria set with the plugin code that belongs to it."""

    framework: Framework
    plugin: str
    plugin_version: str
    validators: list[PluginValidator] = field(default_factory=list)
    exclusions: list[PluginExclusion] = field(default_factory=list)
    parent: str | None = None


@dataclass
class PluginInfo:
    name: str
    version: str
    origin: str
    hooks: list[str]
    frameworks: list[str] = field(default_factory=list)


class UnknownFramework(LookupError):
    pass


class Host:
    """Load plugins and hold everything they contributed.

    ``entry_points=False`` skips discovery (tests register plugin objects directly);
    ``plugins`` adds ``(name, module_or_object)`` pairs after discovery.
    """

    def __init__(
        self,
        *,
        entry_points: bool = True,
        plugins: Iterable[tuple[str, Any]] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.problems: list[PluginProblem] = []
        self.infos: dict[str, PluginInfo] = {}
        self.rule_types: dict[str, type[Rule]] = {}
        self.frameworks: dict[str, RegisteredFramework] = {}
        self._queue: list[tuple[str, Any, str, str]] = []
        self._add(CORE_PLUGIN, core_rules, __version__, "core")
        if entry_points:
            self._discover(env.get(ENV_VAR))
        for name, obj in plugins:
            self._add(name, obj, getattr(obj, "__version__", "—"), "registered")
        # pluggy calls implementations last-registered first: registering in reverse makes
        # plain implementations run in load order (the core first, so no plugin silently
        # replaces a built-in rule type), with tryfirst/trylast/wrappers as pluggy says.
        for queued in reversed(self._queue):
            self._register(*queued)
        self.infos = {n: self.infos[n] for n, *_ in self._queue if n in self.infos}
        self._collect()

    # discovery -----------------------------------------------------------------------------

    def _discover(self, only: str | None) -> None:
        wanted = None if only is None else {n.strip() for n in only.split(",") if n.strip()}
        eps = sorted(entry_points(group=hookspecs.ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            if wanted is not None and ep.name not in wanted:
                continue
            version = ep.dist.version if ep.dist else "—"
            try:
                obj = ep.load()
            except Exception as exc:
                self.problems.append(PluginProblem(ep.name, f"无法加载（{ep.value}）：{exc!r}"))
                continue
            self._add(ep.name, obj, version, f"入口点 {ep.value}")
        if wanted:
            found = {ep.name for ep in eps}
            for name in sorted(wanted - found):
                self.problems.append(PluginProblem(name, f"{ENV_VAR} 指定了该插件，但未安装"))

    def _add(self, name: str, obj: Any, version: str, origin: str) -> None:
        if any(name == queued[0] for queued in self._queue):
            self.problems.append(PluginProblem(name, "同名插件已注册，忽略重复注册"))
            return
        self._queue.append((name, obj, version, origin))

    def _register(self, name: str, obj: Any, version: str, origin: str) -> None:
        try:
            self.pm.register(obj, name=name)
        except pluggy.PluginValidationError as exc:
            self.problems.append(PluginProblem(name, f"钩子实现与规范不符：{exc}"))
            return
        hooks = []
        unknown = []
        for caller in self.pm.get_hookcallers(obj) or []:
            if caller.spec is None:
                unknown.append(caller.name)
            else:
                hooks.append(caller.name)
        if unknown:
            self.pm.unregister(obj)
            known = ", ".join(sorted(self.pm.hook.__dict__))
            self.problems.append(
                PluginProblem(
                    name, f"实现了不存在的钩子 {unknown}（拼写错误？可用钩子：{known}），插件未加载"
                )
            )
            return
        for caller in self.pm.get_hookcallers(obj) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is obj:
                    impl.function = self._guarded(name, caller.name, impl)
        self.infos[name] = PluginInfo(name, version, origin, sorted(hooks))

    def _guarded(self, plugin: str, hook: str, impl: pluggy.HookImpl) -> Callable:
        """``impl``'s function, run as ``plugin``: its ``register`` calls are attributed to
        it and its exceptions become its problems instead of stopping the other plugins."""
        fn = impl.function
        problem = PluginProblem

        def note(exc: BaseException) -> None:
            self.problems.append(problem(plugin, f"{hook} 出错：{exc}"))

        if impl.wrapper or impl.hookwrapper:

            def wrapper(*args: Any):
                token = _CALLER.set(plugin)
                try:
                    gen = fn(*args)
                    first = next(gen)
                finally:
                    _CALLER.reset(token)
                outcome = yield first
                token = _CALLER.set(plugin)
                try:
                    gen.send(outcome)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _CALLER.reset(token)
                raise RuntimeError("钩子包装器只能 yield 一次")

            return wrapper

        def call(*args: Any):
            token = _CALLER.set(plugin)
            try:
                return fn(*args)
            except Exception as exc:
                note(exc)
                return None
            finally:
                _CALLER.reset(token)

        return call

    # contributions ------------------------------------------------------------------------

    def _each(self, hook: str, make_register: Callable[[str], Callable]) -> None:
        """Call one hook through pluggy; each ``register`` call counts for its caller."""
        registers: dict[str, Callable] = {}

        def register(*args: Any, **kwargs: Any) -> Any:
            name = _CALLER.get()
            if name not in registers:
                registers[name] = make_register(name)
            return registers[name](*args, **kwargs)

        try:
            getattr(self.pm.hook, hook)(register=register)
        except Exception as exc:  # a wrapper that failed around the others
            self.problems.append(PluginProblem(_CALLER.get(), f"{hook} 出错：{exc}"))

    def _collect(self) -> None:
        self._each("register_rule_types", self._rule_type_register)
        self._pending: list[tuple[str, dict]] = []
        self._each("register_frameworks", self._framework_register)
        self._resolve_pending()
        self._each("register_validators", self._validator_register)
        self._each("register_exclusions", self._exclusion_register)

    def _rule_type_register(self, plugin: str):
        def register(cls: type[Rule]) -> None:
            if not (isinstance(cls, type) and issubclass(cls, Rule) and cls.type_name):
                raise TypeError(f"{cls!r} 不是带 type_name 的 Rule 子类")
            if cls.type_name in self.rule_types:
                self.problems.append(
                    PluginProblem(plugin, f"规则类型 {cls.type_name!r} 已存在，忽略重复注册")
                )
                return
            self.rule_types[cls.type_name] = cls

        return register

    def _framework_register(self, plugin: str):
        def register(data: Framework | Mapping | str | Path) -> None:
            try:
                if isinstance(data, str | Path):
                    data = read_framework_toml(data)
                if isinstance(data, Mapping) and "extends" in data:
                    self._pending.append((plugin, dict(data)))  # parents may load later
                    return
                self._add_framework(plugin, self._build_framework(data))
            except (ValidationError, FrameworkDataError, ValueError) as exc:
                self.problems.append(PluginProblem(plugin, f"评价体系无效：{_describe(exc)}"))

        return register

    def _add_framework(self, plugin: str, fw: Framework, parent: str | None = None) -> None:
        if fw.id in self.frameworks:
            other = self.frameworks[fw.id].plugin
            msg = f"评价体系 id {fw.id!r} 已由插件 {other} 注册，本次注册被忽略"
            self.problems.append(PluginProblem(plugin, msg))
            return
        version = self.infos[plugin].version
        self.frameworks[fw.id] = RegisteredFramework(fw, plugin, version, parent=parent)
        self.infos[plugin].frameworks.append(fw.id)

    def _resolve_pending(self) -> None:
        """Build sets that extend another once their parent exists, in dependency order."""
        while self._pending:
            ready = [(p, d) for p, d in self._pending if d["extends"] in self.frameworks]
            if not ready:
                for plugin, data in self._pending:
                    msg = (
                        f"评价体系 {data.get('id')!r} 继承的 {data['extends']!r} 未加载"
                        f"（请确认该插件已安装，且未被 {ENV_VAR} 排除）"
                    )
                    self.problems.append(PluginProblem(plugin, msg))
                return
            for plugin, data in ready:
                self._pending.remove((plugin, data))
                parent = data["extends"]
                try:
                    merged = merge(self.frameworks[parent].framework, data)
                    self._add_framework(plugin, self._build_framework(merged), parent)
                except (ValidationError, FrameworkDataError, InheritanceError, ValueError) as exc:
                    self.problems.append(PluginProblem(plugin, f"评价体系无效：{_describe(exc)}"))

    def _build_framework(self, data) -> Framework:
        if isinstance(data, Framework):
            data = data.model_dump(exclude={"items"})
        return framework_from_data(data, self.rule_types)

    def _targets(self, plugin: str, framework_id: str, items: Iterable[str], what: str):
        items = tuple(items)
        if framework_id == "*":
            return [
                rf
                for rf in self.frameworks.values()
                if all(i in rf.framework.item_map() for i in items)
            ], items
        rf = self.frameworks.get(framework_id)
        if rf is None:
            raise ValueError(f"{what}指向未注册的评价体系 {framework_id!r}")
        unknown = [i for i in items if i not in rf.framework.item_map()]
        if unknown:
            raise ValueError(f"{what}引用了{framework_id}中不存在的数据项 {unknown}")
        heirs = [
            h
            for h in self._descendants(framework_id)
            if all(i in h.framework.item_map() for i in items)
        ]
        return [rf, *heirs], items

    def _descendants(self, framework_id: str) -> list[RegisteredFramework]:
        """Sets that extend ``framework_id``, directly or not: they inherit its code checks."""
        out = []
        for rf in self.frameworks.values():
            parent = rf.parent
            while parent:
                if parent == framework_id:
                    out.append(rf)
                    break
                parent = self.frameworks[parent].parent
        return out

    def _validator_register(self, plugin: str):
        def register(framework_id, check, *, items=(), code, description=""):
            try:
                targets, items_t = self._targets(plugin, framework_id, items, f"校验 {code} ")
            except ValueError as exc:
                self.problems.append(PluginProblem(plugin, str(exc)))
                return
            for rf in targets:
                rf.validators.append(
                    PluginValidator(plugin, rf.framework.id, check, items_t, code, description)
                )

        return register

    def _exclusion_register(self, plugin: str):
        def register(framework_id, check, *, id, name, rationale, items=()):
            try:
                targets, items_t = self._targets(plugin, framework_id, items, f"否决项 {id} ")
            except ValueError as exc:
                self.problems.append(PluginProblem(plugin, str(exc)))
                return
            for rf in targets:
                rf.exclusions.append(
                    PluginExclusion(plugin, rf.framework.id, id, name, rationale, check, items_t)
                )

        return register

    # lookups -------------------------------------------------------------------------------

    def framework(self, framework_id: str) -> RegisteredFramework:
        try:
            return self.frameworks[framework_id]
        except KeyError:
            known = "、".join(self.frameworks) or "（无）"
            raise UnknownFramework(f"未找到评价体系“{framework_id}”；已加载：{known}") from None

    def plugins(self) -> list[PluginInfo]:
        return list(self.infos.values())


def _describe(exc: Exception) -> str:
    return describe(exc) if isinstance(exc, ValidationError) else str(exc)
