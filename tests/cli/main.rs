//! Integration tests: the real binary, driven through a small builder that gives each test its own directory and
//! a pinned environment.

mod build;
mod clients;
mod draft;
mod faults;
mod ftm;
mod help;
mod hostile;
mod house;
mod lists;
mod pictures;
mod query;
mod report;
mod shell;
mod ship;
mod support;
mod verify;
