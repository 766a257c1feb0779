//! Time-based one-time passwords (TOTP, RFC 6238 over HOTP, RFC 4226): 6 digits,
//! 30-second steps, HMAC-SHA1, the parameters every authenticator app uses by default.
//! A code of the step before or after the current one is accepted too (clock drift); the
//! store refuses a step already used, so that a code seen over a shoulder is worthless.

use hmac::{Hmac, Mac};
use rand::RngCore;

/// Seconds per time step.
const STEP: i64 = 30;

/// A new random secret of 160 bits (RFC 4226's recommendation), hexadecimal.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The 6-digit code of `step` for `secret`.
pub fn code(secret: &[u8], step: u64) -> u32 {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    value % 1_000_000
}

/// The time step of a Unix time.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP)
}

/// The step whose code `input` is (the current one, or one before or after), if any.
pub fn verify(secret_hex: &str, input: &str, unix_seconds: i64) -> Option<i64> {
    let input = input.trim().replace(' ', "");
    if input.len() != 6 || !input.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = input.parse().ok()?;
    let secret = hex::decode(secret_hex).ok()?;
    let now = step_at(unix_seconds);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|s| *s >= 0)
        .find(|s| {
            crate::auth::constant_time_eq(
                &format!("{:06}", code(&secret, *s as u64)),
                &format!("{wanted:06}"),
            )
        })
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` address an authenticator app reads (typed in or as a QR code).
pub fn uri(username: &str, secret_hex: &str) -> String {
    let secret = base32(&hex::decode(secret_hex).unwrap_or_default());
    format!("otpauth://totp/Repatria:{username}?secret={secret}&issuer=Repatria&algorithm=SHA1&digits=6&period=30")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1, last 6 of the 8 digits.
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, 287082),
            (1111111109, 81804),
            (1111111111, 50471),
            (1234567890, 5924),
            (2000000000, 279037),
        ] {
            assert_eq!(code(secret, step_at(time) as u64), expected, "T={time}");
        }
        let hex_secret = hex::encode(secret);
        assert_eq!(verify(&hex_secret, "287082", 59), Some(1));
        assert_eq!(
            verify(&hex_secret, " 287 082 ", 59 + 30),
            Some(1),
            "a step late"
        );
        assert_eq!(verify(&hex_secret, "287082", 59 + 90), None, "too late");
        assert_eq!(verify(&hex_secret, "28708", 59), None);
        assert_eq!(verify(&hex_secret, "abcdef", 59), None);
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert!(uri("amy", &hex_secret).contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }
}
