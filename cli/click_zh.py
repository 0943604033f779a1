"""click's own words (usage line, option help, error prefix) in Chinese.

click marks the texts it prints with gettext, but the language gettext picks follows the
machine's locale, and the reviewers read Chinese whatever the machine says. Each click
module binds ``_`` and ``ngettext`` at import, so :func:`install` rebinds them to a lookup
in :data:`ZH`; a text not listed (a future click version's) stays as click wrote it.
"""

from __future__ import annotations

import importlib

ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出",
    "Show the version and exit.": "显示版本并退出",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "deprecated": "已弃用",
    "env var: {var}": "环境变量：{var}",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "请运行“{command} {option}”查看帮助。",
    "Aborted!": "已中止。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "Option {name!r} does not take a value.": "选项 {name} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的数值。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
}

#: (singular, plural) → Chinese, which has one form
ZH_PLURAL: dict[tuple[str, str], str] = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "是否要输入 {possibility}{possibilities}？"
    ),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "多余的参数（{args}）"
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "选项 {name} 需要 {nargs} 个值。"
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "“{value}”不是可选值之一：{choices}"
    ),
}

MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")


def gettext(message: str) -> str:
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return (
        _Fill(ZH_PLURAL[singular, plural])
        if (singular, plural) in ZH_PLURAL
        else (singular if n == 1 else plural)
    )


class _Fill(str):
    """A Chinese text that ignores the placeholders only the other English form uses."""

    def format(self, *args, **kwargs) -> str:  # type: ignore[override]
        import string

        names = {f for _, f, _, _ in string.Formatter().parse(self) if f}
        return str.format(self, *args, **{k: kwargs.get(k, "") for k in names})


def _write_heading(self, heading: str) -> None:
    """A help section's heading (选项, 命令) with a full-width colon, as Chinese is written."""
    self.write(f"{'':>{self.current_indent}}{heading}：\n")


def install() -> None:
    """Rebind click's ``_`` and ``ngettext`` in each of its modules that prints text."""
    import click.formatting

    click.formatting.HelpFormatter.write_heading = _write_heading
    for name in MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
