#!/usr/bin/env python3
"""The import drawing of app/src and server/src, folder by folder.

Each file belongs to a part: the first module under src/ (`device`, `rules`,
`public`, ...; a file such as `wire.rs` is a part of its own). Every
`crate::` path in the code (comments left out, tests included) is an edge
from the file's part to the part it names; `super::` paths are resolved.
Prints each crate's edges and any loop between parts; `--check` exits 1 when
there is a loop, which is how `make check` keeps the drawing a tree.

    python3 scripts/module-graph.py [--check] [--depth N] [--why PART]

`--depth 2` splits parts one level further (`device/sync`, `rules/records`);
`--why PART` lists the files and paths behind each edge leaving PART.
"""

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = {"app": ROOT / "app" / "src", "server": ROOT / "server" / "src"}
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_path(src: Path, file: Path) -> list[str]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] if "//" in line else line for line in text.splitlines())


def expand_use_groups(text: str) -> list[str]:
    """`crate::{a::b, c}` and `super::{x, y}` become `crate::a::b`, `crate::c`, ...

    Only the first level of braces is opened: the part is decided there."""
    paths = []
    for match in re.finditer(r"\b((?:crate|super)(?:::super)*)::\{", text):
        start = match.end()
        depth, end = 1, start
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        inner = text[start : end - 1]
        level, item = 0, ""
        for ch in inner + ",":
            if ch == "," and level == 0:
                name = item.strip()
                if name and name != "self":
                    paths.append(f"{match.group(1)}::{name}")
                item = ""
                continue
            level += {"{": 1, "}": -1}.get(ch, 0)
            item += ch
    return paths


def targets(file_module: list[str], is_mod_file: bool, text: str) -> list[list[str]]:
    found = []
    paths = expand_use_groups(text)
    paths += [m.group(0) for m in re.finditer(rf"\b(?:crate|super)(?:::super)*::{IDENT}(?:::{IDENT})*", text)]
    for path in paths:
        segments = [s.strip() for s in path.split("::")]
        if segments[0] == "crate":
            found.append(segments[1:])
            continue
        # `super` is the parent of this file's module (for mod.rs, the folder's parent).
        base = list(file_module)
        while segments and segments[0] == "super":
            base = base[:-1]
            segments = segments[1:]
        found.append(base + segments)
    return [t for t in found if t and re.fullmatch(IDENT, t[0])]


def part_of(module: list[str], depth: int, src: Path) -> str:
    # A part is a folder; a plain file directly under a part's folder stays in that part.
    parts = []
    if module and not (src / module[0]).is_dir() and not (src / f"{module[0]}.rs").is_file():
        return "(root)"  # an item of lib.rs, such as a re-export
    for segment in module[:depth]:
        candidate = src.joinpath(*parts, segment)
        if parts and not candidate.is_dir():
            break
        parts.append(segment)
        if not candidate.is_dir():
            break
    return "/".join(parts) if parts else "(root)"


def root_reexports(src: Path) -> dict[str, list[str]]:
    """`pub use state::AppState;` in lib.rs: `crate::AppState` is `crate::state::AppState`."""
    names = {}
    for root in ("lib.rs", "main.rs"):
        if not (src / root).is_file():
            continue
        text = strip_comments((src / root).read_text())
        for match in re.finditer(r"pub use ((?:{i})(?:::{i})*)::(?:\{{([^}}]*)\}}|({i}))\s*;".format(i=IDENT), text):
            module = match.group(1).split("::")
            for name in (match.group(2) or match.group(3)).split(","):
                name = name.strip().split(" as ")[-1].strip()
                if name:
                    names[name] = module
    return names


def graph(src: Path, depth: int):
    edges = defaultdict(lambda: defaultdict(list))
    reexports = root_reexports(src)
    for file in sorted(src.rglob("*.rs")):
        module = module_path(src, file)
        here = part_of(module, depth, src)
        text = strip_comments(file.read_text())
        for target in targets(module, file.stem == "mod", text):
            if target[0] in reexports:
                target = reexports[target[0]] + target
            there = part_of(target, depth, src)
            if there != here and there != "(root)":
                edges[here][there].append((file.relative_to(src).as_posix(), "::".join(target)))
    return edges


def loops(edges) -> list[list[str]]:
    """Strongly connected parts with more than one member (Tarjan)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]
    nodes = set(edges) | {t for targets in edges.values() for t in targets}

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any loop between parts")
    parser.add_argument("--depth", type=int, default=1)
    parser.add_argument("--why", help="list the paths behind each edge leaving this part")
    args = parser.parse_args()
    any_loop = False
    for crate, src in CRATES.items():
        edges = graph(src, args.depth)
        print(f"{crate}/src")
        for here in sorted(edges):
            print(f"  {here} -> {', '.join(sorted(edges[here]))}")
            if args.why == here:
                for there, uses in sorted(edges[here].items()):
                    for file, path in sorted(set(uses)):
                        print(f"      {there}: {file} uses {path}")
        found = loops(edges)
        for component in found:
            any_loop = True
            print(f"  LOOP: {' <-> '.join(component)}")
            for a in component:
                for b in component:
                    if b in edges.get(a, {}):
                        file, path = sorted(set(edges[a][b]))[0]
                        print(f"      {a} -> {b}: {file} uses {path}")
        if not found:
            print("  no loop between parts")
    return 1 if args.check and any_loop else 0


if __name__ == "__main__":
    sys.exit(main())
