//! Scratch kept per thread across the tasks of a parallel loop: buffers of megabytes that each
//! task would otherwise allocate, and the kernel fault in and zero page by page. (rayon's
//! `map_init` makes its scratch per split of the work, not per thread, so it allocates more
//! often than there are threads.)

use std::sync::Mutex;

/// One `T` per thread of the current rayon pool, handed to the task the thread runs.
pub struct PerThread<T> {
    slots: Vec<Mutex<T>>,
    make: Box<dyn Fn() -> T + Send + Sync>,
}

impl<T> PerThread<T> {
    /// Scratch for `threads` threads (at least one), each made by `make`.
    pub fn new(threads: usize, make: impl Fn() -> T + Send + Sync + 'static) -> PerThread<T> {
        PerThread {
            slots: (0..threads.max(1)).map(|_| Mutex::new(make())).collect(),
            make: Box::new(make),
        }
    }

    /// `f` with this thread's scratch. A task that runs while its thread's scratch is in use
    /// (stolen by a thread waiting inside a task of the same loop) gets scratch of its own,
    /// made for it, instead of waiting on itself.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        match self.slots[slot].try_lock() {
            Ok(mut mine) => f(&mut mine),
            Err(_) => f(&mut (self.make)()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_slot_gives_fresh_scratch_instead_of_a_deadlock() {
        let s = PerThread::new(1, Vec::<u32>::new);
        s.with(|outer| {
            outer.push(1);
            // The same thread again while its slot is held: fresh scratch.
            s.with(|inner| {
                assert!(inner.is_empty());
                inner.push(2);
            });
            assert_eq!(outer, &[1]);
        });
        // The slot kept its contents for the next task.
        s.with(|again| assert_eq!(again, &[1]));
    }
}
