pub(crate) mod stores;
pub(crate) mod throttle;
