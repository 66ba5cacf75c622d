//! Every row of docs/behaviour.md against the Rocket tutorial app, in both variants and both error
//! styles, through Rocket's local client.

#[cfg(test)]
mod protected;
#[cfg(test)]
mod routing;
#[cfg(test)]
mod support;
#[cfg(test)]
mod token;
