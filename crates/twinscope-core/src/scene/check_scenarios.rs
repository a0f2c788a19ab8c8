//! `twinscope check` for scenarios and collider choices: every node they name must be in the
//! model, every signal an input reads must be declared.

use super::Location;
use crate::scenario::{DriverSpec, EventAction, InputSource, Placement, Region, ScenarioSpec};
use crate::signal::SignalId;

/// A name a scenario refers to, where it is written and its key path for the message.
pub(super) struct Reference<'a, T: ?Sized> {
    /// The node name or signal id.
    pub(super) name: &'a T,
    /// Where it is written (the enclosing table's name when the value has no own location).
    pub(super) location: &'a Location,
    /// Key path, e.g. `scenarios["conveyor jam"].zones[1].node`.
    pub(super) key: String,
}

/// The model nodes a scenario names: placements, conveyors, zones, its line and obstacles.
pub(super) fn scenario_nodes(spec: &ScenarioSpec) -> Vec<Reference<'_, str>> {
    let s = format!("scenarios[{:?}]", spec.name);
    let mut out = Vec::new();
    fn reference<'a>(name: &'a str, location: &'a Location, key: String) -> Reference<'a, str> {
        Reference {
            name,
            location,
            key,
        }
    }
    for (i, body) in spec.bodies.iter().enumerate() {
        if let Placement::Node { node, .. } = &body.placement {
            out.push(reference(
                node,
                &body.location,
                format!("{s}.bodies[{i}].node"),
            ));
        }
    }
    let conveyors = spec.drivers.iter().filter_map(|d| match d {
        DriverSpec::Conveyor { node, location, .. } => Some((node, location)),
        DriverSpec::Path { .. } => None,
    });
    for (i, (node, location)) in conveyors.enumerate() {
        out.push(reference(
            node,
            location,
            format!("{s}.conveyors[{i}].node"),
        ));
    }
    for (i, zone) in spec.zones.iter().enumerate() {
        if let Region::Node { node, .. } = &zone.region {
            out.push(reference(
                node,
                &zone.location,
                format!("{s}.zones[{i}].node"),
            ));
        }
    }
    if let Some(Region::Node { node, .. }) = &spec.line {
        out.push(reference(node, &spec.location, format!("{s}.line.node")));
    }
    for (i, obstacle) in spec.obstacles.iter().enumerate() {
        if let Placement::Node { node, .. } = &obstacle.placement {
            out.push(reference(
                node,
                &spec.location,
                format!("{s}.obstacles[{i}].node"),
            ));
        }
    }
    for (i, event) in spec.events.iter().enumerate() {
        if let EventAction::Block(obstacle) = &event.action
            && let Placement::Node { node, .. } = &obstacle.placement
        {
            let key = format!("{s}.events[{i}].block.node");
            out.push(reference(node, &event.location, key));
        }
    }
    out
}

/// The signals a scenario's inputs read.
pub(super) fn scenario_signals(spec: &ScenarioSpec) -> Vec<Reference<'_, SignalId>> {
    spec.inputs
        .iter()
        .filter_map(|input| match &input.source {
            InputSource::Signal { signal, .. } => Some(Reference {
                name: signal,
                location: &input.location,
                key: format!("scenarios[{:?}].inputs.{}.signal", spec.name, input.name),
            }),
            InputSource::Value(_) => None,
        })
        .collect()
}
