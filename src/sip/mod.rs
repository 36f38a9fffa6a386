//! SIP signalling on rsipstack: the UDP endpoint, the trunk allow-list, and routing of every
//! incoming transaction to a new call, an existing dialog, or a direct answer.

pub mod admission;
pub mod call;
pub mod callback;
pub mod datagram;
pub mod edge;
pub mod endpoint;
pub mod gate;
pub mod leg;
pub mod legs;
pub mod register;
pub mod request;
pub mod streams;
pub mod unreadable;
pub mod validate;
