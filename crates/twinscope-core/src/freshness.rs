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
}
