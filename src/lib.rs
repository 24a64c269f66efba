//! localelements: a local, stateful stand-in for the Cloud Elements
//! account-users API.

pub mod ceql;
