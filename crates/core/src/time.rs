//! Time as a parameter: the core never reads a clock unless the `std` feature supplies one.

/// Seconds since the Unix epoch, as the verifier's idea of "now".
///
/// Every time-dependent check takes a `UnixTime` argument, so tests and bare-metal users supply
/// their own clock. With the `std` feature, [`UnixTime::now`] reads the system clock.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// The current system time, truncated to whole seconds.
    ///
    /// A clock set before 1970 reads as 0.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn as_secs(self) -> i64 {
        self.0
    }
}

/// A JSON NumericDate: seconds since the epoch, possibly fractional (RFC 7519 §2).
///
/// It is kept exactly as its integer part (rounded toward negative infinity) and whether a
/// fractional part was present, which is all that comparisons against whole-second times need:
/// no floating point, no truncation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct NumericDate {
    floor: i64,
    fractional: bool,
}

/// The largest magnitude accepted for a NumericDate: 2^53, the I-JSON exact integer range.
pub const MAX_NUMERIC_DATE: i64 = 1 << 53;

impl NumericDate {
    /// A whole-second date.
    #[must_use]
    pub const fn from_secs(secs: i64) -> Self {
        Self {
            floor: secs,
            fractional: false,
        }
    }

    pub(crate) const fn new(floor: i64, fractional: bool) -> Self {
        Self { floor, fractional }
    }

    /// The whole seconds, rounded toward negative infinity.
    #[must_use]
    pub const fn floor_secs(self) -> i64 {
        self.floor
    }

    /// Whether the value had a non-zero fractional part.
    #[must_use]
    pub const fn is_fractional(self) -> bool {
        self.fractional
    }

    /// `t < self`, exactly, for a whole-second `t`.
    pub(crate) fn is_after(self, t: i128) -> bool {
        let floor = i128::from(self.floor);
        if self.fractional {
            t <= floor
        } else {
            t < floor
        }
    }

    /// `self <= t`, exactly, for a whole-second `t`.
    pub(crate) fn is_at_or_before(self, t: i128) -> bool {
        let floor = i128::from(self.floor);
        if self.fractional {
            floor < t
        } else {
            floor <= t
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_comparisons_are_exact() {
        // 100.5
        let d = NumericDate::new(100, true);
        assert!(d.is_after(100));
        assert!(!d.is_after(101));
        assert!(d.is_at_or_before(101));
        assert!(!d.is_at_or_before(100));
        let w = NumericDate::from_secs(100);
        assert!(!w.is_after(100));
        assert!(w.is_after(99));
        assert!(w.is_at_or_before(100));
        assert!(!w.is_at_or_before(99));
    }
}
