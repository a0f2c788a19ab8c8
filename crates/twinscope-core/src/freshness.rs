//! Whether a value still describes the plant: an asset whose data stopped (connection lost,
//! publisher silent) must look stale, not frozen at its last value.
//!
//! Judged at the view time, so it will follow the time cursor: a value is stale when its source
//! was disconnected at that time, or when no sample arrived for [`stale_after`] of its period.

use crate::signal::Timestamp;

/// Periods a signal may miss before it counts as stale (a late sample is not yet a dead one).
pub(crate) const MISSED_PERIODS: f64 = 3.0;
/// Shortest silence that counts as stale, so fast signals do not flicker on a busy frame.
pub(crate) const MIN_STALE_AFTER_S: f64 = 2.0;

/// Seconds of silence after which a signal with update period `period_s` is stale.
pub fn stale_after(period_s: f64) -> f64 {
    (MISSED_PERIODS * period_s).max(MIN_STALE_AFTER_S)
}

/// Whether the source feeding the twin is connected (MQTT state; always up for in-process
/// sources).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum LinkState {
    /// Connected: values are as fresh as their timestamps say.
    #[default]
    Up,
    /// Lost at this time: every value received before it is stale from then on.
    Down {
        /// When the connection was seen lost.
        since: Timestamp,
    },
}

/// A change of the source's connection, as recorded: written into recordings (their link
/// channel) so a replay can tell a dead link from a quiet signal.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkEvent {
    /// When the change was seen (wall clock of the receiving machine).
    pub time: Timestamp,
    /// Connected from this time on (`true`) or lost (`false`).
    pub connected: bool,
    /// Words for people: the error that ended the connection, or where it connected.
    pub detail: String,
}

/// A span in which the source was disconnected; `to` is `None` while it still is (or when a
/// recording ended before the link came back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// When the connection was seen lost.
    pub from: Timestamp,
    /// When it was back, if it came back.
    pub to: Option<Timestamp>,
}

/// Every outage of the source so far, oldest first, so the link can be judged at any view
/// time: scrubbing back into an outage shows its values as stale, live or replayed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkHistory {
    outages: Vec<Outage>,
}

impl LinkHistory {
    /// The history a recording's link events describe (in any order; repeats are ignored).
    pub fn from_events(events: &[LinkEvent]) -> Self {
        let mut sorted: Vec<&LinkEvent> = events.iter().collect();
        sorted.sort_by_key(|e| e.time);
        let mut history = Self::default();
        for event in sorted {
            if event.connected {
                history.restored(event.time);
            } else {
                history.lost(event.time);
            }
        }
        history
    }

    /// The connection was lost at `at` (ignored while already down).
    pub fn lost(&mut self, at: Timestamp) {
        if !self.is_down() {
            self.outages.push(Outage { from: at, to: None });
        }
    }

    /// The connection is back at `at` (ignored while up).
    pub fn restored(&mut self, at: Timestamp) {
        if let Some(last) = self.outages.last_mut()
            && last.to.is_none()
        {
            last.to = Some(at.max(last.from));
        }
    }

    /// Whether the latest outage is still open.
    pub fn is_down(&self) -> bool {
        self.outages.last().is_some_and(|o| o.to.is_none())
    }

    /// The outages, oldest first.
    pub fn outages(&self) -> &[Outage] {
        &self.outages
    }

    /// The link as it was at `time`: down from an outage's start until (not including) its end.
    pub fn at(&self, time: Timestamp) -> LinkState {
        // Outages are sorted and disjoint: the last one starting at or before `time`.
        let started = self.outages.partition_point(|o| o.from <= time);
        match started.checked_sub(1).map(|i| self.outages[i]) {
            Some(Outage { from, to }) if to.is_none_or(|to| time < to) => {
                LinkState::Down { since: from }
            }
            _ => LinkState::Up,
        }
    }
}

/// Why a value is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaleCause {
    /// The source's connection is down.
    ConnectionLost,
    /// The source is connected but this signal stopped arriving.
    Silent,
}

/// How current an asset's value is at the view time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Freshness {
    /// Nothing has arrived yet (or the asset has no rule to judge).
    #[default]
    NoData,
    /// Within its expected period.
    Fresh,
    /// Out of date.
    Stale {
        /// Seconds since the value's sample, at the view time.
        age_s: f64,
        /// Why.
        cause: StaleCause,
    },
}

impl Freshness {
    /// True for [`Freshness::Stale`].
    pub fn is_stale(&self) -> bool {
        matches!(self, Freshness::Stale { .. })
    }
}

/// Judges a value sampled at `sample_time` (if any) at `view_time`.
pub fn freshness(
    sample_time: Option<Timestamp>,
    view_time: Timestamp,
    stale_after_s: f64,
    link: LinkState,
) -> Freshness {
    let Some(sample_time) = sample_time else {
        return Freshness::NoData;
    };
    let age_s = (view_time.0.saturating_sub(sample_time.0)) as f64 / 1e9;
    match link {
        LinkState::Down { since } if since <= view_time => Freshness::Stale {
            age_s,
            cause: StaleCause::ConnectionLost,
        },
        _ if age_s > stale_after_s => Freshness::Stale {
            age_s,
            cause: StaleCause::Silent,
        },
        _ => Freshness::Fresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn values_go_stale_when_silent_or_disconnected() {
        let now = Timestamp(100 * S);
        assert_eq!(stale_after(1.0), 3.0);
        assert_eq!(stale_after(0.1), MIN_STALE_AFTER_S);
        assert_eq!(freshness(None, now, 3.0, LinkState::Up), Freshness::NoData);
        assert_eq!(
            freshness(Some(Timestamp(98 * S)), now, 3.0, LinkState::Up),
            Freshness::Fresh
        );
        assert_eq!(
            freshness(Some(Timestamp(90 * S)), now, 3.0, LinkState::Up),
            Freshness::Stale {
                age_s: 10.0,
                cause: StaleCause::Silent
            }
        );
        let lost = LinkState::Down {
            since: Timestamp(99 * S),
        };
        assert_eq!(
            freshness(Some(Timestamp(99 * S)), now, 3.0, lost),
            Freshness::Stale {
                age_s: 1.0,
                cause: StaleCause::ConnectionLost
            },
            "a dead connection makes even a recent value stale"
        );
        let lost_later = LinkState::Down {
            since: Timestamp(200 * S),
        };
        assert_eq!(
            freshness(Some(Timestamp(99 * S)), now, 3.0, lost_later),
            Freshness::Fresh,
            "looking at a time before the loss"
        );
    }

    #[test]
    fn the_link_is_judged_at_the_view_time_from_its_outages() {
        let t = |s: i64| Timestamp(s * S);
        let event = |s: i64, connected: bool| LinkEvent {
            time: t(s),
            connected,
            detail: String::new(),
        };
        // Out of order, with a repeated loss and a restore before any loss.
        let history = LinkHistory::from_events(&[
            event(5, true),
            event(30, false),
            event(10, false),
            event(12, false),
            event(20, true),
        ]);
        assert_eq!(
            history.outages(),
            [
                Outage {
                    from: t(10),
                    to: Some(t(20))
                },
                Outage {
                    from: t(30),
                    to: None
                }
            ]
        );
        assert_eq!(history.at(t(9)), LinkState::Up);
        assert_eq!(history.at(t(10)), LinkState::Down { since: t(10) });
        assert_eq!(history.at(t(19)), LinkState::Down { since: t(10) });
        assert_eq!(history.at(t(20)), LinkState::Up, "back at its end");
        assert_eq!(history.at(t(29)), LinkState::Up);
        assert_eq!(history.at(t(1000)), LinkState::Down { since: t(30) });
        assert!(history.is_down());
    }
}
