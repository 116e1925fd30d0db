//! Scenarios built in code rather than read from a file (a backtest's forecast), with the
//! defaults MODEL.md gives a file's omitted keys, so that both simulate alike (a test
//! checks the built scenario against the parsed text of the same scenario).

use super::{Attrition, AttritionRate, Drift, Force, Input, InputId, Observed, Sampling, Scenario, Schedule};
use crate::date::Date;
use crate::delay::DelayKernel;
use crate::distribution::{Domain, Uncertain};

/// Where a built scenario comes from, for its outputs' footers and audit fields.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The name shown in tables and charts.
    pub name: String,
    /// What stands for the file in outputs (e.g. the data file it was built from).
    pub file: String,
    /// SHA-256 of what it was built from (e.g. the data file's bytes).
    pub sha256: String,
}

impl Scenario {
    /// A force of `initial` people held at the front, and nothing else, over `days` days
    /// from `start`, with `runs` runs from `seed`.
    pub fn in_code(origin: Origin, start: Date, days: u32, runs: u32, seed: u64, initial: f64) -> Scenario {
        let mut s = Scenario {
            name: origin.name,
            description: None,
            file: origin.file,
            sha256: origin.sha256,
            text: String::new(),
            start,
            days,
            runs,
            seed,
            force: Force { initial: InputId(0), target: None },
            attrition: None,
            losses: Vec::new(),
            recruitment: Vec::new(),
            mobilization: Vec::new(),
            cost: None,
            goal: None,
            inputs: Vec::new(),
            sampling: Sampling::Random,
            copula: None,
            observed_sources: Vec::new(),
            observed: Observed::default(),
        };
        s.force.initial = s.fixed("force.initial", initial, Domain::NonNegative);
        s
    }

    /// Adds `[attrition]` at a fixed `daily` mean, Poisson or negative binomial with shape
    /// `dispersion`, drifting by `(sd, days)` if given; every casualty is killed and none
    /// returns (a file's defaults when no split is given).
    pub fn with_daily_attrition(mut self, daily: f64, dispersion: Option<f64>, drift: Option<(f64, f64)>) -> Scenario {
        let rate = self.fixed("attrition.daily", daily, Domain::NonNegative);
        let dispersion = dispersion.map(|k| self.fixed("attrition.dispersion", k, Domain::Positive));
        let drift = drift.map(|(sd, days)| Drift {
            sd: self.fixed("attrition.drift.sd", sd, Domain::NonNegative),
            days: self.fixed("attrition.drift.days", days, Domain::Positive),
        });
        let split = [("killed", 1.0), ("wounded", 0.0), ("missing", 0.0)]
            .map(|(name, share)| self.fixed(&format!("attrition.{name}"), share, Domain::Fraction));
        let return_to_duty = self.fixed("attrition.return_to_duty", 0.0, Domain::Fraction);
        self.attrition = Some(Attrition {
            rate: AttritionRate::Daily(Schedule { steps: vec![(i64::MIN, rate)] }),
            dispersion,
            drift,
            split,
            return_to_duty,
            recovery: DelayKernel::exact(0).at_least(1),
        });
        self
    }

    /// Registers a fixed input.
    fn fixed(&mut self, key: &str, value: f64, domain: Domain) -> InputId {
        self.inputs.push(Input { key: key.to_string(), value: Uncertain::known(value, domain), span: None });
        InputId(self.inputs.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Overrides;

    /// Everything but what names the source, which differs by construction.
    fn shape(s: &Scenario) -> String {
        let mut s = s.clone();
        (s.file, s.sha256, s.text) = (String::new(), String::new(), String::new());
        // Where a number is written is the text's, which a built scenario has none of.
        s.inputs.iter_mut().for_each(|i| i.span = None);
        format!("{s:?}")
    }

    #[test]
    fn a_built_scenario_is_the_parsed_one() {
        let start: Date = "2023-09-03".parse().unwrap();
        let origin = Origin { name: "b".into(), file: "f".into(), sha256: "0".into() };
        let built = Scenario::in_code(origin, start, 365, 200, 7, 1e12).with_daily_attrition(
            612.5,
            Some(31.0),
            Some((0.15, 7.0)),
        );
        let text = "name = \"b\"\n[simulation]\nstart = 2023-09-03\ndays = 365\nruns = 200\nseed = 7\n[force]\ninitial = 1e12\n\
                    [attrition]\ndaily = 612.5\ndispersion = 31.0\ndrift = { sd = 0.15, days = 7.0 }\n";
        let parsed = Scenario::parse("f", text, Overrides::default()).unwrap();
        assert_eq!(shape(&built), shape(&parsed));
        let plain = Scenario::in_code(
            Origin { name: "b".into(), file: "f".into(), sha256: "0".into() },
            start,
            365,
            200,
            7,
            1e12,
        )
        .with_daily_attrition(612.5, None, None);
        let text = "name = \"b\"\n[simulation]\nstart = 2023-09-03\ndays = 365\nruns = 200\nseed = 7\n[force]\ninitial = 1e12\n\
                    [attrition]\ndaily = 612.5\n";
        assert_eq!(shape(&plain), shape(&Scenario::parse("f", text, Overrides::default()).unwrap()));
    }
}
