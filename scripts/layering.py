#!/usr/bin/env python3
"""The layering rules of the design (shared/DESIGN.md and ARCHITECTURE.md), checked on the source (run by scripts/check.sh).

- `src/ui` names no network, filesystem or emulator code: `reqwest`, `hyper`,
  `std::net`/`tokio::net`, `std::fs`/`tokio::fs`, `crate::emulator`, `crate::probe`.
- `src/diagnose` does no IO: none of the above, nor `tokio`, `std::env`, `std::process`.
- `auth` does not import `files`.
- No two top-level modules import each other, directly or through others (a cycle in the
  graph of `crate::<module>` references), and in every folder no two sibling files (or
  subfolders) do: `super::`, `self::` and `crate::` paths are resolved to the module they
  name, so `use super::table::Request` in `ui/keys.rs` is an edge keys -> table. A folder's
  `mod.rs` is the parent of its files, not their sibling; `#[cfg(test)]` modules are left
  out (a test may reach anywhere).

Prints every violation with file and line; exits 1 when there is one.
"""

import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

FORBIDDEN = {
    "ui": [r"\breqwest\b", r"\bhyper\b", r"\bstd::net\b", r"\btokio::net\b", r"\bstd::fs\b", r"\btokio::fs\b",
           r"\bcrate::emulator\b", r"\bcrate::probe\b", r"\bstd::process\b",
           r"\bstd::env::(var|vars|var_os|args|current_dir|set_var|temp_dir|home_dir)\b",
           r"\buse std::\{[^}]*\b(fs|net|process)\b", r"\buse tokio::\{[^}]*\b(fs|net)\b"],
    "diagnose": [r"\breqwest\b", r"\bhyper\b", r"\bstd::net\b", r"\btokio\b", r"\bstd::fs\b", r"\bstd::env\b",
                 r"\bstd::process\b", r"\bcrate::probe\b", r"\bcrate::worker\b",
                 r"\buse std::\{[^}]*\b(fs|net|env|process)\b"],
    "auth": [r"\bcrate::files\b"],
}


def rust_files(path):
    if os.path.isfile(path):
        yield path
        return
    for root, _, names in os.walk(path):
        for name in sorted(names):
            if name.endswith(".rs"):
                yield os.path.join(root, name)


COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|(//.*)')


def strip_comment(line):
    """The line without a `//` comment; `//` inside a string literal (a URL) stays."""
    return COMMENT.sub(lambda m: "" if m.group(1) else m.group(0), line)


def code_lines(path):
    """Lines with `//` comments removed (doc comments may name what code must not).
    A `use` spanning several lines is joined into its first line, so a grouped import
    (`use std::{\n fs,\n net };`) is read whole."""
    with open(path, encoding="utf-8") as f:
        lines = list(enumerate(f, 1))
    pending = None
    for number, line in lines:
        code = strip_comment(line)
        if pending is not None:
            pending = (pending[0], pending[1] + " " + code.strip())
            if ";" in code:
                yield pending
                pending = None
            continue
        if re.match(r"\s*(pub(\([a-z]+\))?\s+)?use\b", code) and ";" not in code:
            pending = (number, code.rstrip())
            continue
        yield number, code


def module_path(name):
    folder = os.path.join(SRC, name)
    return folder if os.path.isdir(folder) else folder + ".rs"


def top_level_modules():
    with open(os.path.join(SRC, "lib.rs"), encoding="utf-8") as f:
        return re.findall(r"^pub mod (\w+);", f.read(), re.M)


def graph(modules, path_of, pattern):
    edges = {m: set() for m in modules}
    for module in modules:
        for path in rust_files(path_of(module)):
            for _, line in code_lines(path):
                targets = re.findall(pattern, line)
                for group in re.findall(pattern.replace(r"(\w+)", r"\{([^}]*)\}"), line):
                    targets += re.findall(r"\b(\w+)\b", group)
                for target in targets:
                    if target in edges and target != module:
                        edges[module].add(target)
    return edges


PATH = re.compile(r"\b((?:crate|super|self)(?:::super)*)((?:::\w+)*)(?:::(\{[^}]*\}))?")


def module_of(path):
    """The module path of a source file: `src/ui/transfers/queue.rs` -> ["ui", "transfers", "queue"]."""
    parts = os.path.relpath(path, SRC)[:-3].split(os.sep)
    return parts[:-1] if parts[-1] in ("mod", "lib") else parts


def referenced(path):
    """The absolute module paths a file names (the first segment after the prefix is enough
    to tell which sibling), test modules left out."""
    here = module_of(path)
    for _, line in code_lines(path):
        if re.match(r"\s*#\[cfg\(test\)\]", line):
            return
        for prefix, path, group in PATH.findall(line):
            segments = prefix.split("::")
            base = [] if segments[0] == "crate" else list(here)
            for segment in segments:
                if segment == "super":
                    base = base[:-1]
            base += [s for s in path.split("::") if s]
            # `use super::{a, b::c}`: each of the group's first names.
            names = re.findall(r"(?:^|[{,])\s*(\w+)", group) if group else [None]
            for name in names:
                yield base + [name] if name else base


def sibling_graphs():
    """For each folder of `src` with two or more children: the import graph of its children."""
    for root, _, names in os.walk(SRC):
        if root == SRC:
            continue
        folder = module_of(os.path.join(root, "mod.rs"))
        children = {n[:-3]: os.path.join(root, n) for n in names if n.endswith(".rs") and n not in ("mod.rs", "tests.rs")}
        for sub in os.listdir(root):
            if os.path.isfile(os.path.join(root, sub, "mod.rs")):
                children[sub] = os.path.join(root, sub)
        if len(children) < 2:
            continue
        edges = {c: set() for c in children}
        for child, path in children.items():
            for file in rust_files(path):
                for target in referenced(file):
                    if target[: len(folder)] == folder and len(target) > len(folder):
                        name = target[len(folder)]
                        if name in edges and name != child:
                            edges[child].add(name)
        yield "/".join(folder), edges


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    problems = []
    for module, patterns in FORBIDDEN.items():
        for path in rust_files(module_path(module)):
            if os.path.basename(path) == "tests.rs":
                continue  # unit tests may build their inputs with `reqwest` types
            for number, line in code_lines(path):
                for pattern in patterns:
                    if re.search(pattern, line):
                        rel = os.path.relpath(path, os.path.join(SRC, ".."))
                        problems.append(f"{rel}:{number}: `{module}` must not use {pattern}: {line.strip()}")
    modules = top_level_modules()
    top = graph(modules, module_path, r"\bcrate::(\w+)")
    for component in cycles(top):
        detail = "; ".join(f"{m} -> {', '.join(sorted(top[m] & set(component)))}" for m in component)
        problems.append(f"import cycle between top-level modules {component}: {detail}")
    for folder, edges in sibling_graphs():
        for component in cycles(edges):
            detail = "; ".join(f"{m} -> {', '.join(sorted(edges[m] & set(component)))}" for m in component)
            problems.append(f"import cycle between sibling files of src/{folder}: {component}: {detail}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} layering problem(s)")
        return 1
    print(f"layering: {len(modules)} top-level modules, no cycles (between them or sibling files), ui and diagnose free of IO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
