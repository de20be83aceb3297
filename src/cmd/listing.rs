//! `timeline`, `figures`, `sources` and `actors`: the built-in listings, each the
//! canned query of the same name with its parameters offered as typed flags.

use super::{Context, given, open_output, run_canned, style};
use crate::cli::{FiguresArgs, OutputArgs, PlainArgs, TimelineArgs};
use crate::error::Result;

pub fn timeline(args: &TimelineArgs, ctx: &Context) -> Result<()> {
    list(ctx, "timeline", &args.filter.to_params(), &args.out)
}

pub fn figures(args: &FiguresArgs, ctx: &Context) -> Result<()> {
    let params = given(&[
        ("measure", args.measure.clone()),
        ("unit", args.unit.clone()),
        ("area", args.area.clone()),
        ("from", args.from.clone()),
        ("to", args.to.clone()),
    ]);
    list(ctx, "figures", &params, &args.out)
}

pub fn sources(args: &PlainArgs, ctx: &Context) -> Result<()> {
    list(ctx, "sources", &[], &args.out)
}

pub fn actors(args: &PlainArgs, ctx: &Context) -> Result<()> {
    list(ctx, "actors", &[], &args.out)
}

/// Runs a built-in query with the given parameters to the command's output.
pub fn list(ctx: &Context, name: &str, params: &[(String, String)], o: &OutputArgs) -> Result<()> {
    let registry = ctx.built_in()?;
    let archive = ctx.open()?;
    let mut out = open_output(o.output.as_deref())?;
    run_canned(&archive, &registry, name, params, style(o), &mut out)?;
    Ok(out.finish()?)
}
