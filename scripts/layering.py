#!/usr/bin/env python3
"""The layering rules inside the crates (ARCHITECTURE.md), checked on the source by scripts/check.sh.
Which crate may use which is each crate's Cargo.toml (and check.sh's `cargo tree` checks);
this script keeps the rules a Cargo.toml cannot state:

- The window (`crates/azfx-ui`) names no network, filesystem, process or emulator code:
  `reqwest`, `hyper`, `std::net`/`tokio::net`, `std::fs`/`tokio::fs`, `azfx_emulator`,
  `azfx_core::probe`.
- `azfx-core`'s `diagnose` does no IO: none of the above, nor `tokio`, `std::env`,
  `std::process`; `auth` does not import `files`.
- No import cycle, in any crate, between its top-level modules or between the sibling
  files (and subfolders) of any folder: `super::`, `self::` and `crate::` paths are
  resolved to the module they name, so `use super::request::Request` in `ui/keys.rs` is
  an edge keys -> request. A folder's `mod.rs` is the parent of its files, not their
  sibling; `#[cfg(test)]` modules are left out (a test may reach anywhere).

Prints every violation with file and line; exits 1 when there is one.
"""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# The workspace's crates and their sources: each is checked on its own (`crate::` means
# that crate); what one crate may depend on is its Cargo.toml's business.
CRATES = {
    "azfx": os.path.join(ROOT, "src"),
    "azfx-core": os.path.join(ROOT, "crates", "azfx-core", "src"),
    "azfx-emulator": os.path.join(ROOT, "crates", "azfx-emulator", "src"),
    "azfx-ui": os.path.join(ROOT, "crates", "azfx-ui", "src"),
}

FORBIDDEN = {
    "crates/azfx-ui/src": [r"\breqwest\b", r"\bhyper\b", r"\bstd::net\b", r"\btokio::net\b", r"\bstd::fs\b", r"\btokio::fs\b",
           r"\bazfx_emulator\b", r"\bazfx_core::probe\b", r"\bstd::process\b",
           r"\bstd::env::(var|vars|var_os|args|current_dir|set_var|temp_dir|home_dir)\b",
           r"\buse std::\{[^}]*\b(fs|net|process)\b", r"\buse tokio::\{[^}]*\b(fs|net)\b"],
    "crates/azfx-core/src/diagnose": [r"\breqwest\b", r"\bhyper\b", r"\bstd::net\b", r"\btokio\b", r"\bstd::fs\b", r"\bstd::env\b",
                 r"\bstd::process\b", r"\bcrate::probe\b", r"\bcrate::worker\b",
                 r"\buse std::\{[^}]*\b(fs|net|env|process)\b"],
    "crates/azfx-core/src/auth": [r"\bcrate::files\b"],
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


PATH = re.compile(r"\b((?:crate|super|self)(?:::super)*)((?:::\w+)*)(?:::(\{[^}]*\}))?")


def module_of(src, path):
    """The module path of a source file of the crate rooted at `src`:
    `ui/transfers/queue.rs` -> ["ui", "transfers", "queue"]; `lib.rs` -> []."""
    parts = os.path.relpath(path, src)[:-3].split(os.sep)
    return parts[:-1] if parts[-1] in ("mod", "lib", "main") else parts


def referenced(src, path):
    """The absolute module paths a file names (the first segment after the prefix is enough
    to tell which sibling), test-only items left out (`#[cfg(test)] mod tests;`, or an inline
    test module, which ends the file)."""
    here = module_of(src, path)
    test_item = False
    for _, line in code_lines(path):
        if re.match(r"\s*#\[cfg\(test\)\]", line):
            test_item = True
            continue
        if test_item:
            test_item = False
            if re.match(r"\s*(pub(\([a-z]+\))?\s+)?mod\s+\w+\s*\{", line):
                return  # an inline test module: the rest of the file is tests
            continue  # `mod tests;` or another one-line test-only item
        for prefix, rest, group in PATH.findall(line):
            segments = prefix.split("::")
            base = [] if segments[0] == "crate" else list(here)
            for segment in segments:
                if segment == "super":
                    base = base[:-1]
            base += [part for part in rest.split("::") if part]
            # `use super::{a, b::c}`: each of the group's first names.
            names = re.findall(r"(?:^|[{,])\s*(\w+)", group) if group else [None]
            for name in names:
                yield base + [name] if name else base


def sibling_graphs(src):
    """For the crate root and each folder with two or more children: the import graph of
    its children (files and subfolders; `lib.rs`, `main.rs`, `mod.rs` and `tests.rs` are
    not children)."""
    for root, _, names in os.walk(src):
        folder = [] if root == src else module_of(src, os.path.join(root, "mod.rs"))
        skip = ("mod.rs", "tests.rs", "lib.rs", "main.rs")
        children = {n[:-3]: os.path.join(root, n) for n in names if n.endswith(".rs") and n not in skip}
        for sub in os.listdir(root):
            if os.path.isfile(os.path.join(root, sub, "mod.rs")):
                children[sub] = os.path.join(root, sub)
        if len(children) < 2:
            continue
        edges = {c: set() for c in children}
        for child, path in children.items():
            for file in rust_files(path):
                for target in referenced(src, file):
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
    for folder, patterns in FORBIDDEN.items():
        for path in rust_files(os.path.join(ROOT, folder)):
            if os.path.basename(path) == "tests.rs":
                continue  # unit tests may build their inputs with `reqwest` types
            for number, line in code_lines(path):
                for pattern in patterns:
                    if re.search(pattern, line):
                        rel = os.path.relpath(path, ROOT)
                        problems.append(f"{rel}:{number}: `{folder}` must not use {pattern}: {line.strip()}")
    graphs = 0
    for name, src in CRATES.items():
        for folder, edges in sibling_graphs(src):
            graphs += 1
            for component in cycles(edges):
                detail = "; ".join(f"{m} -> {', '.join(sorted(edges[m] & set(component)))}" for m in component)
                where = f"{name}/{folder}" if folder else f"{name} (top-level modules)"
                problems.append(f"import cycle in {where}: {component}: {detail}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} layering problem(s)")
        return 1
    print(f"layering: {len(CRATES)} crates, {graphs} folders, no import cycles; the window and diagnosis free of IO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
