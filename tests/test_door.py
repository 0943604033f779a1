"""No command bypasses the door (``cli/door.py``): every command is registered through it,
declares what it reads and writes by its parameters' types, checks its numbers for being
finite, and no command module opens, writes, expands or prints files on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from iipeval.cli import door
from iipeval.cli.app import LAZY_COMMANDS, cli
from iipeval.cli.weights.group import COMMANDS as WEIGHTS

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "cli"


def commands() -> dict[str, click.Command]:
    """Every command a user can run, by its words (``weights derive``)."""
    ctx = click.Context(cli)
    out = {}
    for name in LAZY_COMMANDS:
        cmd = cli.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            sub = click.Context(cmd, parent=ctx)
            for child in WEIGHTS if name == "weights" else cmd.list_commands(sub):
                out[f"{name} {child}"] = cmd.get_command(sub, child)
        else:
            out[name] = cmd
    return out


ALL = commands()
#: parameters that name batches of outside files (files, folders, globs)
BATCHES = {"files", "reviews", "verified", "questionnaires", "applications", "old", "new", "ahp"}


def test_every_command_is_known_here():
    assert len(ALL) >= 19 and {"score", "weights derive", "plugin new"} <= set(ALL)


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_command_runs_through_the_door(name):
    assert getattr(ALL[name].callback, "through_door", False), f"{name}: use @door.command"


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_file_a_command_names_is_declared_an_input_or_an_output(name):
    for p in ALL[name].params:
        if isinstance(p.type, click.Path):
            assert isinstance(p.type, door.InputFile | door.OutputPath), (name, p.name)
        if p.name in BATCHES:
            assert isinstance(p.type, door.InputArgs), (name, p.name)


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_number_a_command_takes_is_checked_for_being_finite(name):
    for p in ALL[name].params:
        if isinstance(p.type, click.types.FloatParamType):
            assert isinstance(p.type, door.Finite), (name, p.name)


#: what a command module must leave to the door: reading, writing, expanding and printing
FORBIDDEN = {
    "open": "read through the door (run.read, excel.intake) or write through run.commit",
    "read_bytes": "read through the door",
    "read_text": "read through the door",
    "write_bytes": "write through run.commit (door.bytes_writer)",
    "write_text": "write through run.commit (door.text_writer)",
    "mkdir": "the output set makes its folder",
    "write_atomic": "write through run.commit",
    "OutputSet": "open outputs with run.outputs",
    "copyfile": "door.copy_writer",
    "rmtree": "atomic.scratch",
    "mkdtemp": "atomic.scratch",
    "expand": "run.expand",
    "echo": "render.echo (control characters escaped)",
}
#: the door itself, the entry point, the one echo, and byte comparison of this run's outputs
ALLOWED = {
    ("door.py", "*"),
    ("main.py", "open"),
    ("render.py", "echo"),
    ("reproduce.py", "read_bytes"),
}


def calls(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text("utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            owner = (
                f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
            )
            if name == "expand" and owner in ("run", "self"):
                continue  # the door's own expansion
            if name == "echo" and owner == "render":
                continue
            out.append((name, node.lineno))
    return out


@pytest.mark.parametrize("path", sorted(CLI.rglob("*.py")), ids=lambda p: str(p.relative_to(CLI)))
def test_no_command_module_reads_writes_or_prints_files_on_its_own(path):
    rel = str(path.relative_to(CLI))
    found = [
        f"{rel}:{line}: {name}() — {FORBIDDEN[name]}"
        for name, line in calls(path)
        if name in FORBIDDEN
        and (path.name, "*") not in ALLOWED
        and (path.name, name) not in ALLOWED
    ]
    assert found == []


def test_the_door_catches_a_command_that_writes_on_its_own(tmp_path):
    """The check above works: a module that writes its output itself is named."""
    bad = tmp_path / "bad.py"
    bad.write_text("from pathlib import Path\nPath('x').write_text('y')\nclick.echo('z')\n")
    assert [n for n, _ in calls(bad) if n in FORBIDDEN] == ["write_text", "echo"]
