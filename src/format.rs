//! Numbers as people read them, in tables, charts and messages: counts with thousands
//! separators, probabilities, and the values of inputs. A leaf: it imports nothing of the
//! crate, so every layer may use it.

/// A probability with 3 decimals, or 4 where 3 would round it onto 0 or 1 without it
/// being so (0.9996 stays 0.9996, not 1.000).
pub fn probability(p: f64) -> String {
    if (p > 0.0 && p < 0.0005) || (0.9995..1.0).contains(&p) { format!("{p:.4}") } else { format!("{p:.3}") }
}

/// A count with thousands separators, rounded: 420000.4 → "420,000".
pub fn thousands(x: f64) -> String {
    let n = x.round();
    let digits = format!("{:.0}", n.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value of an input: thousands separators for large values, 3 significant digits for
/// small ones (fractions, rates).
pub fn input_value(x: f64) -> String {
    if x.abs() >= 100.0 {
        thousands(x)
    } else if x == 0.0 {
        "0".into()
    } else {
        let digits = (2 - libm::log10(x.abs()).floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    }
}

/// SHA-256 of `bytes` as lower-case hex, the form outputs record to trace their inputs.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 (RFC 4648 §4), with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_keep_their_distance_from_certainty() {
        assert_eq!(probability(0.9434), "0.943");
        assert_eq!(probability(0.99962), "0.9996");
        assert_eq!(probability(1.0), "1.000");
        assert_eq!(probability(0.0), "0.000");
        assert_eq!(probability(0.0002), "0.0002");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(420_000.4), "420,000");
        assert_eq!(thousands(1_234_567.5), "1,234,568");
        assert_eq!(thousands(-12_345.0), "-12,345");
    }

    #[test]
    fn input_values_read_well() {
        assert_eq!(input_value(1350.0), "1,350");
        assert_eq!(input_value(0.85), "0.850");
        assert_eq!(input_value(0.000015), "0.0000150");
        assert_eq!(input_value(45.25), "45.2");
        assert_eq!(input_value(0.0), "0");
    }

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }
}
