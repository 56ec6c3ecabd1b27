//! Truce's rules: the incident matcher, the compliance engine that turns evidence into
//! the status of every obligation, the audit chain's rules, and the registry's counts and
//! reconciliation of claims. Pure functions of their inputs: no I/O, no clock.

pub mod audit;
pub mod compliance;
pub mod incidents;
pub mod registry;
