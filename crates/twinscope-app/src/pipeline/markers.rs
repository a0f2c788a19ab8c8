//! Timeline markers: events from every domain (a connection lost, a recording started, an
//! alarm, a what-if event), shown by the timeline panel.

use bevy::prelude::*;
use twinscope_core::signal::Timestamp;
use twinscope_core::theme;

/// Something worth a mark on the timeline: a connection lost, a recording started, an alarm,
/// a what-if event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marker {
    /// When it happened.
    pub(crate) time: Timestamp,
    /// Short text for the hover.
    pub(crate) label: String,
    /// What kind, for the colour.
    pub(crate) kind: MarkerKind,
}

/// Kinds of timeline markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkerKind {
    /// The source connection went down.
    ConnectionLost,
    /// The source connection came back.
    ConnectionRestored,
    /// Recording started or stopped.
    Recording,
    /// A process alarm activated (coloured by its priority).
    Alarm(twinscope_core::alarms::AlarmPriority),
    /// Something in a loaded what-if scenario (coloured by what happened).
    Scenario(ScenarioMarker),
}

impl MarkerKind {
    /// The marker's colour on the timeline (sRGB).
    pub(crate) fn color(self) -> [u8; 3] {
        match self {
            MarkerKind::ConnectionLost => theme::ATTENTION_RGB,
            MarkerKind::ConnectionRestored => theme::RESTORED_RGB,
            MarkerKind::Recording => theme::RECORDING_MARKER_RGB,
            MarkerKind::Alarm(priority) => priority.color(),
            MarkerKind::Scenario(kind) => kind.color(),
        }
    }
}

/// What a scenario marker marks, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ScenarioMarker {
    /// The scenario's start T0 or its end.
    Span,
    /// A scripted event took effect (a conveyor stopped, a load released).
    Scripted,
    /// A body entered a hazard zone.
    ZoneEntry,
    /// A body hit something hard enough to count.
    Impact,
    /// A body left the line (spilled).
    OffLine,
}

impl ScenarioMarker {
    /// The marker's colour (sRGB): the what-if violet for the span, warm colours for harm.
    pub(crate) fn color(self) -> [u8; 3] {
        match self {
            ScenarioMarker::Span => theme::WHAT_IF_RGB,
            ScenarioMarker::Scripted => theme::SCRIPTED_RGB,
            ScenarioMarker::ZoneEntry => theme::ZONE_ENTRY_RGB,
            ScenarioMarker::Impact => theme::IMPACT_RGB,
            ScenarioMarker::OffLine => theme::OFF_LINE_RGB,
        }
    }
}

/// Events shown as markers on the timeline, in time order.
#[derive(Resource, Debug, Default)]
pub(crate) struct Markers(pub Vec<Marker>);

impl Markers {
    /// Adds a marker, keeping time order.
    pub(crate) fn add(&mut self, time: Timestamp, kind: MarkerKind, label: impl Into<String>) {
        let at = self.0.partition_point(|m| m.time <= time);
        self.0.insert(
            at,
            Marker {
                time,
                label: label.into(),
                kind,
            },
        );
    }
}
