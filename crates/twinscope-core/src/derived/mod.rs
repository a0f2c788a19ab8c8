//! Derived signals: values computed from other signals by a small, safe expression, such as
//! a pump's head `P-101.p_out - P-101.p_in` or `M-101.speed > 100`.
//!
//! Expressions are parsed and evaluated by the `evalexpr` crate (arithmetic, comparisons,
//! `&&`/`||`, `if(cond, a, b)`, `min`, `max`, `floor`, `math::*`; no loops, no I/O). Signal ids
//! contain `-` and `.`, which the crate would read as operators, so `Expression::compile`
//! first swaps every declared id (longest first, at identifier boundaries) for a numbered slot
//! variable. Integer literals are made floating point (`1/2` is 0.5) and booleans evaluate to
//! 1.0 and 0.0, so every derived value is an ordinary number. The store evaluates derived
//! signals as their inputs arrive and keeps the results as ordinary samples
//! (see `crate::store::SignalStore::set_derived`).

mod order;
#[cfg(test)]
mod store_tests;
mod substitute;
#[cfg(test)]
mod tests;

pub use order::{Cycle, evaluation_order};

use crate::signal::SignalId;
use evalexpr::{Context, EvalexprError, EvalexprResult, Node, Operator, Value};
use std::collections::HashSet;

/// A compiled expression over declared signals.
#[derive(Clone, Debug)]
pub struct Expression {
    text: String,
    node: Node,
    inputs: Vec<SignalId>,
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.inputs == other.inputs
    }
}

/// Why an expression cannot be compiled, and where in its text.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ExprError {
    /// Byte offset into the expression text of the offending part (0 when the crate gives no
    /// position, e.g. for most syntax errors).
    pub offset: usize,
    /// What is wrong, in words.
    pub message: String,
}

/// A derived signal: its id and the expression that computes it.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivedSignal {
    /// The derived signal's id (declared in `[[signals]]` like any other).
    pub id: SignalId,
    /// How it is computed.
    pub expr: Expression,
}

/// Reusable evaluation state, so evaluating per sample does not allocate the variable table.
#[derive(Debug, Default)]
pub(crate) struct Slots(Vec<Value>);

/// Prefix of the slot variables ids are replaced with; `__sig0` is the first input.
const SLOT_PREFIX: &str = "__sig";

/// Longest expression accepted, in bytes. The expression crate parses and evaluates
/// recursively, so an unbounded text (a 50,000-deep nesting in a hostile scene file) would
/// overflow the stack; a thousand bytes is far beyond any real derived signal.
pub(crate) const MAX_EXPRESSION_BYTES: usize = 1000;

/// Deepest bracket nesting accepted.
pub(crate) const MAX_NESTING: usize = 32;

impl Expression {
    /// Compiles `text`, resolving signal ids against `declared` (every id an expression may
    /// read). Unknown names, syntax and type errors are reported with a byte offset.
    pub(crate) fn compile<'a>(
        text: &str,
        declared: impl IntoIterator<Item = &'a SignalId>,
    ) -> Result<Expression, ExprError> {
        check_size(text)?;
        let declared: HashSet<&str> = declared.into_iter().map(SignalId::as_str).collect();
        let substituted = substitute::substitute(text, &declared);
        if let Some(name) = substituted.unknown.first() {
            return Err(unknown_name(text, name.clone()));
        }
        if text.trim().is_empty() {
            return Err(ExprError {
                offset: 0,
                message: "expression is empty".into(),
            });
        }
        let mut node = evalexpr::build_operator_tree(&substituted.text).map_err(|e| ExprError {
            offset: 0,
            message: format!("expression does not parse: {e}"),
        })?;
        if substituted.ids.is_empty() {
            return Err(ExprError {
                offset: 0,
                message: "expression reads no signal, so it would never get a value".into(),
            });
        }
        // A safety net behind the scan above: any variable left is not a slot.
        if let Some(identifier) = node
            .iter_variable_identifiers()
            .find(|identifier| slot_index(identifier).is_none())
        {
            let offset = substitute::find_word(text, identifier, &substituted.replaced);
            return Err(unknown_name(text, offset..offset + identifier.len()));
        }
        floats_only(&mut node);
        let expression = Expression {
            text: text.to_owned(),
            node,
            inputs: substituted.ids.into_iter().map(SignalId::new).collect(),
        };
        // Type errors (`if(1, 2, 3)`, unknown functions) show for any input values: try once.
        let trial = vec![1.0; expression.inputs.len()];
        expression
            .try_eval(&trial, &mut Slots::default())
            .map_err(|message| ExprError { offset: 0, message })?;
        Ok(expression)
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signals it reads, in slot order: `Expression::eval` takes their values in this
    /// order.
    pub fn inputs(&self) -> &[SignalId] {
        &self.inputs
    }

    /// The value for these input values (one per [`Expression::inputs`] entry); `None` when
    /// evaluation fails (which compilation already ruled out for type errors).
    pub(crate) fn eval(&self, inputs: &[f64], slots: &mut Slots) -> Option<f64> {
        self.try_eval(inputs, slots).ok()
    }

    fn try_eval(&self, inputs: &[f64], slots: &mut Slots) -> Result<f64, String> {
        slots.0.clear();
        slots.0.extend(inputs.iter().map(|&v| Value::Float(v)));
        match self.node.eval_with_context(&SlotContext(&slots.0)) {
            Ok(Value::Float(v)) => Ok(v),
            Ok(Value::Int(v)) => Ok(v as f64),
            Ok(Value::Boolean(v)) => Ok(if v { 1.0 } else { 0.0 }),
            Ok(other) => Err(format!(
                "expression must give a number or a boolean, not `{other}`"
            )),
            Err(error) => Err(format!("expression cannot be evaluated: {error}")),
        }
    }
}

/// The error for a name at `range` of `text` that is no declared signal.
fn unknown_name(text: &str, range: std::ops::Range<usize>) -> ExprError {
    let name = text.get(range.clone()).unwrap_or(text);
    ExprError {
        offset: range.start,
        message: format!(
            "`{name}` is not a declared signal (ids are matched exactly, e.g. `P-101.p_out`)"
        ),
    }
}

/// The slot number of a slot variable name.
fn slot_index(identifier: &str) -> Option<usize> {
    identifier.strip_prefix(SLOT_PREFIX)?.parse().ok()
}

/// Turns integer constants into floats, so `/` divides as operators expect of readings.
fn floats_only(node: &mut Node) {
    if let Operator::Const { value } = node.operator_mut()
        && let Value::Int(i) = *value
    {
        *value = Value::Float(i as f64);
    }
    for child in node.children_mut() {
        floats_only(child);
    }
}

/// Variables are slots into the input values; functions are the crate's built-ins only.
struct SlotContext<'a>(&'a [Value]);

impl Context for SlotContext<'_> {
    fn get_value(&self, identifier: &str) -> Option<&Value> {
        self.0.get(slot_index(identifier)?)
    }

    fn call_function(&self, identifier: &str, _argument: &Value) -> EvalexprResult<Value> {
        Err(EvalexprError::FunctionIdentifierNotFound(
            identifier.to_owned(),
        ))
    }

    fn are_builtin_functions_disabled(&self) -> bool {
        false
    }

    fn set_builtin_functions_disabled(&mut self, disabled: bool) -> EvalexprResult<()> {
        if disabled {
            Err(EvalexprError::BuiltinFunctionsCannotBeDisabled)
        } else {
            Ok(())
        }
    }
}

/// Refuses expressions too long or too deeply nested to parse safely (see
/// [`MAX_EXPRESSION_BYTES`]), pointing at where the limit was passed.
fn check_size(text: &str) -> Result<(), ExprError> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(ExprError {
            offset: MAX_EXPRESSION_BYTES,
            message: format!(
                "expression is {} bytes long; at most {MAX_EXPRESSION_BYTES} are accepted \
                 (split it into derived signals that build on each other)",
                text.len()
            ),
        });
    }
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(ExprError {
                offset,
                message: format!("brackets nest deeper than {MAX_NESTING} levels"),
            });
        }
    }
    Ok(())
}
