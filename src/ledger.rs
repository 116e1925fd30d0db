//! What a run holds at the end of a day: the [`Ledger`] of people and flows, the series
//! recorded from it each day, and what a run ends with.

/// The series recorded each day, in this order.
pub const SERIES: [&str; 7] = ["deployed", "formation", "total", "casualties", "recruited", "target", "armies"];

/// Indices into [`SERIES`], [`Ledger::series`] and a day's bands.
pub mod series {
    /// `deployed`.
    pub const DEPLOYED: usize = 0;
    /// `formation`.
    pub const FORMATION: usize = 1;
    /// `total` (strength).
    pub const TOTAL: usize = 2;
    /// Cumulative `casualties`.
    pub const CASUALTIES: usize = 3;
    /// Cumulative `recruited`.
    pub const RECRUITED: usize = 4;
    /// `target`: the strength held at the front, raised by each army formed and deployed.
    pub const TARGET: usize = 5;
    /// `armies`: armies formed so far (`deploy = true`), or armies' worth of `formation`.
    pub const ARMIES: usize = 6;
}

/// The people of one run at the end of a day, and every flow so far. Conservation:
/// `initial + arrived + returned − killed − wounded − missing − non_combat − expired =
/// strength` holds at the end of every day ([`Ledger::balances`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// On strength and available.
    pub strength: u64,
    /// `min(strength, target)`.
    pub deployed: u64,
    /// `strength − deployed`: the surplus beyond holding the line.
    pub formation: u64,
    /// Signed up, not yet arrived.
    pub training: u64,
    /// Wounded who will return, not yet returned.
    pub recovering: u64,
    /// On strength on day 0.
    pub initial: u64,
    /// Graduates of training (not counting returning wounded).
    pub arrived: u64,
    /// Combat casualties killed.
    pub killed: u64,
    /// Combat casualties wounded (including those who will return).
    pub wounded: u64,
    /// Combat casualties missing or captured.
    pub missing: u64,
    /// Wounded back on strength.
    pub returned: u64,
    /// Lost to non-combat hazards.
    pub non_combat: u64,
    /// Left at the end of a service term.
    pub expired: u64,
    /// Signed up (mobilized: those who report).
    pub recruited: u64,
    /// The strength held at the front: `[force] target`, raised by `new_army` for each
    /// army formed when `[goal] deploy = true`.
    pub target: u64,
    /// With `deploy = true`, armies formed before today's army step; otherwise how many
    /// armies today's `formation` would resource, ⌊formation / new_army⌋.
    pub armies: u64,
}

impl Ledger {
    /// Whether people are conserved: the stock equals what came in minus what went out.
    pub fn balances(&self) -> bool {
        let inflow = i128::from(self.initial) + i128::from(self.arrived) + i128::from(self.returned);
        let outflow = i128::from(self.killed)
            + i128::from(self.wounded)
            + i128::from(self.missing)
            + i128::from(self.non_combat)
            + i128::from(self.expired);
        inflow - outflow == i128::from(self.strength) && self.deployed + self.formation == self.strength
    }

    /// Combat casualties so far.
    pub fn casualties(&self) -> u64 {
        self.killed + self.wounded + self.missing
    }

    /// The recorded series, in [`SERIES`] order.
    pub fn series(&self) -> [u64; SERIES.len()] {
        [self.deployed, self.formation, self.strength, self.casualties(), self.recruited, self.target, self.armies]
    }
}

/// What the end-of-horizon statistics read of a run's last day: the stocks and the totals
/// that `summary.json` reports, where the whole [`Ledger`] is twice the size (every run's
/// outcome is kept, so this is most of a run's memory).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndState {
    /// On strength.
    pub strength: u64,
    /// Deployed.
    pub deployed: u64,
    /// The surplus beyond holding the line.
    pub formation: u64,
    /// Combat casualties over the horizon.
    pub casualties: u64,
    /// Signed up over the horizon.
    pub recruited: u64,
}

impl From<&Ledger> for EndState {
    fn from(l: &Ledger) -> Self {
        Self {
            strength: l.strength,
            deployed: l.deployed,
            formation: l.formation,
            casualties: l.casualties(),
            recruited: l.recruited,
        }
    }
}

/// What one run ends with.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunOutcome {
    /// The ledger's stocks and totals at the end of the last day.
    pub end: EndState,
    /// First day on which `formation` reached the goal, up to `goal.by`.
    pub day_reached: Option<u32>,
    /// Pay and bonuses over the horizon.
    pub cost: f64,
    /// The armies of the goal, up to `goal.by`.
    pub armies: Armies,
}

/// A run's new armies up to the goal's deadline `by` (all zero and `None` without a goal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Armies {
    /// With `deploy = true`, armies formed on days up to `by`; otherwise how many armies
    /// `formation` on the day `by` would resource.
    pub by_deadline: u32,
    /// The day the first army was formed (or, without `deploy`, `formation` first reached
    /// one army), up to `by`.
    pub first: Option<u32>,
    /// The same for the second.
    pub second: Option<u32>,
    /// Whether `formation` held at least one army on the day `by` (as recorded, before
    /// that day's army step).
    pub at_deadline: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_indices_name_their_series() {
        use series::*;
        let named = [(DEPLOYED, "deployed"), (FORMATION, "formation"), (TOTAL, "total")];
        for (i, name) in named.into_iter().chain([(CASUALTIES, "casualties"), (RECRUITED, "recruited")]) {
            assert_eq!(SERIES[i], name);
        }
    }
}
