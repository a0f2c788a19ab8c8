//! What the headless recorder says about its MQTT link: every state change as it happens, and
//! at exit the reconnects, outages, waits and bad payloads, so a run that lost data never ends
//! quietly.

use crate::mqtt::{ConnectionState, MqttStatus, lock};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use twinscope_core::freshness::{LinkEvent, LinkHistory};
use twinscope_core::signal::Timestamp;

/// Watches the client's status from the record loop.
pub(crate) struct LinkWatch {
    status: Arc<Mutex<MqttStatus>>,
    /// The state last reported, in words (so a new error text is a change too).
    last: String,
    /// Every link change so far: the first connection, then each loss and return. The exit
    /// summary's outages are read from them, so they are the ones in the recording.
    events: Vec<LinkEvent>,
    /// How many of `events` have been handed out to be written.
    written: usize,
    started: Instant,
}

impl LinkWatch {
    pub(crate) fn new(status: Arc<Mutex<MqttStatus>>) -> Self {
        Self {
            status,
            last: String::new(),
            events: Vec::new(),
            written: 0,
            started: Instant::now(),
        }
    }

    /// Reports a state change on stderr; returns an error that should stop the recording: the
    /// broker refused the credentials or TLS before any connection succeeded (retrying cannot
    /// help).
    pub(crate) fn poll(&mut self) -> Option<String> {
        // Only the state and the count: the per-topic table (up to `max_signals` entries) is
        // not copied ten times a second.
        let (state, connections) = {
            let status = lock(&self.status);
            (status.state.clone(), status.connections)
        };
        let (words, connected) = match &state {
            ConnectionState::Connecting => ("connecting".to_owned(), false),
            ConnectionState::Connected => ("connected".to_owned(), true),
            ConnectionState::Reconnecting { error, .. } => {
                (format!("connection lost or refused: {error}"), false)
            }
        };
        if words != self.last {
            eprintln!(
                "record: {:>7.1} s  {words}",
                self.started.elapsed().as_secs_f64()
            );
            self.note_change(connected, connections, Timestamp::now(), &words);
            self.last = words;
        }
        match &state {
            ConnectionState::Reconnecting { error, .. }
                if connections == 0 && is_refusal(error) =>
            {
                Some(format!("the broker refused the connection: {error}"))
            }
            _ => None,
        }
    }

    /// Notes a link event when the link came up, or went down after having been up (waiting
    /// for a first connection is not an outage: there was nothing to lose yet).
    fn note_change(&mut self, connected: bool, connections: u64, now: Timestamp, words: &str) {
        let last = self.events.last().map(|e| e.connected);
        let changed = if connected {
            last != Some(true)
        } else {
            connections > 0 && last != Some(false)
        };
        if changed {
            self.events.push(LinkEvent {
                time: now,
                connected,
                detail: words.to_owned(),
            });
        }
    }

    /// The link changes seen since the last call, to write into the recording.
    pub(crate) fn take_events(&mut self) -> Vec<LinkEvent> {
        let new = self.events[self.written..].to_vec();
        self.written = self.events.len();
        new
    }

    /// The outages so far, the one still open ending now.
    fn outages(&self) -> Vec<(Timestamp, Timestamp)> {
        let now = Timestamp::now();
        LinkHistory::from_events(&self.events)
            .outages()
            .iter()
            .map(|outage| (outage.from, outage.to.unwrap_or(now)))
            .collect()
    }

    /// Whether the link ever came up.
    pub(crate) fn ever_connected(&self) -> bool {
        lock(&self.status).connections > 0
    }

    /// The last error the client saw, if it is not connected.
    pub(crate) fn last_error(&self) -> Option<String> {
        match &lock(&self.status).state {
            ConnectionState::Reconnecting { error, .. } => Some(error.clone()),
            _ => None,
        }
    }

    /// Whether anything was lost or refused: an outage, samples over the signal limit, or bad
    /// payloads.
    pub(crate) fn lost_anything(&self) -> bool {
        let status = lock(&self.status);
        self.events.iter().any(|e| !e.connected)
            || status.samples_over_signal_limit > 0
            || status.topics.values().any(|t| t.errors > 0)
    }

    /// The exit summary: reconnects, outages, backpressure, per-topic errors, unbound topics.
    pub(crate) fn summary(&self) -> String {
        let outages = self.outages();
        let status = lock(&self.status).clone();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "link: {} connection(s), {} reconnect(s), {} outage(s), {} backpressure wait(s)",
            status.connections,
            status.connections.saturating_sub(1),
            outages.len(),
            status.backpressure_waits
        );
        for (from, to) in &outages {
            let _ = writeln!(
                out,
                "  outage {} → {} ({:.1} s): samples published meanwhile arrive only with a \
                 persistent session at QoS ≥ 1",
                twinscope_core::recording::format_utc(*from),
                twinscope_core::recording::format_utc(*to),
                to.secs_since(*from)
            );
        }
        for (topic, stats) in status.topics.iter().filter(|(_, s)| s.errors > 0) {
            let _ = writeln!(
                out,
                "  {topic}: {} bad payload(s) of {} message(s); last: {}",
                stats.errors,
                stats.messages,
                stats.last_error.as_deref().unwrap_or("-")
            );
        }
        if !status.unmatched.is_empty() {
            let messages: u64 = status.unmatched.values().sum();
            let _ = writeln!(
                out,
                "  {} topic(s) bound to no signal ({messages} message(s) not recorded), e.g. {}",
                status.unmatched.len(),
                status.unmatched.keys().next().map_or("-", String::as_str)
            );
        }
        if status.samples_over_signal_limit > 0 {
            let _ = writeln!(
                out,
                "  {} sample(s) of new signals dropped past [mqtt] max_signals = {}",
                status.samples_over_signal_limit, status.max_signals
            );
        }
        out
    }
}

/// Whether an error is the broker (or TLS) saying no, not a network hiccup: a ConnAck with a
/// refusal code (bad credentials, not authorised) or a failed TLS handshake. A closed port
/// ("Connection refused (os error 111)") is not: the broker may still come up.
fn is_refusal(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    [
        "return code",
        "not authorized",
        "notauthorized",
        "bad user name",
        "badusernamepassword",
        "certificate",
        "tls",
        "handshake",
    ]
    .iter()
    .any(|word| error.contains(word))
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_are_told_from_hiccups() {
        for refusal in [
            "Connection refused, return code: `NotAuthorized`",
            "Connection refused, return code: `BadUserNamePassword`",
            "TLS: invalid peer certificate: UnknownIssuer",
        ] {
            assert!(super::is_refusal(refusal), "{refusal}");
        }
        for hiccup in [
            "I/O: Connection refused (os error 111)",
            "I/O: connection reset by peer",
        ] {
            assert!(!super::is_refusal(hiccup), "{hiccup}");
        }
    }
}
