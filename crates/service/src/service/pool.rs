//! The bounded pool of password-hashing threads behind [`HashGate`].
//!
//! argon2 under the default policy fills 19 MiB and takes tens of milliseconds of one core.
//! Run on an async executor, that stalls every other request; run on a general blocking pool
//! with a fresh allocation per hash, it leaves up to one freed 19 MiB block array resident per
//! thread that ever hashed (glibc keeps them in its per-thread arenas). Here a fixed number of
//! threads, started on first use, each own one block array that every hash on that thread
//! reuses and wipes afterwards, and run at a lowered scheduling priority so that a login storm
//! yields the CPU to the request path.
//!
//! Slots are handed out by a first-in, first-out semaphore (tokio's), so a login that has to
//! wait is served in arrival order; with one login per client at a time
//! ([`crate::Service::login_turn`]) that is round robin between clients. The wait is bounded in
//! length and in time ([`HashGate::acquire`]).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::sync::{Mutex, OnceLock, mpsc};

use argon2::Block;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroize;

/// Blocks a hashing thread keeps between hashes: 64 MiB. A stored hash that needs more (its
/// `m` is larger) gets its memory for that hash only.
const RETAINED_BLOCKS: usize = 64 * 1024;

/// The default niceness of hashing threads (Linux; 0 is normal, 19 the lowest priority): the
/// lowest, so that argon2 only gets the CPU the request path leaves. Under a login flood that
/// saturates the machine, the hashes that do run take longer (the tutorial apps' storm
/// benchmark answered about 40% fewer logins per second than at niceness 0, and a few took
/// over 2 s) while authenticated requests keep their idle latency; choose a lower niceness
/// with [`HashGate::with_niceness`] to weigh it the other way.
pub const DEFAULT_NICENESS: i32 = 19;

/// Reusable argon2 working memory: grown on demand, wiped after each use.
#[derive(Default)]
pub struct HashMemory {
    blocks: Vec<Block>,
    used: usize,
}

impl core::fmt::Debug for HashMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HashMemory")
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl HashMemory {
    /// `n` blocks of working memory (grown, and kept, as needed), or `None` when they cannot
    /// be allocated.
    pub fn blocks(&mut self, n: usize) -> Option<&mut [Block]> {
        if self.blocks.len() < n {
            self.blocks.try_reserve_exact(n - self.blocks.len()).ok()?;
            self.blocks.resize(n, Block::default());
        }
        self.used = self.used.max(n);
        self.blocks.get_mut(..n)
    }

    /// Overwrites what the last hashes left in the memory, and gives back memory beyond
    /// what is retained between hashes.
    pub fn wipe(&mut self) {
        if let Some(used) = self.blocks.get_mut(..self.used) {
            used.iter_mut().for_each(Zeroize::zeroize);
        }
        self.used = 0;
        if self.blocks.len() > RETAINED_BLOCKS {
            self.blocks = Vec::new();
        }
    }

    /// The number of blocks held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Whether no memory is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

impl Drop for HashMemory {
    fn drop(&mut self) {
        self.wipe();
    }
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// A bound on concurrent password hashes, and the threads that run them: argon2 costs tens of
/// MiB and milliseconds each, so unbounded concurrency is a memory and CPU denial of service
/// (SECURITY P4). A [`HashPermit`] is one slot; [`HashPermit::run`] hands its work to one of
/// the gate's threads.
pub struct HashGate {
    max: usize,
    niceness: i32,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    jobs: OnceLock<mpsc::Sender<Job>>,
    started: AtomicUsize,
}

impl core::fmt::Debug for HashGate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HashGate")
            .field("max", &self.max)
            .field("niceness", &self.niceness)
            .field("free", &self.slots.available_permits())
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .field("threads", &self.started.load(Ordering::Relaxed))
            .finish()
    }
}

/// One slot of a [`HashGate`], released on drop.
#[derive(Debug)]
pub struct HashPermit {
    gate: Arc<HashGate>,
    _slot: OwnedSemaphorePermit,
}

/// One place in a [`HashGate`]'s queue, given back on drop (also when the waiting future is
/// dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashGate {
    /// A gate with `max` slots (at least one) and as many hashing threads, at
    /// [`DEFAULT_NICENESS`].
    #[must_use]
    pub fn new(max: usize) -> Arc<Self> {
        Self::with_niceness(max, DEFAULT_NICENESS)
    }

    /// A gate with `max` slots whose threads run at `niceness` (Linux `setpriority`, clamped
    /// to 0..=19: an unprivileged process may lower its priority, never raise it). Other
    /// systems ignore the niceness.
    #[must_use]
    pub fn with_niceness(max: usize, niceness: i32) -> Arc<Self> {
        let max = max.max(1);
        Arc::new(Self {
            max,
            niceness: niceness.clamp(0, 19),
            slots: Arc::new(Semaphore::new(max)),
            waiting: AtomicUsize::new(0),
            jobs: OnceLock::new(),
            started: AtomicUsize::new(0),
        })
    }

    /// A gate sized to the machine: one slot per available core but one (at least one slot), so
    /// a login storm always leaves a core to the request path.
    #[must_use]
    pub fn per_core() -> Arc<Self> {
        Self::per_core_with_niceness(DEFAULT_NICENESS)
    }

    /// [`per_core`](Self::per_core), with threads at `niceness` (see
    /// [`with_niceness`](Self::with_niceness)).
    #[must_use]
    pub fn per_core_with_niceness(niceness: i32) -> Arc<Self> {
        let cores = std::thread::available_parallelism().map_or(1, core::num::NonZero::get);
        Self::with_niceness(cores.saturating_sub(1), niceness)
    }

    /// Takes a slot at once, or `None` when all are in use or logins are waiting for one.
    #[must_use]
    pub fn try_acquire(self: &Arc<Self>) -> Option<HashPermit> {
        let slot = Arc::clone(&self.slots).try_acquire_owned().ok()?;
        Some(HashPermit {
            gate: Arc::clone(self),
            _slot: slot,
        })
    }

    /// Takes a slot, waiting behind the logins that came first: `None` when `queue_length`
    /// logins are already waiting, or when no slot came within `deadline`. Needs a tokio
    /// runtime with its timer.
    pub async fn acquire(
        self: &Arc<Self>,
        queue_length: usize,
        deadline: Duration,
    ) -> Option<HashPermit> {
        if let Some(permit) = self.try_acquire() {
            return Some(permit);
        }
        let place = self
            .waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < queue_length).then_some(n + 1)
            })
            .ok()
            .map(|_| Waiting(&self.waiting))?;
        let slot = tokio::time::timeout(deadline, Arc::clone(&self.slots).acquire_owned()).await;
        drop(place);
        let slot = slot.ok()?.ok()?;
        Some(HashPermit {
            gate: Arc::clone(self),
            _slot: slot,
        })
    }

    /// The number of logins waiting for a slot.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// The number of slots.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.max
    }

    /// The niceness of the hashing threads.
    #[must_use]
    pub fn niceness(&self) -> i32 {
        self.niceness
    }

    /// The number of hashing threads started so far (none before the first hash).
    #[must_use]
    pub fn threads(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    fn sender(&self) -> &mpsc::Sender<Job> {
        self.jobs.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            for i in 0..self.max {
                let rx = Arc::clone(&rx);
                let niceness = self.niceness;
                let spawned = std::thread::Builder::new()
                    .name(alloc::format!("tessera-hash-{i}"))
                    .spawn(move || worker(&rx, niceness));
                if spawned.is_ok() {
                    self.started.fetch_add(1, Ordering::Relaxed);
                }
            }
            tx
        })
    }
}

/// One hashing thread: lowers its priority, then runs jobs until the gate is gone.
fn worker(jobs: &Mutex<mpsc::Receiver<Job>>, niceness: i32) {
    lower_priority(niceness);
    let mut memory = HashMemory::default();
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        job(&mut memory);
        memory.wipe();
    }
}

#[cfg(target_os = "linux")]
fn lower_priority(niceness: i32) {
    if niceness > 0 {
        // On Linux the niceness is per thread: PRIO_PROCESS with a thread id sets that thread.
        // Failure leaves the thread at normal priority, which is still correct.
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), niceness);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_niceness: i32) {}

impl HashPermit {
    /// Runs `job` on one of the gate's hashing threads with that thread's reusable argon2
    /// memory, and holds this slot until `job` returns. The returned future resolves to the
    /// job's result, or `None` if the job panicked. Dropping the future does not cancel the
    /// job. Works with any executor: the future is woken from the hashing thread.
    pub fn run<T, F>(self, job: F) -> Pending<T>
    where
        F: FnOnce(&mut HashMemory) -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Mutex::new(Slot {
            state: State::Waiting(None),
        }));
        let done = Arc::clone(&slot);
        let gate = Arc::clone(&self.gate);
        let boxed: Job = Box::new(move |memory: &mut HashMemory| {
            let result =
                std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| job(memory))).ok();
            // The slot is free before the waiter hears of the result.
            drop(self);
            complete(&done, result);
        });
        if let Err(mpsc::SendError(job)) = gate.sender().send(boxed) {
            // No hashing thread could be started: hash here rather than not at all.
            let mut memory = HashMemory::default();
            job(&mut memory);
        }
        Pending { slot }
    }
}

enum State<T> {
    Waiting(Option<Waker>),
    Done(Option<T>),
    Taken,
}

struct Slot<T> {
    state: State<T>,
}

fn complete<T>(slot: &Mutex<Slot<T>>, result: Option<T>) {
    let waker = match slot.lock() {
        Ok(mut s) => match core::mem::replace(&mut s.state, State::Done(result)) {
            State::Waiting(w) => w,
            State::Done(_) | State::Taken => None,
        },
        Err(_) => None,
    };
    if let Some(w) = waker {
        w.wake();
    }
}

/// The result of [`HashPermit::run`], to `.await`.
#[must_use = "the result of a hash arrives through this future"]
pub struct Pending<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> core::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl<T> Future for Pending<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Ok(mut s) = self.slot.lock() else {
            return Poll::Ready(None);
        };
        match &mut s.state {
            State::Waiting(w) => {
                match w {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            State::Done(_) => match core::mem::replace(&mut s.state, State::Taken) {
                State::Done(v) => Poll::Ready(v),
                State::Waiting(_) | State::Taken => Poll::Ready(None),
            },
            State::Taken => Poll::Ready(None),
        }
    }
}

impl<T> Pending<T> {
    /// Blocks the calling thread until the job is done (for synchronous callers and tests).
    #[must_use]
    pub fn wait(self) -> Option<T> {
        struct ThreadWaker(std::thread::Thread);
        impl alloc::task::Wake for ThreadWaker {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut this = self;
        loop {
            if let Poll::Ready(v) = Pin::new(&mut this).poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }
}
