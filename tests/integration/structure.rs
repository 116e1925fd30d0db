//! The layers read one way: no module imports, directly or through others, a module that
//! imports it (scenario → inputs → engine → statistics → outputs and charts → command
//! line, with leaves such as `random`, `limits` and `format` below them all).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The module path of a source file: `src/engine/sampling.rs` → ["engine", "sampling"].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src/").with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments (doc links are not imports).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The paths named after `prefix::` in `code`, with `prefix::{a, b::c}` groups expanded to
/// their first segments: `crate::engine::Ledger` gives ["engine", "Ledger"].
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let needle = format!("{prefix}::");
    let mut rest = code;
    while let Some(at) = rest.find(&needle) {
        let before = rest[..at].chars().last();
        rest = &rest[at + needle.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Items of the group at depth 0, each to its first path segments.
            let (mut depth, mut item) = (0, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths.push(segments(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            paths.push(segments(&item));
        } else {
            paths.push(segments(rest));
        }
    }
    paths.retain(|p| !p.is_empty());
    paths
}

fn segments(text: &str) -> Vec<String> {
    let path: String =
        text.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
    path.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The module graph: for each module, the modules it names. `level` picks which edges:
/// between top-level modules (`crate::x` from outside `x`), or between sibling submodules.
fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&src);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        if from == ["lib"] || from == ["main"] {
            continue;
        }
        let text = code(&std::fs::read_to_string(file).expect("a source file"));
        let mut named: Vec<Vec<String>> = paths_after(&text, "crate");
        // `super::x` in a submodule names a sibling (or the parent's item).
        if from.len() > 1 {
            let parent = &from[..from.len() - 1];
            named.extend(paths_after(&text, "super").into_iter().map(|p| [parent.to_vec(), p].concat()));
        }
        for path in named {
            // The longest module the path starts with.
            let target = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m));
            if let Some(target) = target {
                edges.entry(from.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// A cycle among `nodes` under `edge(a, b)`, if any, as the path that closes it.
fn find_cycle(nodes: &BTreeSet<String>, edge: &dyn Fn(&str, &str) -> bool) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        nodes: &BTreeSet<String>,
        edge: &dyn Fn(&str, &str) -> bool,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for m in nodes {
            if m != n
                && edge(n, m)
                && let Some(c) = visit(m, nodes, edge, stack, done)
            {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    nodes.iter().find_map(|n| visit(n, nodes, edge, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_import_each_other_in_one_direction_only() {
    let edges = graph();
    // a → b when any file of module a names module b (or one of its submodules).
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in &edges {
        for to in targets {
            if from[0] != to[0] {
                top.entry(from[0].clone()).or_default().insert(to[0].clone());
            }
        }
    }
    let nodes: BTreeSet<String> = top.keys().chain(top.values().flatten()).cloned().collect();
    assert!(nodes.contains("engine") && nodes.contains("scenario"), "the graph was read: {top:?}");
    assert!(top["engine"].contains("scenario"), "engine names scenario, as it must: {top:?}");
    let cycle = find_cycle(&nodes, &|a, b| top.get(a).is_some_and(|t| t.contains(b)));
    assert!(cycle.is_none(), "a module cycle: {}", cycle.unwrap_or_default().join(" → "));
}

#[test]
fn sibling_submodules_import_each_other_in_one_direction_only() {
    let edges = graph();
    // Siblings: submodules with one parent (engine::sampling and engine::ziggurat).
    let parents: BTreeSet<Vec<String>> =
        edges.keys().filter(|m| m.len() > 1).map(|m| m[..m.len() - 1].to_vec()).collect();
    for parent in parents {
        let name = |m: &Vec<String>| m.join("::");
        let siblings: BTreeSet<String> = edges
            .iter()
            .flat_map(|(f, t)| std::iter::once(f).chain(t))
            .filter(|m| m.len() == parent.len() + 1 && m.starts_with(&parent))
            .map(name)
            .collect();
        let edge = |a: &str, b: &str| edges.iter().any(|(f, t)| name(f) == a && t.iter().any(|m| name(m) == b));
        let cycle = find_cycle(&siblings, &edge);
        assert!(cycle.is_none(), "a module cycle: {}", cycle.unwrap_or_default().join(" → "));
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let nodes: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    let cyclic = |x: &str, y: &str| matches!((x, y), ("a", "b") | ("b", "c") | ("c", "a"));
    assert_eq!(find_cycle(&nodes, &cyclic).map(|c| c.len()), Some(4));
    let acyclic = |x: &str, y: &str| matches!((x, y), ("a", "b") | ("b", "c") | ("a", "c"));
    assert_eq!(find_cycle(&nodes, &acyclic), None);
    let paths = paths_after("use crate::{engine::{self, X}, stats};\nlet x = crate::date::Date;", "crate");
    assert_eq!(paths, vec![vec!["engine".to_string()], vec!["stats".into()], vec!["date".into(), "Date".into()]]);
}
