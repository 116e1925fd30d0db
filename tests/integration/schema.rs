//! The JSON Schema of scenario files: the shipped copy is current, every shipped scenario
//! validates against it and points to it, and it refuses what the parser refuses.

use std::path::Path;

use serde_json::Value;

use crate::common::{simulate, simulate_command, temp_dir};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// TOML as the JSON a TOML language server validates (dates become strings).
fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

/// A validator for the draft-07 keywords the schema uses; returns the first violation.
fn validate(schema: &Value, root: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/definitions/");
        return validate(&root["definitions"][name], root, v, at);
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        return if options.iter().any(|o| validate(o, root, v, at).is_ok()) {
            Ok(())
        } else {
            Err(format!("{at}: matches no alternative"))
        };
    }
    if let Some(words) = schema.get("enum").and_then(Value::as_array)
        && !words.contains(v)
    {
        return Err(format!("{at}: {v} is not one of {words:?}"));
    }
    let fail = |what: &str| Err(format!("{at}: {what}"));
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(map) = v.as_object() else { return fail("expected a table") };
            for r in schema["required"].as_array().into_iter().flatten() {
                if !map.contains_key(r.as_str().unwrap_or_default()) {
                    return fail(&format!("missing {r}"));
                }
            }
            for (k, item) in map {
                match schema["properties"].get(k) {
                    Some(s) => validate(s, root, item, &format!("{at}.{k}"))?,
                    None if schema["additionalProperties"] == Value::Bool(false) => {
                        return fail(&format!("unknown key {k}"));
                    }
                    None => {}
                }
            }
        }
        Some("array") => {
            let Some(items) = v.as_array() else { return fail("expected an array") };
            if schema.get("minItems").and_then(Value::as_u64).is_some_and(|m| (items.len() as u64) < m)
                || schema.get("maxItems").and_then(Value::as_u64).is_some_and(|m| (items.len() as u64) > m)
            {
                return fail("wrong number of items");
            }
            for (i, item) in items.iter().enumerate() {
                validate(&schema["items"], root, item, &format!("{at}[{i}]"))?;
            }
        }
        Some("string") => {
            let Some(s) = v.as_str() else { return fail("expected a string") };
            if schema.get("format").and_then(Value::as_str) == Some("date") && s.parse::<muster::date::Date>().is_err()
            {
                return fail("expected a date");
            }
        }
        Some("boolean") if !v.is_boolean() => return fail("expected true or false"),
        Some("integer") if !v.is_i64() => return fail("expected an integer"),
        Some("number") if !v.is_number() => return fail("expected a number"),
        _ => {}
    }
    if let Some(x) = v.as_f64() {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        if bound("minimum").is_some_and(|m| x < m)
            || bound("maximum").is_some_and(|m| x > m)
            || bound("exclusiveMinimum").is_some_and(|m| x <= m)
        {
            return fail(&format!("{x} is out of range"));
        }
    }
    Ok(())
}

fn schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("scenario.schema.json")).expect("scenario.schema.json ships"),
    )
    .expect("JSON")
}

fn check(schema: &Value, text: &str) -> Result<(), String> {
    let toml: toml::Value = toml::from_str(text).map_err(|e| e.to_string())?;
    validate(schema, schema, &toml_to_json(&toml), "")
}

#[test]
fn the_shipped_schema_is_the_one_the_program_prints() {
    let o = simulate(&["schema"], root());
    assert_eq!(o.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(printed == schema(), "scenario.schema.json is stale: run `simulate schema > scenario.schema.json`");
}

#[test]
fn every_shipped_scenario_validates_and_points_to_the_schema() {
    let schema = schema();
    let mut files: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.extend(
        std::fs::read_dir(root().join("tests/checks"))
            .expect("checks")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml")),
    );
    files.push(root().join("benches/every-flow.toml"));
    files.push(root().join("src/cli/template.toml"));
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        check(&schema, &text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if f.starts_with(root().join("scenarios")) {
            assert!(
                text.starts_with("#:schema ../scenario.schema.json\n"),
                "{} lacks the #:schema directive",
                f.display()
            );
        }
    }
}

#[test]
fn the_schema_refuses_what_the_parser_refuses() {
    let schema = schema();
    let good = "[simulation]\nstart = 2024-01-01\ndays = 30\n[force]\ninitial = 1000\n[attrition]\ndaily = { dist = \"pert\", min = 1, mode = 2, max = 3 }\n";
    assert_eq!(check(&schema, good), Ok(()));
    for bad in [
        good.replace("daily =", "dayly ="),                          // unknown key
        good.replace("days = 30", "days = 0"),                       // out of range
        good.replace("start = 2024-01-01", "start = \"yesterday\""), // not a date
        good.replace("\"pert\"", "\"pret\""),                        // unknown distribution
        good.replace("[force]\ninitial = 1000\n", ""),               // missing section
        format!("{good}[[loss]]\nannual_rate = 1.5\n"),              // a fraction above 1
    ] {
        assert!(check(&schema, &bad).is_err(), "the schema accepts:\n{bad}");
        let dir = temp_dir("schema-parity");
        std::fs::write(dir.join("bad.toml"), &bad).expect("write");
        assert_eq!(simulate(&["check", "bad.toml"], &dir).status.code(), Some(2), "the parser accepts:\n{bad}");
    }
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    // `simulate check ... | head -1`: stdout closes after the first line.
    let args =
        ["check", "tests/checks/hazard.toml", "tests/checks/wave-exact.toml", "tests/checks/pure-attrition.toml"];
    let mut child = simulate_command(&args, root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(0));
}
