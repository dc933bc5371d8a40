//! Integration tests: each test starts its own emulator on free ports and talks to it
//! over real HTTP(S), as clients in the field do.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on the first unexpected error")]
#![expect(clippy::format_push_string, reason = "tests build readable transcripts")]

mod access_evidence;
mod arm_retries;
mod case_names;
mod cli;
mod cli_messages;
mod copy_move;
mod diagnose;
mod emulator_arm;
mod emulator_arm_actions;
mod engine;
mod engine_sources;
mod engine_tokens;
mod fault_classes;
mod limits;
mod names_property;
mod one_diagnosis;
mod smb_readiness;
mod support;
mod training;
mod transfers_memory;
mod transfers_resume;
mod transfers_safety;
mod transfers_throttle;
mod ui;
mod ui_errors;
mod ui_explorer;
mod ui_explorer_build;
mod ui_explorer_checks;
mod ui_local_pane;
mod ui_no_storm;
mod ui_transfers;
mod ui_tryout;
