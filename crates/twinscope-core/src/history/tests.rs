//! `SignalHistory` against a naive model (a stably sorted `Vec<(t, v)>`), plus eviction.

use super::*;
use proptest::prelude::*;

fn ts(t: i64) -> Timestamp {
    Timestamp(t)
}

/// Samples compared bit for bit, so NaN payloads and -0.0 count.
fn exact(samples: impl IntoIterator<Item = (Timestamp, f64)>) -> Vec<(i64, u64)> {
    samples
        .into_iter()
        .map(|(t, v)| (t.0, v.to_bits()))
        .collect()
}

fn model_of(samples: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let mut model = samples.to_vec();
    model.sort_by_key(|&(t, _)| t);
    model
}

fn build(samples: &[(i64, f64)], capacity: usize) -> SignalHistory {
    let mut history = SignalHistory::with_chunk_capacity(capacity);
    for &(t, v) in samples {
        history.insert(ts(t), v);
    }
    history
}

/// Checks every query the viewer makes against the model.
fn check_against_model(
    history: &SignalHistory,
    model: &[(i64, f64)],
    queries: &[i64],
) -> Result<(), TestCaseError> {
    let model_exact = |it: &mut dyn Iterator<Item = &(i64, f64)>| -> Vec<(i64, u64)> {
        it.map(|&(t, v)| (t, v.to_bits())).collect()
    };
    prop_assert_eq!(history.len(), model.len());
    let everything = exact(history.range(ts(i64::MIN)..ts(i64::MAX)));
    let below_max: Vec<_> = model.iter().filter(|s| s.0 < i64::MAX).collect();
    prop_assert_eq!(everything, model_exact(&mut below_max.into_iter()));
    prop_assert_eq!(
        exact(history.first()),
        model_exact(&mut model.first().into_iter())
    );
    prop_assert_eq!(
        exact(history.last()),
        model_exact(&mut model.last().into_iter())
    );
    for &q in queries {
        let expected = model.iter().rev().find(|(t, _)| *t <= q);
        prop_assert_eq!(
            exact(history.latest_at(ts(q))),
            model_exact(&mut expected.into_iter()),
            "latest_at({})",
            q
        );
    }
    for pair in queries.windows(2) {
        let (a, b) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
        let want: Vec<_> = model.iter().filter(|(t, _)| (a..b).contains(t)).collect();
        prop_assert_eq!(
            history.count_in(ts(a)..ts(b)),
            want.len(),
            "count_in({}..{})",
            a,
            b
        );
        prop_assert_eq!(
            history.count_in(ts(b)..ts(a)),
            0,
            "reversed ranges are empty"
        );
        let got = exact(history.range(ts(a)..ts(b)));
        prop_assert_eq!(
            got,
            model_exact(&mut want.into_iter()),
            "range({}..{})",
            a,
            b
        );
    }
    Ok(())
}

/// Structural invariants: sorted, non-overlapping chunks no bigger than twice the capacity,
/// exact prefix counts, and honest byte accounting.
fn check_structure(history: &SignalHistory) -> Result<(), TestCaseError> {
    let cap = history.chunk_capacity;
    let sealed = history.sealed();
    prop_assert!(sealed.iter().all(|e| e.start <= e.end));
    prop_assert!(sealed.windows(2).all(|w| w[0].end <= w[1].start));
    if let (Some(e), Some(&open)) = (sealed.last(), history.open_times.first()) {
        prop_assert!(e.end <= open);
    }
    for entry in sealed {
        let (times, _) = entry.chunk.decode();
        prop_assert_eq!(
            (times.first(), times.last()),
            (Some(&entry.start), Some(&entry.end))
        );
        prop_assert!(!times.is_empty() && times.len() <= 2 * cap);
    }
    prop_assert!(history.open_times.len() <= 2 * cap);
    prop_assert_eq!(
        history.open_times.first().copied(),
        (!history.is_empty()).then_some(history.open_start)
    );
    let newest = history
        .open_times
        .last()
        .copied()
        .zip(history.open_values.last().copied());
    prop_assert_eq!(
        newest.map(|(t, v)| (t, v.to_bits())),
        (!history.is_empty()).then_some((history.newest.0, history.newest.1.to_bits()))
    );
    let mut before = history.evicted;
    for entry in sealed {
        prop_assert_eq!(entry.before, before);
        before += entry.chunk.len() as u64;
    }
    let heap: usize = sealed.iter().map(|e| e.chunk.heap_bytes()).sum();
    prop_assert_eq!(history.sealed_heap, heap);
    prop_assert_eq!(
        history.sealed_samples(),
        history.len() - history.open_times.len()
    );
    Ok(())
}

/// Times: clustered (many equal), ms-spaced epoch times, or anything at all.
fn time_strategy() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0i64..200,
        3 => (0i64..400).prop_map(|k| 1_700_000_000_000_000_000 + k * 1_000_000),
        1 => any::<i64>(),
        1 => prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX]),
    ]
}

/// Values: mostly decimal sensor readings, sometimes any bit pattern or a special value.
fn value_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => (-10_000_000i64..10_000_000, 0u32..5).prop_map(|(m, k)| m as f64 / 10f64.powi(k as i32)),
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::from_bits(0x7FF0_0000_0000_0001),
            f64::from_bits(0xFFF8_0000_0000_BEEF),
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            f64::MAX,
            f64::MIN_POSITIVE,
        ]),
    ]
}

fn capacity_strategy() -> impl Strategy<Value = usize> {
    prop_oneof![2usize..9, 60usize..140]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// Inserts in any order (in-order runs, late samples, equal times), sealing and splitting
    /// along the way; every query must agree with the sorted model bit for bit.
    #[test]
    fn matches_a_sorted_vector(
        samples in prop::collection::vec((time_strategy(), value_strategy()), 0..700),
        capacity in capacity_strategy(),
        extra_queries in prop::collection::vec(time_strategy(), 1..12),
    ) {
        let history = build(&samples, capacity);
        let model = model_of(&samples);
        let mut queries = extra_queries;
        for &(t, _) in samples.iter().step_by(37) {
            queries.extend([t, t.saturating_sub(1), t.saturating_add(1)]);
        }
        check_structure(&history)?;
        check_against_model(&history, &model, &queries)?;
        prop_assert_eq!(&history, &build(&model, capacity), "equality is by samples");
    }

    /// Mostly in-order streams (the live case) with a few late samples: sealed chunks hold
    /// most of the data and late samples land in them.
    #[test]
    fn late_samples_into_sealed_chunks(
        steps in prop::collection::vec((1i64..5, value_strategy()), 1..1500),
        late in prop::collection::vec((0usize..1500, value_strategy()), 0..40),
        capacity in capacity_strategy(),
    ) {
        let mut samples = Vec::new();
        let mut t = 1_000_000i64;
        for &(dt, v) in &steps {
            t += dt * 1_000;
            samples.push((t, v));
        }
        let mut all = samples.clone();
        for &(at, v) in &late {
            let target = samples[at % samples.len()].0;
            all.push((target, v));
            all.push((target - 1, v));
        }
        let history = build(&all, capacity);
        check_structure(&history)?;
        let queries: Vec<i64> = samples.iter().step_by(29).map(|s| s.0 + 1).collect();
        check_against_model(&history, &model_of(&all), &queries)?;
    }

    /// Queries between inserts and evictions: the cached answer must never outlive a change
    /// that affects it.
    #[test]
    fn queries_interleaved_with_changes(
        ops in prop::collection::vec(
            prop_oneof![
                4 => (0i64..3_000, value_strategy()).prop_map(|(t, v)| (0u8, t, v)),
                4 => (0i64..3_100).prop_map(|t| (1u8, t, 0.0)),
                1 => Just((2u8, 0, 0.0)),
            ],
            1..600,
        ),
        capacity in capacity_strategy(),
    ) {
        let mut history = SignalHistory::with_chunk_capacity(capacity);
        let mut model: Vec<(i64, f64)> = Vec::new();
        let mut cursor = 0;
        for &(op, t, v) in &ops {
            match op {
                0 => {
                    history.insert(ts(t), v);
                    let at = model.partition_point(|s| s.0 <= t);
                    model.insert(at, (t, v));
                }
                1 => {
                    // Mostly small cursor moves, as when paused or playing.
                    cursor = if t % 3 == 0 { t } else { cursor + t % 7 };
                    for q in [cursor, cursor, t] {
                        let want = model.iter().rev().find(|s| s.0 <= q).map(|&(t, v)| (t, v.to_bits()));
                        prop_assert_eq!(history.latest_at(ts(q)).map(|(t, v)| (t.0, v.to_bits())), want, "at {}", q);
                    }
                }
                _ => {
                    let dropped = evict_to_budget(std::slice::from_mut(&mut history), 0);
                    model.drain(..dropped);
                }
            }
        }
        check_structure(&history)?;
    }

    /// Eviction drops whole oldest sealed chunks, globally oldest first, and never a signal's
    /// last value.
    #[test]
    fn eviction_keeps_every_signals_last_value(
        streams in prop::collection::vec(
            prop::collection::vec((time_strategy(), value_strategy()), 1..400), 1..5),
        capacity in capacity_strategy(),
        budget_fraction in 0.0f64..1.2,
    ) {
        let mut histories: Vec<_> = streams.iter().map(|s| build(s, capacity)).collect();
        let held: usize = histories.iter().map(SignalHistory::memory_bytes).sum();
        let budget = (held as f64 * budget_fraction) as usize;
        let dropped = evict_to_budget(&mut histories, budget);
        let after: usize = histories.iter().map(SignalHistory::memory_bytes).sum();
        let remaining: usize = histories.iter().map(SignalHistory::len).sum();
        prop_assert_eq!(remaining + dropped, streams.iter().map(Vec::len).sum::<usize>());
        prop_assert!(
            after <= budget || histories.iter().all(|h| h.oldest_evictable_end().is_none()),
            "over budget with sealed chunks left"
        );
        let mut newest_evicted = i64::MIN;
        let mut oldest_kept = i64::MAX;
        for (history, stream) in histories.iter().zip(&streams) {
            check_structure(history)?;
            let model = model_of(stream);
            let gone = model.len() - history.len();
            prop_assert_eq!(exact(history.last()), exact(model.last().map(|&(t, v)| (ts(t), v))));
            // What is left is exactly the newest part of the model.
            let mut queries: Vec<i64> = model[gone..].iter().step_by(7).map(|s| s.0).collect();
            queries.extend([i64::MIN, model[gone].0, i64::MAX]);
            check_against_model(history, &model[gone..], &queries)?;
            if gone > 0 {
                newest_evicted = newest_evicted.max(model[gone - 1].0);
            }
            if let Some(end) = history.oldest_evictable_end() {
                oldest_kept = oldest_kept.min(end.0);
            }
        }
        prop_assert!(newest_evicted <= oldest_kept, "evicted {} after keeping {}", newest_evicted, oldest_kept);
    }
}

#[test]
fn in_order_late_and_equal_times() {
    let mut h = SignalHistory::with_chunk_capacity(2);
    for (t, v) in [
        (10, 1.0),
        (20, 2.0),
        (30, 3.0),
        (15, 1.5),
        (20, 2.5),
        (5, 0.5),
    ] {
        h.insert(ts(t), v);
    }
    assert_eq!(h.len(), 6);
    assert_eq!(h.latest_at(ts(4)), None);
    assert_eq!(h.latest_at(ts(5)), Some((ts(5), 0.5)));
    assert_eq!(h.latest_at(ts(19)), Some((ts(15), 1.5)));
    assert_eq!(
        h.latest_at(ts(20)),
        Some((ts(20), 2.5)),
        "equal times: the later arrival wins"
    );
    assert_eq!(h.latest_at(ts(1000)), Some((ts(30), 3.0)));
    let range: Vec<_> = h.range(ts(10)..ts(30)).map(|(t, v)| (t.0, v)).collect();
    assert_eq!(range, [(10, 1.0), (15, 1.5), (20, 2.0), (20, 2.5)]);
    assert_eq!(h.count_in(ts(10)..ts(30)), 4);
    assert_eq!(h.count_in(ts(0)..ts(i64::MAX)), 6);
    assert_eq!(h.first(), Some((ts(5), 0.5)));
    assert_eq!(h.last(), Some((ts(30), 3.0)));
    assert!(h.sealed_samples() > 0, "capacity 2 seals early");
}

#[test]
fn cached_answers_follow_late_samples_and_evictions() {
    let mut h = SignalHistory::with_chunk_capacity(4);
    for t in 0..20 {
        h.insert(ts(t * 10), t as f64);
    }
    assert_eq!(h.latest_at(ts(55)), Some((ts(50), 5.0)));
    assert_eq!(h.latest_at(ts(59)), Some((ts(50), 5.0)), "cached");
    h.insert(ts(60), -1.0);
    assert_eq!(
        h.latest_at(ts(59)),
        Some((ts(50), 5.0)),
        "a sample at the next time"
    );
    h.insert(ts(59), 5.9);
    assert_eq!(
        h.latest_at(ts(59)),
        Some((ts(59), 5.9)),
        "just before the next sample"
    );
    h.insert(ts(59), 5.95);
    assert_eq!(
        h.latest_at(ts(59)),
        Some((ts(59), 5.95)),
        "equal time, later arrival"
    );
    assert_eq!(h.latest_at(ts(65)), Some((ts(60), -1.0)));
    evict_to_budget(std::slice::from_mut(&mut h), 0);
    assert_eq!(h.latest_at(ts(65)), None, "evicted with its chunk");
    assert_eq!(h.latest_at(ts(1000)), Some((ts(190), 19.0)));
}

#[test]
fn eviction_keeps_every_signals_latest_value() {
    let mut histories = vec![
        SignalHistory::with_chunk_capacity(4),
        SignalHistory::with_chunk_capacity(4),
    ];
    for t in 0..40 {
        histories[0].insert(ts(t), t as f64);
    }
    histories[1].insert(ts(3), 42.0);
    assert_eq!(histories[0].chunk_count(), 10);
    let dropped = evict_to_budget(&mut histories, 0);
    assert_eq!(dropped, 36, "every sealed chunk goes, the open one stays");
    assert_eq!(histories[0].len(), 4);
    assert_eq!(histories[0].first(), Some((ts(36), 36.0)));
    assert_eq!(histories[0].last(), Some((ts(39), 39.0)));
    assert_eq!(
        histories[1].last(),
        Some((ts(3), 42.0)),
        "a signal's last chunk stays however old"
    );
    assert_eq!(histories[0].count_in(ts(0)..ts(100)), 4);
    assert_eq!(
        evict_to_budget(&mut histories, 0),
        0,
        "nothing evictable left"
    );
}

#[test]
fn sensor_data_compresses_below_three_bytes_per_sample() {
    let mut history = SignalHistory::default();
    for i in 0..20_000i64 {
        let t = 1_700_000_000_000_000_000 + i * 500_000_000 + (i * 7919 % 5) * 1_000_000;
        let v = ((24.0 + (i as f64 * 0.01).sin() + ((i * 104_729) % 61) as f64 * 0.01) * 1e4)
            .round()
            / 1e4;
        history.insert(ts(t), v);
    }
    assert_eq!(history.sealed_samples(), 19 * 1024);
    let per_sample = history.sealed_bytes() as f64 / history.sealed_samples() as f64;
    assert!(per_sample < 3.0, "{per_sample:.2} B/sample sealed");
    assert!(history.memory_bytes() < 20_000 * 3 + 1024 * 16 + 4096);
}
