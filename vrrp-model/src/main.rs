//! `vrrp-model`: check, explore or simulate the real vrrp-core under faults.
//!
//! ```text
//! vrrp-model check --routers 3 --faults partition,loss,priority,crash,shutdown,link --advert 4 --delay 2
//! vrrp-model explore 127.0.0.1:3000 --routers 2
//! vrrp-model simulate --routers 4 --faults crash,partition --seconds 30
//! vrrp-model verify lb1.conf lb2.conf
//! ```

#![forbid(unsafe_code)]

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use stateright::{Checker, Model, UniformChooser};
use vrrp_core::wire::Version;
use vrrp_model::run::{self, Options};
use vrrp_model::{HmacMode, Mutation, Setup, VrrpModel};

/// Exploring clones every state once per successor: a few small vectors per
/// router. mimalloc makes those allocations cheap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about = "Model-check the real vrrp-core with stateright")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Explore every reachable state; exit 1 on a violated property or a
    /// vacuous check (a reachability property the faults make reachable,
    /// not reached).
    Check {
        #[command(flatten)]
        model: ModelArgs,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Depth-first search (less memory, longer counterexamples).
        #[arg(long)]
        dfs: bool,
        /// Stop after this many unique states (the check is then not exhaustive).
        #[arg(long)]
        max_states: Option<usize>,
        /// Stop after this many seconds (the check is then not exhaustive).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Serve stateright's web explorer; loopback addresses only.
    Explore {
        /// Where to listen, e.g. 127.0.0.1:3000.
        address: String,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Model-check a deployment's keepalived.conf files, one per host: exit 0
    /// when every scenario is ok, 1 when one fails, 2 when a file is unreadable.
    Verify {
        /// One keepalived.conf per host, at least two.
        #[arg(required = true, num_args = 2..)]
        files: Vec<std::path::PathBuf>,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Random walks, for sizes beyond exhaustive checking.
    Simulate {
        #[command(flatten)]
        model: ModelArgs,
        /// Seed of the first walk.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Steps per walk.
        #[arg(long, default_value_t = 2_000)]
        depth: usize,
        /// How long to walk.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
}

/// What to model.
#[derive(Args)]
struct ModelArgs {
    /// Number of routers; router i has address 192.0.2.(i+1).
    #[arg(long, default_value_t = 3)]
    routers: usize,
    /// Base priorities, comma separated (default 100,150,200,...). 255 is the owner.
    #[arg(long, value_delimiter = ',')]
    priorities: Vec<u8>,
    /// Advert interval in centiseconds: one value, or one per router.
    #[arg(long, value_delimiter = ',', default_value = "100")]
    advert: Vec<u16>,
    /// VRRP version, 3 or 2 (2: intervals in whole seconds).
    #[arg(long, default_value_t = 3)]
    vrrp: u8,
    /// Delivery delay in ticks: MAX, or MIN..MAX.
    #[arg(long, default_value = "2")]
    delay: String,
    /// One tick in microseconds (default one centisecond).
    #[arg(long, default_value_t = vrrp_model::setup::DEFAULT_TICK_US)]
    tick_us: u64,
    /// Faults with budgets: partition[=N],priority[=N],crash[=N],shutdown[=N],link[=N],loss[=N],
    /// replay[=N] (a forger replays captured adverts), and lossy links loss-run=R (no end of
    /// losses, at most R in a row per link).
    /// Budgets default to 1; loss defaults to the longest run VRRP tolerates.
    #[arg(long, value_delimiter = ',')]
    faults: Vec<String>,
    /// What a failed tracked object takes off the priority.
    #[arg(long, default_value_t = 50)]
    weight: u8,
    /// Turn preemption off on every router.
    #[arg(long)]
    no_preempt: bool,
    /// keepalived's auth_hmac on every router (one key, enforce), with time or monotonic
    /// anti-replay.
    #[arg(long, value_name = "time|monotonic")]
    auth_hmac: Option<String>,
    /// Inject a defect: backup-ignores-higher, link-event-ignored, link-keeps-frames,
    /// lower-prio-no-advert, silent-shutdown, master-ignores-stop, late-clock, fast-clock,
    /// reload-forgets-replay.
    #[arg(long)]
    mutation: Option<String>,
    /// Override the derived convergence bound (microseconds).
    #[arg(long)]
    t_conv_us: Option<u64>,
}

impl ModelArgs {
    fn setup(&self) -> Result<Setup, String> {
        let mut setup = Setup::new(self.routers, 100);
        if !self.priorities.is_empty() {
            if self.priorities.len() != self.routers {
                return Err(format!("--priorities needs {} values", self.routers));
            }
            setup.priorities = self.priorities.clone();
        }
        setup.advert = match self.advert.as_slice() {
            [one] => vec![*one; self.routers],
            many if many.len() == self.routers => many.to_vec(),
            _ => return Err(format!("--advert needs 1 or {} values", self.routers)),
        };
        setup.version = match self.vrrp {
            3 => Version::V3,
            2 => Version::V2,
            v => return Err(format!("--vrrp {v}: 2 or 3")),
        };
        (setup.delay_min, setup.delay_max) = match self.delay.split_once("..") {
            Some((lo, hi)) => (parse(lo)?, parse(hi.trim_start_matches('='))?),
            None => (0, parse(&self.delay)?),
        };
        if setup.delay_min > setup.delay_max {
            return Err("--delay MIN..MAX needs MIN <= MAX".into());
        }
        setup.tick_us = self.tick_us;
        setup.weight = self.weight;
        setup.preempt = !self.no_preempt;
        setup.t_conv_us = self.t_conv_us;
        setup.mutation = match self.mutation.as_deref() {
            None => None,
            Some("backup-ignores-higher") => Some(Mutation::BackupIgnoresHigherPriority),
            Some("link-event-ignored") => Some(Mutation::LinkEventIgnored),
            Some("link-keeps-frames") => Some(Mutation::LinkDownKeepsFrames),
            Some("lower-prio-no-advert") => Some(Mutation::LowerPrioNoAdvert),
            Some("silent-shutdown") => Some(Mutation::SilentShutdown),
            Some("master-ignores-stop") => Some(Mutation::MasterIgnoresStop),
            Some("late-clock") => Some(Mutation::LateClock),
            Some("fast-clock") => Some(Mutation::FastClock),
            Some("reload-forgets-replay") => Some(Mutation::ReloadForgetsReplay),
            Some(m) => return Err(format!("unknown mutation {m}")),
        };
        setup.auth_hmac = match self.auth_hmac.as_deref() {
            None => None,
            Some("time") => Some(HmacMode::Time),
            Some("monotonic") => Some(HmacMode::Monotonic),
            Some(m) => return Err(format!("--auth-hmac {m}: time or monotonic")),
        };
        let mut derived_loss = false;
        for fault in &self.faults {
            let (name, n) = match fault.split_once('=') {
                Some((name, n)) => (name, Some(parse(n)?)),
                None => (fault.as_str(), None),
            };
            let budget = u8::try_from(n.unwrap_or(1)).map_err(|_| "budgets are at most 255")?;
            match name {
                "partition" => setup.budget.partitions = budget,
                "priority" => setup.budget.toggles = budget,
                "crash" => setup.budget.crashes = budget,
                "shutdown" => setup.budget.shutdowns = budget,
                "link" => setup.budget.links = budget,
                "loss" => {
                    setup.budget.losses = budget;
                    derived_loss = n.is_none();
                }
                "loss-run" => setup.loss_run = Some(budget),
                "replay" => setup.budget.replays = budget,
                other => return Err(format!("unknown fault {other}")),
            }
        }
        if derived_loss {
            let timing = VrrpModel::new(setup.clone()).timing;
            setup.budget.losses = timing.tolerated_loss_run().unwrap_or(0);
        }
        Ok(setup)
    }
}

fn parse(s: &str) -> Result<u64, String> {
    s.trim().parse().map_err(|e| format!("{s:?}: {e}"))
}

fn describe(model: &VrrpModel) {
    let t = &model.timing;
    println!("model: {}", model.setup);
    println!(
        "timing: T_conv {} us = 2*MDI_max({}) + 2*((L+1)*A + D) + D with A {} us, D {} us, L {}; \
         VRRP tolerates a loss run of {}",
        t.t_conv,
        t.mdi_max,
        t.advert_max,
        t.d_max,
        t.loss_run,
        t.tolerated_loss_run()
            .map_or("none at this jitter".to_string(), |l| l.to_string())
    );
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            model,
            threads,
            dfs,
            max_states,
            seconds,
        } => model.setup().map(|setup| {
            let model = VrrpModel::new(setup);
            describe(&model);
            let mut options = Options {
                dfs,
                max_states,
                timeout: seconds.map(Duration::from_secs),
                ..Options::default()
            };
            if let Some(threads) = threads {
                options.threads = threads;
            }
            let outcome = run::check(model.clone(), &options);
            print!("{}", outcome.render(&model));
            outcome.failed()
        }),
        Command::Explore { address, model } => explore(&address, &model),
        Command::Verify { files, threads } => {
            let threads = threads.unwrap_or_else(|| Options::default().threads);
            vrrp_model::verify::verify(&files, threads)
                .map(|report| {
                    print!("{}", report.render());
                    !report.ok()
                })
                .map_err(|e| e.to_string())
        }
        Command::Simulate {
            model,
            seed,
            depth,
            seconds,
        } => model
            .setup()
            .map(|setup| simulate(setup, seed, depth, seconds)),
    };
    match result {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vrrp-model: {e}");
            ExitCode::from(2)
        }
    }
}

fn explore(address: &str, args: &ModelArgs) -> Result<bool, String> {
    let addrs: Vec<SocketAddr> = address
        .to_socket_addrs()
        .map_err(|e| format!("{address}: {e}"))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(format!("{address}: the explorer listens on loopback only"));
    }
    let model = VrrpModel::new(args.setup()?);
    describe(&model);
    println!("explorer on http://{}", addrs[0]);
    let _ = model.checker().serve(addrs[0]);
    Ok(false)
}

fn simulate(setup: Setup, seed: u64, depth: usize, seconds: u64) -> bool {
    let model = VrrpModel::new(setup);
    describe(&model);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = std::time::Instant::now();
    let checker = model
        .clone()
        .checker()
        .threads(threads)
        .target_max_depth(depth)
        .timeout(Duration::from_secs(seconds))
        .spawn_simulation(seed, UniformChooser)
        .join();
    let mut discoveries = checker.discoveries();
    let verdicts: Vec<run::Verdict> = model
        .properties()
        .iter()
        .map(|p| run::Verdict {
            name: p.name,
            expectation: p.expectation.clone(),
            discovery: discoveries.remove(p.name),
            required: false,
        })
        .collect();
    let outcome = run::Outcome {
        generated: checker.state_count(),
        unique: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        elapsed: start.elapsed(),
        exhaustive: false,
        verdicts,
    };
    println!("random walks of up to {depth} steps from seed {seed}:");
    print!("{}", outcome.render(&model));
    outcome.any_violation()
}
