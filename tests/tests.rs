//! The integration tests: one binary (linking HDF5 and zarrs once), one module per area.

mod common;

mod bad_input;
mod correct_end_to_end;
mod correct_mintpy;
mod correct_mintpy_science;
mod demo_cli;
mod full_disk;
mod geocode_mintpy;
mod geocode_run;
mod geotiff_export;
mod invert_end_to_end;
mod invert_l1;
mod mintpy_fidelity;
mod network_edit;
mod overview_mintpy;
mod plot_e2e;
mod plot_render;
mod readers_fixture;
mod readers_isce;
mod readers_mintpy;
mod resume_cli;
mod robust_isce;
mod robust_mintpy;
mod run_app;
mod run_chain;
mod simulate_fixture;
mod simulate_stack;
mod sink_roundtrip;
mod stack_formats;
mod subset_invert;
mod subset_products;
mod tropo;
mod velocity_end_to_end;
mod velocity_mintpy;
