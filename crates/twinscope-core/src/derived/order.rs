//! The order derived signals are computed in: inputs before the signals that read them.

use super::DerivedSignal;
use crate::signal::SignalId;
use std::collections::HashMap;
use std::fmt;

/// Derived signals that read each other in a circle, so none can be computed first.
#[derive(Clone, Debug, PartialEq)]
pub struct Cycle {
    /// Index (into the slice given to [`evaluation_order`]) of each member, in reading order;
    /// the first reads the second, …, the last reads the first.
    pub members: Vec<usize>,
    /// Their ids, in the same order.
    pub ids: Vec<SignalId>,
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for id in &self.ids {
            write!(f, "`{id}` → ")?;
        }
        match self.ids.first() {
            Some(first) => write!(f, "`{first}`"),
            None => Ok(()),
        }
    }
}

/// Indices of `derived` ordered so every derived input comes before its readers (file order
/// otherwise); the first cycle found when there is none.
pub fn evaluation_order(derived: &[DerivedSignal]) -> Result<Vec<usize>, Cycle> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let by_id: HashMap<&SignalId, usize> = derived
        .iter()
        .enumerate()
        .map(|(i, d)| (&d.id, i))
        .collect();
    let mut marks = vec![Mark::New; derived.len()];
    let mut order = Vec::with_capacity(derived.len());
    for root in 0..derived.len() {
        if marks[root] != Mark::New {
            continue;
        }
        // Iterative depth-first search: (node, next input to look at).
        let mut stack = vec![(root, 0usize)];
        marks[root] = Mark::Open;
        while let Some(top) = stack.last_mut() {
            let node = top.0;
            let Some(input) = derived[node].expr.inputs().get(top.1) else {
                marks[node] = Mark::Done;
                order.push(node);
                stack.pop();
                continue;
            };
            top.1 += 1;
            let Some(&dep) = by_id.get(input) else {
                continue;
            };
            match marks[dep] {
                Mark::Done => {}
                Mark::New => {
                    marks[dep] = Mark::Open;
                    stack.push((dep, 0));
                }
                Mark::Open => {
                    let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                    let members: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                    let ids = members.iter().map(|&n| derived[n].id.clone()).collect();
                    return Err(Cycle { members, ids });
                }
            }
        }
    }
    Ok(order)
}
