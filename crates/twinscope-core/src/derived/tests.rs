//! Compiling and evaluating derived-signal expressions, and ordering them.

use super::*;

fn ids(names: &[&str]) -> Vec<SignalId> {
    names.iter().map(|n| SignalId::new(*n)).collect()
}

fn eval(text: &str, declared: &[&str], values: &[(&str, f64)]) -> f64 {
    let declared = ids(declared);
    let expr = Expression::compile(text, &declared).expect("compiles");
    let inputs: Vec<f64> = expr
        .inputs()
        .iter()
        .map(|id| {
            values
                .iter()
                .find(|(name, _)| *name == id.as_str())
                .map(|(_, v)| *v)
                .expect("value given")
        })
        .collect();
    expr.eval(&inputs, &mut Slots::default())
        .expect("evaluates")
}

#[test]
fn ids_with_dashes_and_dots_are_read_as_signals() {
    let declared = [
        "P-101.p_out",
        "P-101.p_in",
        "P-101.p",
        "TK-101.level",
        "TK-102.level",
    ];
    let values = [
        ("P-101.p_out", 4.5),
        ("P-101.p_in", 1.25),
        ("P-101.p", 100.0),
        ("TK-101.level", 70.0),
        ("TK-102.level", 20.0),
    ];
    let table = [
        ("P-101.p_out - P-101.p_in", 3.25),
        // Longest first: `P-101.p` must not swallow the start of `P-101.p_in`.
        ("P-101.p_in + P-101.p", 101.25),
        // No spaces: the `-` between two ids is an operator.
        ("TK-101.level-TK-102.level", 50.0),
        ("(TK-101.level+TK-102.level)/2", 45.0),
        // Integer literals divide as floats.
        ("1/2 + P-101.p_in", 1.75),
        ("math::sqrt(P-101.p) * 2", 20.0),
        ("-P-101.p_in", -1.25),
        ("P-101.p_in*-1", -1.25),
    ];
    for (text, want) in table {
        assert_eq!(eval(text, &declared, &values), want, "{text}");
    }
    let expr = Expression::compile("P-101.p_in + P-101.p_in * P-101.p", &ids(&declared))
        .expect("compiles");
    assert_eq!(
        expr.inputs(),
        ids(&["P-101.p_in", "P-101.p"]),
        "each input once"
    );
    assert_eq!(expr.text(), "P-101.p_in + P-101.p_in * P-101.p");
}

#[test]
fn comparisons_and_conditionals_give_numbers() {
    let declared = ["M-101.speed", "M-101.current"];
    let at = |speed: f64, current: f64| [("M-101.speed", speed), ("M-101.current", current)];
    let table = [
        ("M-101.speed > 100", at(1450.0, 0.0), 1.0),
        ("M-101.speed > 100", at(100.0, 0.0), 0.0),
        (
            "M-101.speed >= 100 && M-101.current > 2",
            at(100.0, 2.5),
            1.0,
        ),
        (
            "M-101.speed >= 100 && M-101.current > 2",
            at(100.0, 2.0),
            0.0,
        ),
        (
            "if(M-101.current > 2, M-101.speed, 0)",
            at(900.0, 3.0),
            900.0,
        ),
        ("if(M-101.current > 2, M-101.speed, 0)", at(900.0, 1.0), 0.0),
        ("max(M-101.speed, M-101.current)", at(3.0, 7.0), 7.0),
        ("!(M-101.speed == 0)", at(0.0, 0.0), 0.0),
    ];
    for (text, values, want) in table {
        assert_eq!(eval(text, &declared, &values), want, "{text}");
    }
}

#[test]
fn errors_name_their_place() {
    let declared = ids(&["P-101.p_out", "P-101.p_in"]);
    let err = |text: &str| Expression::compile(text, &declared).expect_err(text);
    let table = [
        // Unknown ids point at themselves, after any ids that were recognised.
        (
            "P-101.p_out - P-101.p_inn",
            14,
            "`P-101.p_inn` is not a declared signal",
        ),
        (
            "P-101.p_out - speed",
            14,
            "`speed` is not a declared signal",
        ),
        ("P-101.p_out - (", 0, "does not parse"),
        ("P-101.p_out +* 2", 0, "cannot be evaluated"),
        // Booleans are results, not operands: arithmetic on them is a type error.
        ("(P-101.p_in > 1) * 2", 0, "cannot be evaluated"),
        ("", 0, "empty"),
        ("42 * 2", 0, "reads no signal"),
        ("if(1, 2, P-101.p_in)", 0, "cannot be evaluated"),
        ("nosuchfn(P-101.p_in)", 0, "cannot be evaluated"),
        (
            "if(P-101.p_in > 0, \"text\", \"\")",
            0,
            "must give a number",
        ),
    ];
    for (text, offset, message) in table {
        let error = err(text);
        assert!(error.message.contains(message), "{text}: {}", error.message);
        assert_eq!(error.offset, offset, "{text}: {}", error.message);
    }
    // The unknown `P-101.p_inn` is reported where it stands, not at `P-101.p_in`'s match.
    let error = err("P-101.p_in + P-101.p_inn");
    assert_eq!(error.offset, "P-101.p_in + ".len(), "{}", error.message);
}

#[test]
fn evaluation_order_puts_inputs_first_and_finds_cycles() {
    let declared = ids(&["a", "b", "c", "d", "x"]);
    let derived = |id: &str, text: &str| DerivedSignal {
        id: SignalId::new(id),
        expr: Expression::compile(text, &declared).expect("compiles"),
    };
    let chain = [
        derived("c", "b * 2"),
        derived("b", "a + x"),
        derived("d", "x"),
    ];
    let order = evaluation_order(&chain).expect("no cycle");
    let position = |i: usize| order.iter().position(|&o| o == i).expect("ordered");
    assert_eq!(order.len(), 3);
    assert!(position(1) < position(0), "b before c: {order:?}");

    let looped = [
        derived("a", "c + 1"),
        derived("d", "x"),
        derived("b", "a"),
        derived("c", "b"),
    ];
    let cycle = evaluation_order(&looped).expect_err("a → c → b → a");
    let mut members = cycle.members.clone();
    members.sort_unstable();
    assert_eq!(members, [0, 2, 3]);
    assert_eq!(cycle.to_string(), "`a` → `c` → `b` → `a`");

    let own = [derived("a", "a + 1")];
    assert_eq!(evaluation_order(&own).expect_err("self").members, [0]);
}

/// A hostile scene file must get an error, not a stack overflow (a 50,000-deep nesting once
/// aborted `check`).
#[test]
fn huge_and_deeply_nested_expressions_are_refused_with_a_place() {
    let declared = ids(&["a"]);
    let deep = format!("{}a{}", "(".repeat(50_000), ")".repeat(50_000));
    let error = Expression::compile(&deep, &declared).unwrap_err();
    assert_eq!(error.offset, super::MAX_EXPRESSION_BYTES);
    assert!(error.message.contains("at most 1000"), "{}", error.message);

    let nested = format!("{}a{}", "(".repeat(40), ")".repeat(40));
    let error = Expression::compile(&nested, &declared).unwrap_err();
    assert_eq!(error.offset, super::MAX_NESTING);
    assert!(error.message.contains("nest deeper"), "{}", error.message);

    // Long but flat and shallow: still fine, and still evaluates.
    let chain = vec!["a"; 200].join(" + ");
    assert!(chain.len() <= super::MAX_EXPRESSION_BYTES);
    assert_eq!(eval(&chain, &["a"], &[("a", 1.0)]), 200.0);
    let unary = format!("{}a", "-".repeat(900));
    assert!(Expression::compile(&unary, &declared).is_ok());
}
