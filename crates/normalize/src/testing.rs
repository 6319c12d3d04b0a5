//! Helpers shared by the table-driven tests.

/// Runs `normalize` over every input of `table` and fails listing every mismatch.
pub(crate) fn check_table(normalize: impl Fn(&str) -> String, table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (input, want) in table {
        let got = normalize(input);
        if got != *want {
            failures.push(format!(
                "\n  {input:?}\n    got  {got:?}\n    want {want:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:{}",
        failures.len(),
        failures.concat()
    );
}
