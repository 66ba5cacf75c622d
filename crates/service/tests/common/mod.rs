pub(crate) mod log;
pub(crate) mod stores;
pub(crate) mod throttle;
