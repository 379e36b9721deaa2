//! Integration tests: the real binary, driven through a small builder that gives each test its own directory and
//! a pinned environment.

mod build;
mod clients;
mod faults;
mod help;
mod pictures;
mod query;
mod report;
mod ship;
mod support;
mod verify;
