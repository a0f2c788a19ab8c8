//! The time cursor: one time for the whole scene, following live, paused or playing.
//!
//! Modelled on Rerun's time panel: playing advances by `min(dt, 0.1 s) × speed`, so a slow
//! frame never makes the cursor jump; playing forward into the live edge *waits* there (and
//! moves on as new data arrives) rather than stopping; a loop range wraps playback in either
//! direction. Plain Rust: the Bevy adapter feeds it frame times and keys.

use crate::signal::Timestamp;

/// Slowest playback speed offered.
pub(crate) const MIN_SPEED: f64 = 0.1;
/// Fastest playback speed offered.
pub(crate) const MAX_SPEED: f64 = 1000.0;
/// Longest frame time one tick advances by, so a stalled frame does not leap ahead.
pub(crate) const MAX_TICK_S: f64 = 0.1;
/// Speeds the UI and the `[` / `]` keys step through.
pub const SPEED_STEPS: [f64; 11] = [
    0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 300.0, 1000.0,
];

const NANOS_PER_SEC: f64 = 1e9;

/// What the cursor does each frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CursorMode {
    /// Stays at the live edge: the newest data is shown as it arrives.
    Following,
    /// Stays where it is while data keeps arriving.
    Paused,
    /// Moves through history at the playback speed.
    Playing,
}

/// The span the cursor may move in: from the oldest data held to the live edge (the wall
/// clock for live sources, the end of a recording for replay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeBounds {
    /// Oldest time with data.
    pub start: Timestamp,
    /// The present: nothing later can be shown.
    pub live_edge: Timestamp,
}

impl TimeBounds {
    /// Clamps `time` into the bounds (the live edge wins if they are inverted).
    pub fn clamp(&self, time: Timestamp) -> Timestamp {
        Timestamp(time.0.max(self.start.0).min(self.live_edge.0))
    }
}

/// One time for the whole scene and how it moves.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeCursor {
    mode: CursorMode,
    time: Timestamp,
    speed: f64,
    reverse: bool,
    loop_range: Option<(Timestamp, Timestamp)>,
    waiting: bool,
}

impl TimeCursor {
    /// A cursor following live data, starting at `live_edge`.
    pub fn following(live_edge: Timestamp) -> Self {
        Self {
            mode: CursorMode::Following,
            time: live_edge,
            speed: 1.0,
            reverse: false,
            loop_range: None,
            waiting: false,
        }
    }

    /// A cursor paused at `time` (replay opens this way).
    pub fn paused_at(time: Timestamp) -> Self {
        Self {
            mode: CursorMode::Paused,
            ..Self::following(time)
        }
    }

    /// The current mode.
    pub fn mode(&self) -> CursorMode {
        self.mode
    }

    /// The cursor time.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// True while following the live edge.
    pub fn is_following(&self) -> bool {
        self.mode == CursorMode::Following
    }

    /// Playback speed (always positive; see [`TimeCursor::is_reverse`]).
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// True when playback runs backwards.
    pub fn is_reverse(&self) -> bool {
        self.reverse
    }

    /// The range playback loops over, if any.
    pub fn loop_range(&self) -> Option<(Timestamp, Timestamp)> {
        self.loop_range
    }

    /// True when playing forward has caught up with the live edge and waits for data.
    pub fn is_waiting_at_live_edge(&self) -> bool {
        self.waiting
    }

    /// Advances by one frame of `real_dt_s` seconds within `bounds`.
    pub fn tick(&mut self, real_dt_s: f64, bounds: TimeBounds) {
        match self.mode {
            CursorMode::Following => {
                self.time = bounds.live_edge;
                self.waiting = false;
            }
            CursorMode::Paused => {
                self.waiting = false;
            }
            CursorMode::Playing => self.play_tick(real_dt_s, bounds),
        }
    }

    fn play_tick(&mut self, real_dt_s: f64, bounds: TimeBounds) {
        let dt = real_dt_s.clamp(0.0, MAX_TICK_S);
        let direction = if self.reverse { -1.0 } else { 1.0 };
        let step = (dt * self.speed * direction * NANOS_PER_SEC) as i64;
        let next = self.time.0.saturating_add(step);
        if let Some((start, end)) = self.effective_loop(bounds) {
            self.waiting = false;
            let span = (end.0 - start.0).max(1);
            self.time = if next > end.0 {
                Timestamp(start.0 + (next - end.0 - 1).rem_euclid(span))
            } else if next < start.0 {
                Timestamp(end.0 - (start.0 - next - 1).rem_euclid(span))
            } else {
                Timestamp(next)
            };
            return;
        }
        if next >= bounds.live_edge.0 && !self.reverse {
            // Rerun's behaviour: wait at the live edge for more data instead of stopping.
            self.time = bounds.live_edge;
            self.waiting = true;
        } else if next <= bounds.start.0 && self.reverse {
            self.time = bounds.start;
            self.waiting = false;
            self.mode = CursorMode::Paused;
        } else {
            self.time = Timestamp(next);
            self.waiting = false;
        }
    }

    /// The loop range clipped to the bounds, when it still spans some time.
    fn effective_loop(&self, bounds: TimeBounds) -> Option<(Timestamp, Timestamp)> {
        let (start, end) = self.loop_range?;
        let (start, end) = (bounds.clamp(start), bounds.clamp(end));
        (end > start).then_some((start, end))
    }

    /// Space: from live or paused, play; while playing, pause where it is.
    pub fn toggle_play(&mut self, bounds: TimeBounds) {
        match self.mode {
            CursorMode::Playing => self.pause(),
            CursorMode::Following => {
                // Playing forward from the live edge would only wait there: pause instead.
                self.time = bounds.live_edge;
                self.pause();
            }
            CursorMode::Paused => self.play(bounds),
        }
    }

    /// Starts playing from the cursor (from the loop start when outside the loop range).
    pub fn play(&mut self, bounds: TimeBounds) {
        if let Some((start, end)) = self.effective_loop(bounds)
            && !(start..=end).contains(&self.time)
        {
            self.time = if self.reverse { end } else { start };
        }
        self.mode = CursorMode::Playing;
    }

    /// Stops where the cursor is.
    pub fn pause(&mut self) {
        self.mode = CursorMode::Paused;
        self.waiting = false;
    }

    /// Back to following the live edge (the `L` key).
    pub fn follow_live(&mut self, bounds: TimeBounds) {
        self.mode = CursorMode::Following;
        self.time = bounds.live_edge;
        self.waiting = false;
    }

    /// Moves the cursor to `time` (scrubbing): following live stops; playing goes on from
    /// there.
    pub fn seek(&mut self, time: Timestamp, bounds: TimeBounds) {
        self.time = bounds.clamp(time);
        self.waiting = false;
        if self.mode == CursorMode::Following {
            self.mode = CursorMode::Paused;
        }
    }

    /// Steps by `delta_ns` (arrow keys) and pauses.
    pub fn step(&mut self, delta_ns: i64, bounds: TimeBounds) {
        let from = self.time;
        self.pause();
        self.seek(Timestamp(from.0.saturating_add(delta_ns)), bounds);
    }

    /// Sets the playback speed, clamped to 0.1×–1000×.
    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() {
            self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        }
    }

    /// Next faster step in [`SPEED_STEPS`].
    pub fn faster(&mut self) {
        if let Some(&next) = SPEED_STEPS.iter().find(|&&s| s > self.speed * 1.0001) {
            self.speed = next;
        }
    }

    /// Next slower step in [`SPEED_STEPS`].
    pub fn slower(&mut self) {
        if let Some(&next) = SPEED_STEPS.iter().rev().find(|&&s| s < self.speed * 0.9999) {
            self.speed = next;
        }
    }

    /// Plays backwards when `reverse` is true.
    pub fn set_reverse(&mut self, reverse: bool) {
        self.reverse = reverse;
        if reverse {
            self.waiting = false;
        }
    }

    /// Loops playback over `range` (in either order), or stops looping with `None`.
    pub fn set_loop(&mut self, range: Option<(Timestamp, Timestamp)>) {
        self.loop_range = range
            .map(|(a, b)| (a.min(b), a.max(b)))
            .filter(|(a, b)| b > a);
    }
}

/// Parses what a user types to jump in time: an RFC 3339 time (`2026-11-22T09:30:00Z`), a
/// clock time on the live edge's day in the local zone (`09:30`, `09:30:15`; the zone is
/// `local_offset_s` east of UTC), an offset back from the live edge (`-1h`, `-90s`,
/// `-2h30m`, `-1d`), or one ahead of it into the forecast (`+2m`).
pub fn parse_jump_time(
    text: &str,
    live_edge: Timestamp,
    local_offset_s: i32,
) -> Result<Timestamp, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("type a time: 2026-11-22T09:30:00Z, 09:30 or -1h".to_owned());
    }
    if let Some(offset) = text.strip_prefix('-') {
        let nanos = parse_duration_ns(offset)?;
        return Ok(Timestamp(live_edge.0.saturating_sub(nanos)));
    }
    if let Some(offset) = text.strip_prefix('+') {
        let nanos = parse_duration_ns(offset)?;
        return Ok(Timestamp(live_edge.0.saturating_add(nanos)));
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return time
            .timestamp_nanos_opt()
            .map(Timestamp)
            .ok_or_else(|| format!("`{text}` is out of range"));
    }
    if let Ok(clock) = chrono::NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M"))
    {
        let offset = i64::from(local_offset_s) * 1_000_000_000;
        let today =
            chrono::DateTime::from_timestamp_nanos(live_edge.0.saturating_add(offset)).date_naive();
        return today
            .and_time(clock)
            .and_utc()
            .timestamp_nanos_opt()
            .map(|local| Timestamp(local.saturating_sub(offset)))
            .ok_or_else(|| format!("`{text}` is out of range"));
    }
    Err(format!(
        "`{text}` is not a time: use 2026-11-22T09:30:00Z, 09:30 (local, today) or -1h"
    ))
}

/// Parses a span that may be `0` (none), e.g. `--backfill`: `0`, `90s`, `30m`, `2h30m`.
pub fn parse_span(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let nanos = parse_duration_ns(text)?;
    u64::try_from(nanos)
        .map(std::time::Duration::from_nanos)
        .map_err(|_| format!("`{text}` must not be negative"))
}

/// Parses `1h`, `90s`, `2h30m`, `1d`, `500ms` into nanoseconds.
pub(crate) fn parse_duration_ns(text: &str) -> Result<i64, String> {
    let mut total: i64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("empty duration".to_owned());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let number: f64 = number
            .parse()
            .map_err(|_| format!("`{text}`: expected a number before the unit"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ms" => 1e6,
            "s" => 1e9,
            "m" | "min" => 60e9,
            "h" => 3600e9,
            "d" => 86_400e9,
            _ => {
                return Err(format!(
                    "`{text}`: unknown unit `{unit}` (use ms, s, m, h or d)"
                ));
            }
        };
        total = total.saturating_add((number * scale) as i64);
        rest = tail;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    fn bounds(start_s: i64, live_s: i64) -> TimeBounds {
        TimeBounds {
            start: Timestamp(start_s * S),
            live_edge: Timestamp(live_s * S),
        }
    }

    #[test]
    fn following_tracks_the_live_edge() {
        let mut cursor = TimeCursor::following(Timestamp(0));
        cursor.tick(0.016, bounds(0, 100));
        assert_eq!(cursor.time(), Timestamp(100 * S));
        cursor.tick(0.016, bounds(0, 101));
        assert_eq!(cursor.time(), Timestamp(101 * S));
    }

    #[test]
    fn playing_advances_by_capped_frame_time_times_speed() {
        let mut cursor = TimeCursor::paused_at(Timestamp(10 * S));
        cursor.set_speed(10.0);
        cursor.play(bounds(0, 1000));
        cursor.tick(0.05, bounds(0, 1000));
        assert_eq!(cursor.time(), Timestamp(10 * S + S / 2), "0.05 s × 10");
        cursor.tick(2.0, bounds(0, 1000));
        assert_eq!(
            cursor.time(),
            Timestamp(11 * S + S / 2),
            "a 2 s stall counts 0.1 s"
        );
    }

    #[test]
    fn playing_waits_at_the_live_edge_and_moves_on_with_it() {
        let mut cursor = TimeCursor::paused_at(Timestamp(99 * S));
        cursor.set_speed(100.0);
        cursor.play(bounds(0, 100));
        cursor.tick(0.1, bounds(0, 100));
        assert_eq!(cursor.time(), Timestamp(100 * S));
        assert!(cursor.is_waiting_at_live_edge());
        assert_eq!(cursor.mode(), CursorMode::Playing, "waits, does not stop");
        cursor.tick(0.1, bounds(0, 103));
        assert_eq!(cursor.time(), Timestamp(103 * S), "new data: it moves on");
    }

    #[test]
    fn reverse_stops_at_the_oldest_data() {
        let mut cursor = TimeCursor::paused_at(Timestamp(5 * S));
        cursor.set_speed(100.0);
        cursor.set_reverse(true);
        cursor.play(bounds(0, 100));
        cursor.tick(0.1, bounds(0, 100));
        assert_eq!(cursor.time(), Timestamp(0));
        assert_eq!(cursor.mode(), CursorMode::Paused);
    }

    #[test]
    fn loops_wrap_in_both_directions() {
        let b = bounds(0, 1000);
        let mut cursor = TimeCursor::paused_at(Timestamp(500 * S));
        cursor.set_loop(Some((Timestamp(20 * S), Timestamp(10 * S))));
        assert_eq!(
            cursor.loop_range(),
            Some((Timestamp(10 * S), Timestamp(20 * S)))
        );
        cursor.set_speed(30.0);
        cursor.play(b);
        assert_eq!(cursor.time(), Timestamp(10 * S), "starts at the loop start");
        cursor.tick(0.1, b); // 13 s
        cursor.tick(0.1, b); // 16 s
        cursor.tick(0.1, b); // 19 s
        cursor.tick(0.1, b); // 22 s → wraps to 12 s (less one ns)
        assert!(
            (11 * S..13 * S).contains(&cursor.time().0),
            "{:?}",
            cursor.time()
        );
        cursor.set_reverse(true);
        cursor.tick(0.1, b); // 9 s → wraps to 19 s
        assert!((18 * S..20 * S).contains(&cursor.time().0));
        assert!(!cursor.is_waiting_at_live_edge());
    }

    #[test]
    fn keys_space_step_and_live() {
        let b = bounds(0, 100);
        let mut cursor = TimeCursor::following(Timestamp(100 * S));
        cursor.toggle_play(b);
        assert_eq!(cursor.mode(), CursorMode::Paused);
        assert_eq!(cursor.time(), Timestamp(100 * S));
        cursor.step(-S, b);
        assert_eq!(cursor.time(), Timestamp(99 * S));
        cursor.step(-1000 * S, b);
        assert_eq!(cursor.time(), Timestamp(0), "clamped to the oldest data");
        cursor.toggle_play(b);
        assert_eq!(cursor.mode(), CursorMode::Playing);
        cursor.seek(Timestamp(50 * S), b);
        assert_eq!(cursor.mode(), CursorMode::Playing, "seeking keeps playing");
        cursor.follow_live(b);
        assert!(cursor.is_following());
        assert_eq!(cursor.time(), Timestamp(100 * S));
    }

    #[test]
    fn speed_is_clamped_and_stepped() {
        let mut cursor = TimeCursor::following(Timestamp(0));
        cursor.set_speed(5000.0);
        assert_eq!(cursor.speed(), MAX_SPEED);
        cursor.set_speed(0.0);
        assert_eq!(cursor.speed(), MIN_SPEED);
        cursor.set_speed(f64::NAN);
        assert_eq!(cursor.speed(), MIN_SPEED);
        cursor.set_speed(1.0);
        cursor.faster();
        assert_eq!(cursor.speed(), 2.0);
        cursor.slower();
        cursor.slower();
        assert_eq!(cursor.speed(), 0.5);
        cursor.set_speed(1000.0);
        cursor.faster();
        assert_eq!(cursor.speed(), 1000.0);
    }

    #[test]
    fn jump_times_parse() {
        let live = Timestamp(1_795_000_000 * S);
        assert_eq!(
            parse_jump_time("-1h", live, 0),
            Ok(Timestamp(live.0 - 3600 * S))
        );
        assert_eq!(
            parse_jump_time("-2h30m", live, 0),
            Ok(Timestamp(live.0 - 9000 * S))
        );
        assert_eq!(
            parse_jump_time("+2m", live, 0),
            Ok(Timestamp(live.0 + 120 * S))
        );
        assert_eq!(
            parse_jump_time("2026-11-22T09:30:00Z", live, 0),
            Ok(Timestamp(1_795_339_800 * S))
        );
        assert_eq!(
            parse_jump_time("2026-11-22T10:30:00+01:00", live, 0),
            Ok(Timestamp(1_795_339_800 * S))
        );
        let clock = parse_jump_time("09:30", live, 0).map(|t| t.0.rem_euclid(86_400 * S));
        assert_eq!(clock, Ok(34_200 * S), "09:30 UTC");
        let clock = parse_jump_time("09:30", live, 3600).map(|t| t.0.rem_euclid(86_400 * S));
        assert_eq!(clock, Ok(30_600 * S), "09:30 at UTC+1 is 08:30 UTC");
        assert!(parse_jump_time("yesterday", live, 0).is_err());
        assert!(parse_jump_time("-5x", live, 0).is_err());
        assert!(parse_jump_time("", live, 0).is_err());
        assert_eq!(parse_duration_ns("500ms"), Ok(500_000_000));
        assert_eq!(parse_duration_ns("1.5s"), Ok(1_500_000_000));
    }
}
