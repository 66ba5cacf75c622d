pub(crate) mod stores;
