//! Cross-checks between a scene and its model: the headless `twinscope check`.
//!
//! Parsing already rejects what is wrong inside the file; these checks need the model's node
//! names or compare entries with each other (duplicates, undeclared signals), and they collect
//! every problem instead of stopping at the first, like a compiler.

use super::{Location, ModelNode, Scene};
use crate::signal::SignalId;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The scene would not work as written; `check` fails.
    Error,
    /// Works, but probably not what was meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding, located like a compiler message so editors can jump to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where the offending value is written.
    pub location: Location,
    /// Dotted key path of the value, e.g. `bindings[3].node`.
    pub key: String,
    /// What is wrong, with a suggestion where one is known.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: `{}`: {}",
            self.location, self.severity, self.key, self.message
        )
    }
}

/// Everything `check_scene` found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Asset nodes of the model that no binding shows (informational).
    pub unbound_assets: Vec<String>,
    /// Declared signals that no binding shows or colours by.
    pub unbound_signals: Vec<SignalId>,
}

impl CheckReport {
    /// Whether any diagnostic is an error (the CLI exits non-zero then).
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// The human-readable report: diagnostics, unbound lists (their first names), then a
    /// one-line summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for diagnostic in &self.diagnostics {
            out.push_str(&format!("{diagnostic}\n"));
        }
        if !self.unbound_assets.is_empty() {
            let n = self.unbound_assets.len();
            let names = first_names(self.unbound_assets.iter().map(String::as_str), n);
            out.push_str(&format!(
                "{n} {} left unbound: {names}\n",
                plural(n, "asset", "assets")
            ));
        }
        if !self.unbound_signals.is_empty() {
            let n = self.unbound_signals.len();
            let ids = first_names(self.unbound_signals.iter().map(SignalId::as_str), n);
            let noun = plural(n, "signal", "signals");
            out.push_str(&format!("{n} {noun} not shown on any asset: {ids}\n"));
        }
        let (errors, warnings) = (self.count(Severity::Error), self.count(Severity::Warning));
        let verdict = if errors > 0 {
            "check failed"
        } else {
            "check passed"
        };
        out.push_str(&format!(
            "{verdict}: {errors} {}, {warnings} {}\n",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings")
        ));
        out
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Checks a parsed scene against its model's nodes (see the module docs for the list).
pub fn check_scene(scene: &Scene, nodes: &[ModelNode]) -> CheckReport {
    let mut check = Checker::new(scene, nodes);
    check.signals_declared_once();
    check.bindings();
    // A signal that feeds a derived signal or an alarm's suppression is in use even when no
    // asset lists it (e.g. `M-101.stopped` only suppresses a vibration alarm).
    check
        .used
        .extend(scene.derived.iter().flat_map(|d| d.expr.inputs()));
    check
        .used
        .extend(scene.alarms.iter().filter_map(|a| a.suppress_when.as_ref()));
    check.motions();
    check.scenarios_and_colliders();
    let unbound_signals = check.unused_signals();
    check.topics();
    check.alarms();

    let mut seen = HashSet::new();
    let unbound_assets = nodes
        .iter()
        .filter(|n| n.is_asset && !n.name.is_empty() && !check.bound.contains_key(n.name.as_str()))
        .filter(|n| seen.insert(n.name.as_str()))
        .map(|n| n.name.clone())
        .collect();
    let mut diagnostics = check.diagnostics;
    diagnostics.sort_by(|a, b| a.location.cmp(&b.location));
    CheckReport {
        diagnostics,
        unbound_assets,
        unbound_signals,
    }
}

/// What the checks share while they walk the scene.
struct Checker<'a> {
    scene: &'a Scene,
    nodes: &'a [ModelNode],
    diagnostics: Vec<Diagnostic>,
    /// Each declared signal's first declaration.
    declared: HashMap<&'a SignalId, &'a Location>,
    declared_ids: Vec<&'a str>,
    model_names: HashSet<&'a str>,
    /// Bound nodes and their (first) binding.
    bound: HashMap<&'a str, &'a Location>,
    /// Signals that something shows, moves, derives from or reads.
    used: HashSet<&'a SignalId>,
}

impl<'a> Checker<'a> {
    fn new(scene: &'a Scene, nodes: &'a [ModelNode]) -> Self {
        Self {
            scene,
            nodes,
            diagnostics: Vec::new(),
            declared: HashMap::new(),
            declared_ids: scene.signals.iter().map(|s| s.id.as_str()).collect(),
            model_names: nodes.iter().map(|n| n.name.as_str()).collect(),
            bound: HashMap::new(),
            used: HashSet::new(),
        }
    }

    fn push(&mut self, severity: Severity, location: &Location, key: String, message: String) {
        self.diagnostics.push(Diagnostic {
            severity,
            location: location.clone(),
            key,
            message,
        });
    }

    fn undeclared(&self, id: &SignalId) -> String {
        let hint = suggestion(id.as_str(), self.declared_ids.iter().copied());
        format!("signal `{id}` is not declared in [[signals]]{hint}")
    }

    fn not_in_model(&self, node: &str) -> String {
        let names = self
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .filter(|n| !n.is_empty());
        let hint = suggestion(node, names);
        format!(
            "node `{node}` is not in the model {}{hint}",
            self.scene.model_path.display()
        )
    }

    /// An error at `location` unless the model has `node`.
    fn node_in_model(&mut self, node: &str, location: &Location, key: String) {
        if !self.model_names.contains(node) {
            let message = self.not_in_model(node);
            self.push(Severity::Error, location, key, message);
        }
    }

    /// Marks `id` used; an error unless it is declared.
    fn signal_declared(&mut self, id: &'a SignalId, location: &Location, key: String) {
        self.used.insert(id);
        if !self.declared.contains_key(id) {
            let message = self.undeclared(id);
            self.push(Severity::Error, location, key, message);
        }
    }

    /// Signals declared twice.
    fn signals_declared_once(&mut self) {
        let scene = self.scene;
        for (i, spec) in scene.signals.iter().enumerate() {
            if let Some(first) = self.declared.get(&spec.id) {
                let message = format!(
                    "signal `{}` is declared twice (first at line {})",
                    spec.id, first.line
                );
                self.push(
                    Severity::Error,
                    &spec.location,
                    format!("signals[{i}].id"),
                    message,
                );
            } else {
                self.declared.insert(&spec.id, &spec.location);
            }
        }
    }

    /// Bindings: each node once and in the model, declared signals, the rule's signal shown.
    fn bindings(&mut self) {
        let scene = self.scene;
        for (i, binding) in scene.bindings.iter().enumerate() {
            let node_key = format!("bindings[{i}].node");
            if let Some(first) = self.bound.get(binding.node.as_str()) {
                let message = format!(
                    "node `{}` is bound twice (first binding at line {})",
                    binding.node, first.line
                );
                self.push(Severity::Error, &binding.location, node_key, message);
            } else {
                self.bound.insert(&binding.node, &binding.location);
                self.node_in_model(&binding.node, &binding.location, node_key);
            }
            for (id, location) in binding.signals.iter().zip(&binding.signal_locations) {
                self.signal_declared(id, location, format!("bindings[{i}].signals"));
            }
            if let (Some(rule), Some(location)) = (&binding.rule, &binding.rule_signal_location) {
                self.used.insert(&rule.signal);
                let key = format!("bindings[{i}].rule.signal");
                if !self.declared.contains_key(&rule.signal) {
                    let message = self.undeclared(&rule.signal);
                    self.push(Severity::Error, location, key, message);
                } else if !binding.signals.contains(&rule.signal) {
                    let message = format!(
                        "rule colours by `{}`, which is not in this binding's `signals`; \
                         add it there so its value is shown",
                        rule.signal
                    );
                    self.push(Severity::Warning, location, key, message);
                }
            }
        }
    }

    /// Motions move model nodes (usually parts, `TAG/part`) by declared signals; a signal that
    /// moves something counts as shown.
    fn motions(&mut self) {
        let scene = self.scene;
        for (i, motion) in scene.motions.iter().enumerate() {
            self.node_in_model(&motion.node, &motion.location, format!("motion[{i}].node"));
            for (id, location, key) in motion.signals() {
                self.signal_declared(id, location, format!("motion[{i}].{key}"));
            }
        }
    }

    /// Scenarios and collider choices name model nodes; scenario inputs read declared signals
    /// (reading one counts as using it).
    fn scenarios_and_colliders(&mut self) {
        let scene = self.scene;
        for scenario in &scene.scenarios {
            for node in super::check_scenarios::scenario_nodes(scenario) {
                self.node_in_model(node.name, node.location, node.key);
            }
            for signal in super::check_scenarios::scenario_signals(scenario) {
                self.signal_declared(signal.name, signal.location, signal.key);
            }
        }
        for (i, choice) in scene.colliders.iter().enumerate() {
            self.node_in_model(
                &choice.node,
                &choice.location,
                format!("colliders[{i}].node"),
            );
        }
    }

    /// Declared signals nothing shows, moves or reads: a warning each; returns them.
    fn unused_signals(&mut self) -> Vec<SignalId> {
        let mut unbound_signals = Vec::new();
        let scene = self.scene;
        for (i, spec) in scene.signals.iter().enumerate() {
            let first_declaration = self
                .declared
                .get(&spec.id)
                .is_some_and(|l| *l == &spec.location);
            if first_declaration && !self.used.contains(&spec.id) {
                let message = format!("signal `{}` is not shown on any asset", spec.id);
                self.push(
                    Severity::Warning,
                    &spec.location,
                    format!("signals[{i}].id"),
                    message,
                );
                unbound_signals.push(spec.id.clone());
            }
        }
        unbound_signals
    }

    /// Topic mappings whose signal templates can fill no declared signal feed nothing visible.
    fn topics(&mut self) {
        let scene = self.scene;
        for (i, (mapping, location)) in scene
            .topics
            .mappings()
            .iter()
            .zip(&scene.topic_locations)
            .enumerate()
        {
            for template in mapping.signal_templates() {
                if !self
                    .declared_ids
                    .iter()
                    .any(|id| template.could_produce(id))
                {
                    let message = format!(
                        "topic `{}` can produce no declared signal; its values will be listed as undeclared",
                        mapping.pattern
                    );
                    self.push(Severity::Warning, location, format!("topics[{i}]"), message);
                }
            }
        }
    }

    /// Alarms: unique labels, declared signals, an asset to show them on.
    fn alarms(&mut self) {
        let scene = self.scene;
        let mut labels: HashMap<&str, &Location> = HashMap::new();
        for (spec, location) in scene.alarms.iter().zip(&scene.alarm_locations) {
            let key = "alarms".to_owned();
            if let Some(first) = labels.insert(&spec.label, location) {
                let message = format!(
                    "alarm `{}` is configured twice (first at line {})",
                    spec.label, first.line
                );
                self.push(Severity::Error, location, key.clone(), message);
            }
            for id in [Some(&spec.signal), spec.suppress_when.as_ref()]
                .into_iter()
                .flatten()
            {
                if !self.declared.contains_key(id) {
                    let message = format!("alarm `{}`: {}", spec.label, self.undeclared(id));
                    self.push(Severity::Warning, location, key.clone(), message);
                }
            }
            let message = match &spec.asset {
                Some(asset) if !self.bound.contains_key(asset.as_str()) => format!(
                    "alarm `{}` belongs to `{asset}`, which no binding shows",
                    spec.label
                ),
                Some(_) => continue,
                None => format!(
                    "alarm `{}`: no binding lists `{}`; add `asset = \"TAG\"` to show it in 3D",
                    spec.label, spec.signal
                ),
            };
            self.push(Severity::Warning, location, key, message);
        }
    }
}

/// `; did you mean `X`?` for the closest candidate, or an empty string when nothing is close.
///
/// Names are compared case-insensitively after folding look-alike characters (`l`/`I` → `1`,
/// `O` → `0`, `_` → `-`), so `P-10l` suggests `P-101` rather than `P-102`.
fn suggestion<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let fold = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .map(|c| match c {
                'l' | 'i' | '|' => '1',
                'o' => '0',
                '_' | ' ' => '-',
                c => c,
            })
            .collect()
    };
    let (wanted_lower, wanted_folded) = (wanted.to_lowercase(), fold(wanted));
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let mut score =
            strsim::normalized_damerau_levenshtein(&wanted_lower, &candidate.to_lowercase());
        if fold(candidate) == wanted_folded {
            score += 1.0;
        }
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    match best {
        Some((score, name)) if score >= 0.5 => format!("; did you mean `{name}`?"),
        _ => String::new(),
    }
}

/// Names listed in a summary line before "… and N more": a generated plant can leave
/// hundreds of thousands unbound, and one line of all of them helps nobody.
const LISTED_NAMES: usize = 30;

/// The first [`LISTED_NAMES`] of `n` names, comma-separated, and how many were left out.
fn first_names<'a>(names: impl Iterator<Item = &'a str>, n: usize) -> String {
    let listed: Vec<&str> = names.take(LISTED_NAMES).collect();
    let more = n.saturating_sub(listed.len());
    let mut text = listed.join(", ");
    if more > 0 {
        text.push_str(&format!(", … and {more} more"));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_name_lists_are_cut_with_a_count() {
        let names: Vec<String> = (0..100).map(|i| format!("A{i}")).collect();
        let text = super::first_names(names.iter().map(String::as_str), names.len());
        assert!(text.starts_with("A0, A1, "), "{text}");
        assert!(text.ends_with("A29, … and 70 more"), "{text}");
        assert_eq!(super::first_names(["x", "y"].into_iter(), 2), "x, y");
    }
}
