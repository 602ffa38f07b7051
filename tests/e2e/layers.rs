//! The code's layering, checked from the `use` lines of src/: the folders
//! follow the data flow (capture → pose → posture → watch → sinks, with
//! config, cli and ui at the edges), a lower layer never imports a higher
//! one, and no two modules or sibling files import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::repo;

/// Top-level modules from the bottom up; a module may use only its own
/// layer's neighbours or lower ones (and cycles are refused on their own).
const LAYERS: &[&[&str]] = &[
    &["clock"],
    &["capture"],
    &["pose"],
    &["posture"],
    &["config", "profiles", "journal", "output"],
    &["alert", "report", "calibrate"],
    &["watch"],
    &["ui"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/posture/judge.rs` → ["posture", "judge"]; `src/watch/mod.rs` →
/// ["watch"]; `src/main.rs` and `src/cli/…` → ["cli", …].
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> =
        rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.first().map(String::as_str) {
        Some("main") => vec!["cli".into()],
        Some("lib") => Vec::new(),
        _ => parts,
    }
}

/// Paths named by `crate::a::b…` and `super::x…` in one file's code
/// (comments skipped), as module paths from the crate root.
fn imports(text: &str, me: &[String], is_mod_rs: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let code: String =
        text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
    let word = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[i + 7..];
        let first = word(rest);
        let second = rest.strip_prefix(&format!("{first}::")).map(word).unwrap_or_default();
        out.push([first, second].into_iter().filter(|s| !s.is_empty()).collect());
    }
    // `super::` in a file is its folder's module; in a mod.rs, the parent's.
    let parent: Vec<String> =
        if is_mod_rs { me[..me.len().saturating_sub(1)].to_vec() } else { me[..me.len() - 1].to_vec() };
    for (i, _) in code.match_indices("super::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut p = parent.clone();
        p.push(word(&code[i + 7..]));
        out.push(p);
    }
    out
}

struct Graph {
    /// Top-level module → the top-level modules it uses.
    top: BTreeMap<String, BTreeSet<String>>,
    /// Folder → (file → sibling files it uses), mod.rs left out.
    siblings: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

fn graph() -> Graph {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(&src, f)).collect();
    let mut g = Graph { top: BTreeMap::new(), siblings: BTreeMap::new() };
    for file in &files {
        let me = module_path(&src, file);
        let Some(top) = me.first().cloned() else { continue };
        let text = std::fs::read_to_string(file).expect("source");
        let is_mod_rs = file.ends_with("mod.rs");
        for used in imports(&text, &me, is_mod_rs) {
            let Some(other) = used.first() else { continue };
            if *other != top && !other.is_empty() {
                g.top.entry(top.clone()).or_default().insert(other.clone());
            }
            // Two files of one folder (not its mod.rs).
            if me.len() >= 2
                && !is_mod_rs
                && used.len() == me.len()
                && used[..used.len() - 1] == me[..me.len() - 1]
            {
                let sibling = used.last().cloned().unwrap_or_default();
                if modules.contains(&used) && sibling != *me.last().unwrap_or(&String::new()) {
                    let folder = me[..me.len() - 1].join("/");
                    let name = me.last().cloned().unwrap_or_default();
                    g.siblings.entry(folder).or_default().entry(name).or_default().insert(sibling);
                }
            }
        }
    }
    g
}

/// A cycle in `edges`, if there is one, as the path around it.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_a_higher_layer_or_closes_a_cycle() {
    let g = graph();
    let mut upward = Vec::new();
    for (from, tos) in &g.top {
        let Some(lf) = layer(from) else { panic!("src/{from} is in no layer of tests/e2e/layers.rs") };
        for to in tos {
            let Some(lt) = layer(to) else { continue };
            if lt > lf {
                upward.push(format!("{from} uses {to}"));
            }
        }
    }
    assert!(upward.is_empty(), "lower layers importing higher ones: {upward:?}");
    assert_eq!(cycle(&g.top), None, "a cycle between top-level modules");
    for (folder, edges) in &g.siblings {
        assert_eq!(cycle(edges), None, "a cycle between the files of src/{folder}");
    }
    // One file per subcommand: what two share lives in cli/mod.rs, in a
    // helper file that is no subcommand (`choice`: clap value parsers) or
    // in the library.
    let between: Vec<String> = g
        .siblings
        .get("cli")
        .into_iter()
        .flatten()
        .flat_map(|(from, tos)| {
            tos.iter().filter(|t| *t != "choice").map(move |t| format!("{from} uses {t}"))
        })
        .collect();
    assert!(between.is_empty(), "subcommands of src/cli importing each other: {between:?}");
}

#[test]
fn the_checker_sees_a_cycle_and_an_upward_import() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(cycle(&edges), Some(vec!["a".into(), "b".into(), "a".into()]));
    let me = vec!["posture".to_string(), "judge".to_string()];
    let used =
        imports("use crate::config::Config;\nuse super::calibration::Baseline;\n// crate::ui\n", &me, false);
    assert_eq!(
        used,
        vec![vec!["config".to_string(), "Config".to_string()], vec!["posture".into(), "calibration".into()]]
    );
    assert!(layer("config") > layer("posture"));
}
